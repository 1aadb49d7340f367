// 2.1 — SAXPY (y = a * x + y) with a grid-stride loop.
//
// Idea: each thread starts at its global index and steps by the number of threads in the whole
// grid (gridDim.x * blockDim.x), so that the grid sweeps the array in chunks of one grid each.
// Consecutive threads still touch consecutive elements at every step (coalesced), and every
// element is visited by exactly one thread, however many blocks there are.
// Launch shape: exactly the caller's `blocks` blocks of `threads_per_block` threads, checked
// with course::validate_launch before the launch.
// Changed from 1.2: there the grid had to be sized from n (ceil(n / 256) blocks, one element per
// thread). The grid-stride loop frees the grid size from n: one block of one warp is correct
// (slow), a grid that fills the GPU once is correct and fast, and so is a grid larger than n.
// The index arithmetic lives in two __host__ __device__ functions (chapter2.hpp): the kernel
// calls their device copies, and the CPU grader (ch2.1-cpu) checks their host copies on grids of
// every shape, one of more than 2^32 threads included, without a GPU.
#include "chapter2.hpp"
#include "course/error.hpp"
#include "course/launch.hpp"

namespace chapter2 {

// size_t arithmetic: in unsigned, both products wrap around at 2^32 on large grids (4,194,304
// blocks of 1024 threads is 2^32 threads: a 32-bit stride would be 0, and the loop would never
// end), and the casts must come before the multiplication, not after it.
COURSE_HOST_DEVICE std::size_t grid_stride_start(unsigned block, unsigned thread,
                                                 unsigned threads_per_block) {
  return static_cast<std::size_t>(block) * threads_per_block + thread;
}

COURSE_HOST_DEVICE std::size_t grid_stride_step(unsigned blocks, unsigned threads_per_block) {
  return static_cast<std::size_t>(blocks) * threads_per_block;
}

}  // namespace chapter2

namespace {

__global__ void saxpy_kernel(float a, const float* x, float* y, std::size_t n) {
  const std::size_t stride = chapter2::grid_stride_step(gridDim.x, blockDim.x);
  for (std::size_t i = chapter2::grid_stride_start(blockIdx.x, threadIdx.x, blockDim.x); i < n;
       i += stride) {
    y[i] = a * x[i] + y[i];
  }
}

}  // namespace

namespace chapter2 {

void saxpy(float a, const float* x, float* y, std::size_t n, unsigned blocks,
           unsigned threads_per_block, cudaStream_t stream) {
  course::LaunchConfig config;
  config.grid = dim3(blocks);
  config.block = dim3(threads_per_block);
  // First, whatever n is: a grid of 0 blocks throws even when there is nothing to do.
  course::validate_launch(config);  // throws std::invalid_argument on 0 blocks, 0 threads, ...
  if (n == 0)
    return;  // nothing to do: no launch at all
  saxpy_kernel<<<config.grid, config.block, 0, stream>>>(a, x, y, n);
  COURSE_CHECK_LAUNCH();
}

// Given: the kernel's address, for the occupancy API (cudaOccupancyMaxPotentialBlockSize) in 2.4.
const void* saxpy_kernel_address() {
  return reinterpret_cast<const void*>(&saxpy_kernel);
}

}  // namespace chapter2
