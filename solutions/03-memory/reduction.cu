// 3.3 — Summing n floats: a shared-memory tree, then warp shuffles, then a kernel that reads at
// the memory's speed.
//
// Idea: a sum is a tree. Each block sums its part of x in a tree (log2 of the block's size
// levels, every level halving the threads that work), and the blocks' partial sums meet in one
// float with atomicAdd. We chose atomicAdd over a second kernel that sums an array of partials:
// one launch instead of two, no scratch array to allocate, and with a few thousand blocks at
// most (step 3: about a thousand) the atomics on one address cost microseconds. The price is an
// order of additions that changes from run to run: results can differ in their last bits.
// Launch shape: steps 1 and 2, one block of 256 threads per 256 elements (one element per
// thread); step 3, blocks per SM (occupancy API) times SMs, each thread summing many elements.
// Every launcher first zeroes *result with cudaMemsetAsync on the same stream, so the kernel's
// atomics start from 0 and nothing waits.
// Changed from step to step: step 2 replaces the shared-memory levels inside a warp by
// __shfl_down_sync (registers, no __syncthreads); step 3 gives every thread many elements
// (float4 loads, four of them issued before the first is used), so that the tree's cost is
// spread over thousands of elements instead of one, and enough loads are in flight to keep HBM
// busy.
#include <cuda_runtime.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "chapter3.hpp"
#include "course/error.hpp"

namespace {

constexpr int kThreads = 256;  // threads per block, every step
constexpr int kWarps = kThreads / 32;
constexpr unsigned kFullMask = 0xFFFFFFFFu;

void check_arguments(const float* x, std::size_t n, const float* result, const char* who) {
  if (result == nullptr)
    throw std::invalid_argument(std::string(who) + ": result is a null pointer");
  if (x == nullptr && n > 0)
    throw std::invalid_argument(std::string(who) + ": x is a null pointer and n > 0");
}

// One block per kThreads elements; in std::size_t, then checked against the grid's limit.
unsigned blocks_for_one_per_thread(std::size_t n) {
  const std::size_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks > 0x7FFFFFFFu)
    throw std::invalid_argument("reduction: n is too large for one element per thread");
  return static_cast<unsigned>(blocks);
}

// The sum of `value` over the 32 lanes of a warp, in lane 0. Each step adds the value of the
// lane `offset` higher: after offsets 16, 8, 4, 2, 1, lane 0 holds all 32. Registers only; the
// warp's lanes exchange values in lock step, so no __syncthreads and no shared memory.
__device__ float warp_sum(float value) {
  for (int offset = 16; offset > 0; offset /= 2)
    value += __shfl_down_sync(kFullMask, value, offset);
  return value;
}

// The block's sum of every thread's `value`, atomically added to *result by thread 0. Warps sum
// in registers; shared memory carries one value per warp to the first warp.
__device__ void block_sum_to_result(float value, float* result) {
  __shared__ float warp_sums[kWarps];
  const int lane = threadIdx.x % 32;
  const int warp = threadIdx.x / 32;
  value = warp_sum(value);
  if (lane == 0)
    warp_sums[warp] = value;
  __syncthreads();  // every warp's sum is in shared memory before warp 0 reads them
  if (warp == 0) {
    value = lane < kWarps ? warp_sums[lane] : 0.0f;
    value = warp_sum(value);
    if (lane == 0)
      atomicAdd(result, value);
  }
}

// Step 1: one element per thread into shared memory, then a tree over the block.
__global__ void __launch_bounds__(kThreads)
    shared_tree_kernel(const float* __restrict__ x, std::size_t n, float* result) {
  __shared__ float partial[kThreads];
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * kThreads + threadIdx.x;
  partial[threadIdx.x] = i < n ? x[i] : 0.0f;  // past the end: 0, the sum's neutral element
  __syncthreads();  // the whole block's elements are in shared memory before anyone adds
  // Each level halves the active threads: thread t adds the element `stride` places above it.
  // Sequential addressing (t and t + stride) keeps the active threads in whole warps and the
  // shared-memory accesses free of bank conflicts.
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride)
      partial[threadIdx.x] += partial[threadIdx.x + stride];
    // A level reads what the previous one wrote, in other warps: all must finish it first.
    __syncthreads();
  }
  if (threadIdx.x == 0)
    atomicAdd(result, partial[0]);
}

// Step 2: one element per thread, summed by warp shuffles; shared memory only across warps.
__global__ void __launch_bounds__(kThreads)
    warp_shuffle_kernel(const float* __restrict__ x, std::size_t n, float* result) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * kThreads + threadIdx.x;
  // Every thread of the block takes part, in range or not: __shfl_down_sync with a full mask
  // needs all 32 lanes, and __syncthreads all threads.
  block_sum_to_result(i < n ? x[i] : 0.0f, result);
}

