// 3.4 — A 256-bin byte histogram: global atomics, then privatized in shared memory.
//
// Idea: an atomicAdd on global memory is done in the L2 cache, one update at a time per address.
// When many threads hit the same bin (skewed data: all bytes equal is the worst case), their
// updates queue up behind each other at one L2 slice and the whole GPU runs at the speed of one
// address. Privatization gives every block its own copy of the 256 bins in shared memory: the
// contention stays inside one SM, shared atomics are much cheaper than L2 round trips, and the
// global histogram sees only one atomicAdd per bin per block at the end (a few hundred thousand
// in all, instead of one per byte).
// Launch shape: 256 threads per block (one bin per thread for zeroing and merging); a grid that
// fills the GPU once (8 blocks per SM), each thread walking the input in 16-byte uint4 loads with
// a grid-stride loop; the last n % 16 bytes (the tail) are counted one byte per thread.
// Changed from the baseline (histogram_global_atomics): the shared copy, the two __syncthreads
// around the counting, the merge, and 16 bytes per load instead of 1.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "chapter3.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/launch.hpp"

namespace {

constexpr unsigned kThreads = 256;  // == kHistogramBins: each thread zeroes and merges one bin

// Given: the baseline. Every byte is one atomicAdd on global memory.
__global__ void histogram_global_kernel(const std::uint8_t* data, std::size_t n,
                                        unsigned* histogram) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    atomicAdd(&histogram[data[i]], 1u);
  }
}

// Counts the 4 bytes of a word into the block's shared bins. When all 4 bytes are equal (common
// in skewed data) one atomicAdd of 4 replaces 4 atomics on the same address, which would
// serialize: aggregating in registers before the atomic is the same idea as privatization.
__device__ void count_word(unsigned* bins, unsigned word) {
  const unsigned b0 = word & 0xFFu;
  if (word == b0 * 0x01010101u) {
    atomicAdd(&bins[b0], 4u);
    return;
  }
  atomicAdd(&bins[b0], 1u);
  atomicAdd(&bins[(word >> 8) & 0xFFu], 1u);
  atomicAdd(&bins[(word >> 16) & 0xFFu], 1u);
  atomicAdd(&bins[word >> 24], 1u);
}

__global__ void histogram_shared_kernel(const std::uint8_t* data, std::size_t n,
                                        unsigned* histogram) {
  __shared__ unsigned bins[chapter3::kHistogramBins];
  for (unsigned b = threadIdx.x; b < chapter3::kHistogramBins; b += blockDim.x) {
    bins[b] = 0;
  }
  // Every bin must be zero before any thread counts into it: without this barrier a fast warp
  // can add to a bin that a slower warp zeroes afterwards, and those counts are lost.
  __syncthreads();

  const std::size_t tid = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  // data is 16-byte aligned (checked by the launcher), so the uint4 loads are aligned.
  const std::size_t vectors = n / 16;
  const uint4* data16 = reinterpret_cast<const uint4*>(data);
  for (std::size_t i = tid; i < vectors; i += stride) {
    const uint4 v = data16[i];
    count_word(bins, v.x);
    count_word(bins, v.y);
    count_word(bins, v.z);
    count_word(bins, v.w);
  }
  // The tail: the last n % 16 bytes, fewer than one uint4; the grid's first threads take one each.
  const std::size_t tail_start = vectors * 16;
  if (tid < n - tail_start) {
    atomicAdd(&bins[data[tail_start + tid]], 1u);
  }
  // Every count of this block must be in `bins` before it is merged.
  __syncthreads();
  for (unsigned b = threadIdx.x; b < chapter3::kHistogramBins; b += blockDim.x) {
    const unsigned count = bins[b];
    if (count != 0) {  // skewed data leaves most bins empty: no global atomic for those
      atomicAdd(&histogram[b], count);
    }
  }
}

void check_arguments(const char* function, const std::uint8_t* data, std::size_t n,
                     const unsigned* histogram) {
  if (histogram == nullptr) {
    throw std::invalid_argument(std::string(function) + ": histogram is null");
  }
  if (n > 0 && data == nullptr) {
    throw std::invalid_argument(std::string(function) +
                                ": data is null but n = " + std::to_string(n));
  }
  if (n > 0xFFFFFFFFull) {
    throw std::invalid_argument(std::string(function) + ": n = " + std::to_string(n) +
                                " bytes could overflow a 32-bit counter (at most 2^32 - 1)");
  }
}

// One pass over the GPU: 8 blocks of 256 threads per SM fill it (2048 threads per SM on
// Hopper); fewer when there is not that much work.
unsigned grid_for(std::size_t items) {
  const std::size_t full = static_cast<std::size_t>(course::device_info().sm_count) * 8;
  const std::size_t needed = course::blocks_to_cover(items, kThreads);
  return static_cast<unsigned>(needed < full ? (needed > 0 ? needed : 1) : full);
}

}  // namespace

namespace chapter3 {

void histogram_global_atomics(const std::uint8_t* data, std::size_t n, unsigned* histogram,
                              cudaStream_t stream) {
  check_arguments("histogram_global_atomics", data, n, histogram);
  // Zeroed here, on the same stream, so that the kernel's atomics add to zeros.
  COURSE_CUDA_CHECK(cudaMemsetAsync(histogram, 0, kHistogramBins * sizeof(unsigned), stream));
  if (n == 0)
    return;
  histogram_global_kernel<<<grid_for(n), kThreads, 0, stream>>>(data, n, histogram);
  COURSE_CHECK_LAUNCH();
}

void histogram_shared(const std::uint8_t* data, std::size_t n, unsigned* histogram,
                      cudaStream_t stream) {
  check_arguments("histogram_shared", data, n, histogram);
  if (reinterpret_cast<std::uintptr_t>(data) % 16 != 0) {
    throw std::invalid_argument("histogram_shared: data must be 16-byte aligned for uint4 loads");
  }
  // Zeroed here, on the same stream: the blocks' merges add to zeros, and n = 0 gives zeros.
  COURSE_CUDA_CHECK(cudaMemsetAsync(histogram, 0, kHistogramBins * sizeof(unsigned), stream));
  if (n == 0)
    return;
  // Enough threads for the uint4 loop and for the tail (< 16 bytes: one thread each).
  histogram_shared_kernel<<<grid_for(n / 16 + 16), kThreads, 0, stream>>>(data, n, histogram);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter3
