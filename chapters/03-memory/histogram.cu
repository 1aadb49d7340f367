// 3.4 — A 256-bin byte histogram: global atomics (given), then privatized in shared memory (yours).
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
  // Check the arguments (check_arguments, and the 16-byte alignment), zero `histogram` on
  // `stream`, then launch your kernel: a __shared__ copy of the 256 bins per block, zeroed, a
  // barrier, the grid-stride count with uint4 loads (and the tail), a barrier, one atomicAdd per
  // bin into `histogram`. Delete the COURSE_TODO line when you are done.
  (void)data, (void)n, (void)histogram, (void)stream;
  COURSE_TODO("3.4", "histogram_shared: a privatized histogram in shared memory");
}

}  // namespace chapter3
