/// @file chapter3.hpp
/// @brief Chapter 3's exercises: what you implement, and what the graders call.
///
/// Do not change these declarations: the graders are compiled against them. Pointers are device
/// pointers unless a name says otherwise; every function queues its work on `stream` and returns
/// without waiting, unless its comment says it waits.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace chapter3 {

// ---- 3.1 (coalescing.cu) ----------------------------------------------------------------------

/// One particle stored as a structure (16 bytes): the array-of-structures (AoS) layout.
struct Particle {
  float x;  ///< the field 3.1 scales
  float y;  ///< carried along, untouched
  float z;  ///< carried along, untouched
  float w;  ///< carried along, untouched
};

/// Given (not an exercise): particles[i].x *= factor for every i < n, one thread per particle, on
/// the array-of-structures layout. A warp reads and writes x at a stride of 16 bytes: 3/4 of every
/// 32-byte sector it moves is y, z and w. The speed grader times it as the baseline.
/// Throws std::invalid_argument when `particles` is null and n > 0; n == 0 launches nothing.
void scale_x_aos(Particle* particles, std::size_t n, float factor, cudaStream_t stream = nullptr);

/// Exercise 3.1: x[i] *= factor for every i < n, where x is the structure-of-arrays (SoA) layout's
/// array of the particles' x coordinates (n consecutive floats). Exact: one float multiplication
/// per element, as the CPU does it. Throws std::invalid_argument when `x` is null and n > 0;
/// n == 0 launches nothing.
void scale_x_soa(float* x, std::size_t n, float factor, cudaStream_t stream = nullptr);

// ---- 3.2 (transpose.cu) -----------------------------------------------------------------------

// The three transposes of 3.2 share one contract: `in` is a rows x cols matrix of floats, row
// major; `out` (cols x rows, row major, not overlapping `in`) receives out[j * rows + i] =
// in[i * cols + j] for every i < rows, j < cols, and nothing else is written. Any sizes work, not
// only multiples of 32. Throws std::invalid_argument when rows or cols is negative, when a
// pointer is null and the matrix is not empty, or when rows > 65535 * 8 (the naive grid's y
// limit); a matrix with 0 rows or 0 columns launches nothing.

/// Given (not an exercise): one thread per element on blocks of 32 x 8 threads. Reads are
/// coalesced (a warp reads 32 consecutive floats of a row), writes are not (a warp writes 32
/// floats `rows` floats apart: one sector each).
void transpose_naive(const float* in, float* out, int rows, int cols,
                     cudaStream_t stream = nullptr);

/// Exercise 3.2, step 1: through a 32 x 32 tile in shared memory, so that both the reads and the
/// writes of global memory are coalesced. Blocks of 32 x 8 threads, each thread moving 4 elements.
void transpose_tiled(const float* in, float* out, int rows, int cols,
                     cudaStream_t stream = nullptr);

/// Exercise 3.2, step 2: the same, with a tile laid out so that reading a column of it touches 32
/// different shared-memory banks (no bank conflicts).
void transpose_conflict_free(const float* in, float* out, int rows, int cols,
                             cudaStream_t stream = nullptr);

// ---- 3.4 (histogram.cu) ----

/// Bins of the byte histogram: one per byte value.
inline constexpr int kHistogramBins = 256;

/// Given (complete in the skeleton): the baseline the grader times. Counts the n bytes of `data`
/// into `histogram` (256 counters, device memory) with one atomicAdd on global memory per byte.
/// Zeroes `histogram` first (on `stream`): the caller need not clear it.
/// @throws std::invalid_argument when n > 0 and `data` is null, when `histogram` is null, or when
///         n does not fit in an unsigned counter (n >= 2^32).
void histogram_global_atomics(const std::uint8_t* data, std::size_t n, unsigned* histogram,
                              cudaStream_t stream = nullptr);

/// Exercise 3.4: the same histogram, privatized: each block counts into its own 256-bin copy in
/// shared memory (shared atomics) and adds it to `histogram` with one atomicAdd per bin at the
/// end. Zeroes `histogram` first (on `stream`): the caller need not clear it, and n = 0 gives 256
/// zeros. `data` must be 16-byte aligned (every cudaMalloc and course::DeviceArray pointer is).
/// @throws std::invalid_argument when n > 0 and `data` is null, when `histogram` is null, when
///         `data` is not 16-byte aligned, or when n >= 2^32.
void histogram_shared(const std::uint8_t* data, std::size_t n, unsigned* histogram,
                      cudaStream_t stream = nullptr);

// ---- 3.5 (pipeline.cu) ----

