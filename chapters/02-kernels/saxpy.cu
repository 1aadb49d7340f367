// 2.1 — SAXPY (y = a * x + y) with a grid-stride loop.
//
// Idea: each thread starts at its global index and steps by the number of threads in the whole
// grid, so that any grid, however small or large, covers every element exactly once. The index
// arithmetic is two __host__ __device__ functions: the kernel calls them on the GPU, and the CPU
// grader (ch2.1-cpu) checks them on the CPU, no GPU needed.
// Launch shape: exactly the caller's `blocks` blocks of `threads_per_block` threads.
#include "chapter2.hpp"
#include "course/error.hpp"
#include "course/launch.hpp"

namespace chapter2 {

COURSE_HOST_DEVICE std::size_t grid_stride_start(unsigned block, unsigned thread,
                                                 unsigned threads_per_block) {
  // TODO(2.1): the global index of thread `thread` of block `block`. In which type is the product
  // of two unsigned values computed, and what is it for block 4,194,304 of 1024 threads? Delete
  // the COURSE_TODO_HOST_DEVICE line when you are done (it throws only in the CPU's copy).
  COURSE_TODO_HOST_DEVICE("2.1", "grid_stride_start: the thread's global index, in std::size_t");
  return ~std::size_t{0};  // a placeholder past any n: until this is done, the loop does nothing
}

COURSE_HOST_DEVICE std::size_t grid_stride_step(unsigned blocks, unsigned threads_per_block) {
  // TODO(2.1): how many threads does the whole grid have? How far must each step go for no two
  // threads to visit the same element?
  COURSE_TODO_HOST_DEVICE("2.1", "grid_stride_step: the number of threads in the grid");
  return ~std::size_t{0} / 2;  // a placeholder: one step ends any loop, none runs for ever
}

}  // namespace chapter2

namespace {

__global__ void saxpy_kernel(float a, const float* x, float* y, std::size_t n) {
  // TODO(2.1): a grid-stride loop: start at chapter2::grid_stride_start(...) and step by
  // chapter2::grid_stride_step(...), with which built-in variables (blockIdx, threadIdx,
  // blockDim, gridDim)? In the loop body: y[i] = a * x[i] + y[i].
}

}  // namespace

namespace chapter2 {

void saxpy(float a, const float* x, float* y, std::size_t n, unsigned blocks,
           unsigned threads_per_block, cudaStream_t stream) {
  // TODO(2.1): put blocks and threads_per_block in a course::LaunchConfig and check it with
  // course::validate_launch (what should a grid of 0 blocks do, when n == 0 too?), then launch
  // saxpy_kernel<<<blocks, threads_per_block, 0, stream>>>(...) and COURSE_CHECK_LAUNCH().
  // What must happen when n == 0? Delete the COURSE_TODO line when you are done.
  COURSE_TODO("2.1", "launch saxpy_kernel with exactly the grid you were given");
}

// Given: the kernel's address, for the occupancy API (cudaOccupancyMaxPotentialBlockSize) in 2.4.
const void* saxpy_kernel_address() {
  return reinterpret_cast<const void*>(&saxpy_kernel);
}

}  // namespace chapter2
