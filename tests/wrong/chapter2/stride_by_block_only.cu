// KNOWN-WRONG VARIANT, kept so the graders are proven to catch it (see
// tests/chapter2/CMakeLists.txt). Everything else is the reference solution; look for WRONG.
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
#include "chapter2.hpp"
#include "course/error.hpp"
#include "course/launch.hpp"

namespace {

__global__ void saxpy_kernel(float a, const float* x, float* y, std::size_t n) {
  // WRONG: the step is one block's threads, not the whole grid's. With several blocks, block b
  // walks over the elements of blocks b + 1, b + 2, ... too: they are updated more than once.
  const std::size_t stride = blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
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