/// The elementwise function of 3.5: y = fma(kPipelineScale, x, kPipelineOffset), one fused
/// multiply-add (cheap on purpose: the copies dominate, which is what the pipeline hides).
inline constexpr float kPipelineScale = 2.0f;   ///< the multiplier of 3.5's function
inline constexpr float kPipelineOffset = 1.0f;  ///< the addend of 3.5's function

/// Given (complete in the skeleton): uploads all n floats of `host_in`, runs the kernel, downloads
/// all of them into `host_out`, one step after the other on one stream. Waits: `host_out` holds
/// the result when it returns. Both pointers must be pinned host memory (course::PinnedArray).
/// @throws std::invalid_argument when n > 0 and a pointer is null or not pinned host memory.
void process_serial(const float* host_in, float* host_out, std::size_t n);

/// Exercise 3.5: the same result, pipelined: split the n elements into `chunks` nearly equal
/// chunks and queue each chunk's upload, kernel and download on stream `chunk % streams` of
/// `streams` course::Streams (cudaMemcpyAsync), so that uploads, kernels and downloads of
/// different chunks overlap. Waits: `host_out` holds the result when it returns. Chunks may be
/// more than n (the empty ones do nothing).
/// @throws std::invalid_argument when chunks < 1 or streams < 1; when n > 0 and a pointer is
///         null, or is not pinned host memory (cudaPointerGetAttributes does not say
///         cudaMemoryTypeHost): the message says to use course::PinnedArray.
void process_pipelined(const float* host_in, float* host_out, std::size_t n, int chunks,
                       int streams);

// ---- 3.3 (reduction.cu) ----------------------------------------------------------------------
//
// Three float sums of the n floats at x, one per step of the lesson. Each writes the sum to
// `*result`, one float in device memory, and returns without waiting: the sum stays on the GPU
// for whatever uses it next, a caller that wants it on the host copies it (and so waits), and a
// timing loop measures the kernel, not a copy back. Each queues, on `stream`, a
// cudaMemsetAsync of *result to 0 and then the kernel, whose blocks atomicAdd their partial sums
// into *result; n == 0 writes 0. The additions happen in float, in an order that changes from
// run to run (the atomics), so two calls can differ in the last bits. Arguments are checked
// before anything is queued: a null `result`, or a null `x` with n > 0, throws
// std::invalid_argument.

/// Step 1: every block of 256 threads loads one element per thread into shared memory, halves
/// the active threads in a tree (a __syncthreads between levels), and thread 0 atomicAdds the
/// block's sum into *result. One block per 256 elements.
void sum_shared_tree(const float* x, std::size_t n, float* result, cudaStream_t stream = nullptr);

/// Step 2: as sum_shared_tree, but every warp sums its 32 values with __shfl_down_sync in
/// registers; shared memory holds only one value per warp, summed by the first warp.
void sum_warp_shuffle(const float* x, std::size_t n, float* result, cudaStream_t stream = nullptr);

/// Step 3: a grid sized to fill the GPU once (the occupancy API: blocks per SM times SMs), each
/// thread summing many elements with a grid-stride loop of float4 loads, several issued before
/// the first is used, then warp shuffles and one atomicAdd per block. Any alignment of x and any n.
void sum_fast(const float* x, std::size_t n, float* result, cudaStream_t stream = nullptr);

// ---- 3.6 (unified_memory.cu, optional) --------------------------------------------------------
//
// 3.5's function once more (data[i] = fma(kPipelineScale, data[i], kPipelineOffset)), in place on
// managed memory (course::ManagedArray): the host wrote the data, the GPU transforms it, the host
// reads the result. Both functions queue their work on `stream` and wait for it: the result can
// be read on the host when they return. n == 0 does nothing. Arguments are checked first: a null
// `data` with n > 0, or a pointer that is not managed memory (cudaPointerGetAttributes does not
// say cudaMemoryTypeManaged), throws std::invalid_argument naming course::ManagedArray; a GPU
// without concurrent managed access (cudaDevAttrConcurrentManagedAccess: Windows, some older or
// virtualised GPUs) throws std::runtime_error, since prefetching needs it.

/// Given: the kernel runs on the managed pages where they are (on the host, just written): each
/// page the GPU touches migrates on demand, by a page fault, and migrates back the same way when
/// the host reads the result.
void transform_managed_on_demand(float* data, std::size_t n, cudaStream_t stream = nullptr);

/// Exercise 3.6: the same result, with the migrations asked for in bulk: prefetch the whole range
/// to the GPU before the kernel and back to the host after it, all on `stream`, then wait. The
/// range's last prefetch location is then the host (the grader checks it with
/// cudaMemRangeGetAttribute), and no page faults are left on either side.
void transform_managed_prefetched(float* data, std::size_t n, cudaStream_t stream = nullptr);

}  // namespace chapter3
