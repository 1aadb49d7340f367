/// @file chapter1.hpp
/// @brief Chapter 1's exercises: what you implement, and what the graders call.
///
/// Do not change these declarations: the graders are compiled against them.
#pragma once

#include <cuda_runtime.h>  // the runtime API, with the C++ conveniences (templated cudaMalloc)

#include <cstddef>
#include <vector>

#include "course/device_info.hpp"
#include "course/memory.hpp"

namespace chapter1 {

// ---- 1.1 (peak.cpp) ---------------------------------------------------------------------------

/// Theoretical peak FP32 rate of a GPU in FLOP/s, from its properties.
/// Use course::fp32_cores_per_sm(spec.compute_major, spec.compute_minor) for the cores per SM.
double peak_fp32_flops(const course::DeviceSpec& spec);

/// Theoretical peak memory bandwidth of a GPU in bytes/s, from its properties.
double peak_memory_bandwidth(const course::DeviceSpec& spec);

// ---- 1.2 (vector_add.cu) ----------------------------------------------------------------------

/// c[i] = a[i] + b[i] for i < n, on the GPU. a, b and c are device pointers. Queues the work on
/// `stream` and returns without waiting for it. n may be anything, 0 included.
void vector_add(const float* a, const float* b, float* c, std::size_t n,
                cudaStream_t stream = nullptr);

/// The same on device arrays. @throws std::invalid_argument when the sizes differ.
void vector_add(const course::DeviceArray<float>& a, const course::DeviceArray<float>& b,
                course::DeviceArray<float>& c);

// ---- 1.3 (round_trip.cpp) ---------------------------------------------------------------------

/// The whole round trip with the raw runtime API: cudaMalloc, cudaMemcpy both ways, the kernel
/// of 1.2, cudaFree. Returns a + b. Every allocation is freed on every path, a CUDA call that
/// throws included. Empty inputs give an empty result (the graders pass n == 0; return before any
/// CUDA call: the runtime's documentation does not say what cudaMalloc or cudaMemcpy do with 0
/// bytes). @throws std::invalid_argument when a and b differ in size.
std::vector<float> add_with_raw_cuda(const std::vector<float>& a, const std::vector<float>& b);

/// The same round trip with course::DeviceArray. @throws std::invalid_argument likewise.
std::vector<float> add_with_device_arrays(const std::vector<float>& a, const std::vector<float>& b);

// ---- 1.4 (breakdown.cpp) ----------------------------------------------------------------------

/// Where the time of one round trip goes, in milliseconds, measured with CUDA events.
struct TransferBreakdown {
  double host_to_device_ms = 0;  ///< copying a and b to the GPU
  double kernel_ms = 0;          ///< the vector_add kernel alone
  double device_to_host_ms = 0;  ///< copying c back
  double total_ms = 0;           ///< from before the first copy to after the last one
};

/// Computes c = a + b on the GPU (c is resized to a.size()) and says where the time went.
/// @throws std::invalid_argument when a and b differ in size.
TransferBreakdown timed_vector_add(const std::vector<float>& a, const std::vector<float>& b,
                                   std::vector<float>& c);

// ---- 1.5, optional (vector_add_fast.cu) -------------------------------------------------------

/// The contract of vector_add (any n, 0 included; every c[i] written, nothing past c[n - 1]; queued
/// on `stream`, no waiting), as close to the memory ceiling as you can get it, with one
/// difference: a, b and c may be assumed aligned to 16 bytes, as every pointer returned by
/// cudaMalloc is (it aligns to 256), so that 16-byte loads (float4) are legal. A pointer into the
/// middle of an array (a + 1) need not work; the graders pass only cudaMalloc's pointers.
void vector_add_fast(const float* a, const float* b, float* c, std::size_t n,
                     cudaStream_t stream = nullptr);

}  // namespace chapter1
