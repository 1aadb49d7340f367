// 2.1 — SAXPY (y = a * x + y) with a grid-stride loop.
//
// Idea: each thread starts at its global index and steps by the number of threads in the whole
// grid, so that any grid, however small or large, covers every element exactly once.
// Launch shape: exactly the caller's `blocks` blocks of `threads_per_block` threads.
#include "chapter2.hpp"
#include "course/error.hpp"
#include "course/launch.hpp"

namespace {

__global__ void saxpy_kernel(float a, const float* x, float* y, std::size_t n) {
  // TODO(2.1): a grid-stride loop. Where does this thread start? How many threads does the
  // whole grid have (gridDim.x, blockDim.x), and so how far must each step go for no two
  // threads to visit the same element? Can that product overflow 32 bits?
  // In the loop body: y[i] = a * x[i] + y[i].
}

}  // namespace

namespace chapter2 {

void saxpy(float a, const float* x, float* y, std::size_t n, unsigned blocks,
           unsigned threads_per_block, cudaStream_t stream) {
  // TODO(2.1): put blocks and threads_per_block in a course::LaunchConfig and check it with
  // course::validate_launch (what should a grid of 0 blocks do?), then launch
  // saxpy_kernel<<<blocks, threads_per_block, 0, stream>>>(...) and COURSE_CHECK_LAUNCH().
  // What must happen when n == 0? Delete the COURSE_TODO line when you are done.
  COURSE_TODO("2.1", "launch saxpy_kernel with exactly the grid you were given");
}

// Given: the kernel's address, for the occupancy API (cudaOccupancyMaxPotentialBlockSize) in 2.4.
const void* saxpy_kernel_address() {
  return reinterpret_cast<const void*>(&saxpy_kernel);
}

}  // namespace chapter2
