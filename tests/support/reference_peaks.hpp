// The graders' reference answers for exercise 1.1: a GPU's theoretical peak FP32 rate and memory
// bandwidth. They live here, not in the common library, because computing them is the exercise:
// students see the library's headers and must not find the answer there.
#pragma once

#include "course/device_info.hpp"

namespace course::grading {

/// Theoretical peak FP32 rate of `spec` in FLOP/s (the reference answer to exercise 1.1).
/// 0 for an architecture course::fp32_cores_per_sm does not know.
double theoretical_peak_fp32_flops(const DeviceSpec& spec) noexcept;

/// Theoretical peak memory bandwidth of `spec` in bytes/s (the reference answer to 1.1).
double theoretical_memory_bandwidth(const DeviceSpec& spec) noexcept;

}  // namespace course::grading
