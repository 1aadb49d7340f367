// 3.3 — Summing n floats: a shared-memory tree, then warp shuffles, then a kernel that reads at
// the memory's speed.
//
// Idea: a sum is a tree. Each block sums its part of x, and the blocks' partial sums meet in
// *result (atomicAdd into a float zeroed first, or a second pass over an array of partials:
// your choice; say why in a comment). Read the lesson's section 3.3 and chapter3.hpp first.
// Launch shape: steps 1 and 2, one block of 256 threads per 256 elements; step 3, a grid that
// fills the GPU once (the occupancy API), each thread summing many elements.
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "chapter3.hpp"
#include "course/error.hpp"

namespace {

constexpr int kThreads = 256;  // threads per block

// TODO(3.3): the kernels, file-local, e.g.
//   __global__ void shared_tree_kernel(const float* x, std::size_t n, float* result);
//   __global__ void warp_shuffle_kernel(const float* x, std::size_t n, float* result);
//   __global__ void fast_kernel(...);
// Where do the __syncthreads go in the tree, and why is none needed inside a warp's shuffles?
// What must a thread whose index is past n contribute?

}  // namespace

namespace chapter3 {

void sum_shared_tree(const float* x, std::size_t n, float* result, cudaStream_t stream) {
  // TODO(3.3): check the arguments, zero *result on `stream`, launch one block of kThreads
  // threads per kThreads elements (none when n == 0), check the launch.
  COURSE_TODO("3.3", "sum_shared_tree: a shared-memory tree per block");
}

void sum_warp_shuffle(const float* x, std::size_t n, float* result, cudaStream_t stream) {
  // TODO(3.3): as sum_shared_tree, with __shfl_down_sync inside each warp.
  COURSE_TODO("3.3", "sum_warp_shuffle: warp shuffles, shared memory only across warps");
}

void sum_fast(const float* x, std::size_t n, float* result, cudaStream_t stream) {
  // TODO(3.3): many elements per thread (float4 where x is 16-byte aligned: what about the
  // elements before the first boundary and after the last whole float4?), several loads issued
  // before the first is used, a grid of blocks-per-SM
  // (cudaOccupancyMaxActiveBlocksPerMultiprocessor) times SMs, then shuffles and one atomicAdd per
  // block.
  COURSE_TODO("3.3", "sum_fast: a reduction at the memory's bandwidth");
}

}  // namespace chapter3