// Step 3: many elements per thread. x + head is 16-byte aligned: the first `head` (< 4)
// elements and the last `tail` (< 4) are summed one by one by the first threads of the grid;
// the `vectors` float4 in between with a grid-stride loop, four loads per iteration, all issued
// before the first addition: four 16-byte loads in flight per thread (a thread waits only when
// an instruction needs a loaded value). The four accumulators, one per load, only split the
// chain of dependent additions, which wait a few cycles each against the memory's latency.
__global__ void __launch_bounds__(kThreads)
    fast_kernel(const float* __restrict__ x, std::size_t head, std::size_t vectors,
                std::size_t tail, float* result) {
  const std::size_t thread = static_cast<std::size_t>(blockIdx.x) * kThreads + threadIdx.x;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * kThreads;
  const float4* __restrict__ v = reinterpret_cast<const float4*>(x + head);

  float4 a0 = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  float4 a1 = a0, a2 = a0, a3 = a0;
  std::size_t i = thread;
  for (; i + 3 * stride < vectors; i += 4 * stride) {
    const float4 v0 = v[i];
    const float4 v1 = v[i + stride];
    const float4 v2 = v[i + 2 * stride];
    const float4 v3 = v[i + 3 * stride];
    a0.x += v0.x, a0.y += v0.y, a0.z += v0.z, a0.w += v0.w;
    a1.x += v1.x, a1.y += v1.y, a1.z += v1.z, a1.w += v1.w;
    a2.x += v2.x, a2.y += v2.y, a2.z += v2.z, a2.w += v2.w;
    a3.x += v3.x, a3.y += v3.y, a3.z += v3.z, a3.w += v3.w;
  }
  for (; i < vectors; i += stride) {  // the last, incomplete round of four
    const float4 v0 = v[i];
    a0.x += v0.x, a0.y += v0.y, a0.z += v0.z, a0.w += v0.w;
  }
  float sum = ((a0.x + a0.y) + (a0.z + a0.w)) + ((a1.x + a1.y) + (a1.z + a1.w)) +
              (((a2.x + a2.y) + (a2.z + a2.w)) + ((a3.x + a3.y) + (a3.z + a3.w)));
  if (thread < head)
    sum += x[thread];
  if (thread < tail)
    sum += x[head + 4 * vectors + thread];
  block_sum_to_result(sum, result);
}

// Blocks of fast_kernel that fit on the whole GPU at once, per device (cached: the occupancy
// API and the attribute query cost microseconds, a tenth of a small sum).
unsigned resident_blocks() {
  static std::array<std::atomic<unsigned>, 64> cache{};
  int device = 0;
  COURSE_CUDA_CHECK(cudaGetDevice(&device));
  if (device >= 0 && device < static_cast<int>(cache.size())) {
    const unsigned cached = cache[device].load(std::memory_order_relaxed);
    if (cached != 0)
      return cached;
  }
  int sms = 0;
  COURSE_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  int per_sm = 0;
  COURSE_CUDA_CHECK(
      cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, fast_kernel, kThreads, 0));
  const unsigned blocks =
      static_cast<unsigned>(sms > 0 ? sms : 1) * static_cast<unsigned>(per_sm > 0 ? per_sm : 1);
  if (device >= 0 && device < static_cast<int>(cache.size()))
    cache[device].store(blocks, std::memory_order_relaxed);
  return blocks;
}

}  // namespace

namespace chapter3 {

void sum_shared_tree(const float* x, std::size_t n, float* result, cudaStream_t stream) {
  check_arguments(x, n, result, "sum_shared_tree");
  const unsigned blocks = blocks_for_one_per_thread(n);
  COURSE_CUDA_CHECK(cudaMemsetAsync(result, 0, sizeof(float), stream));
  if (n == 0)
    return;
  shared_tree_kernel<<<blocks, kThreads, 0, stream>>>(x, n, result);
  COURSE_CHECK_LAUNCH();
}

void sum_warp_shuffle(const float* x, std::size_t n, float* result, cudaStream_t stream) {
  check_arguments(x, n, result, "sum_warp_shuffle");
  const unsigned blocks = blocks_for_one_per_thread(n);
  COURSE_CUDA_CHECK(cudaMemsetAsync(result, 0, sizeof(float), stream));
  if (n == 0)
    return;
  warp_shuffle_kernel<<<blocks, kThreads, 0, stream>>>(x, n, result);
  COURSE_CHECK_LAUNCH();
}

void sum_fast(const float* x, std::size_t n, float* result, cudaStream_t stream) {
  check_arguments(x, n, result, "sum_fast");
  COURSE_CUDA_CHECK(cudaMemsetAsync(result, 0, sizeof(float), stream));
  if (n == 0)
    return;
  // Elements before the first 16-byte boundary (a float pointer is 4-byte aligned: 0 to 3).
  const auto address = reinterpret_cast<std::uintptr_t>(x);
  std::size_t head = ((16 - address % 16) % 16) / sizeof(float);
  if (head > n)
    head = n;
  const std::size_t vectors = (n - head) / 4;
  const std::size_t tail = n - head - 4 * vectors;
  // No more blocks than there are rounds of four float4 per thread to give them: small sums
  // launch few blocks, large ones exactly what the GPU holds at once (about 8 per SM).
  const std::size_t per_block = std::size_t{kThreads} * 16;
  std::size_t blocks = (n + per_block - 1) / per_block;
  const unsigned resident = resident_blocks();
  if (blocks > resident)
    blocks = resident;
  fast_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(x, head, vectors, tail,
                                                                      result);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter3
