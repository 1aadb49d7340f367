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
/// thread summing many elements with a grid-stride loop of float4 loads into independent
/// accumulators, then warp shuffles and one atomicAdd per block. Any alignment of x and any n.
void sum_fast(const float* x, std::size_t n, float* result, cudaStream_t stream = nullptr);

}  // namespace chapter3
