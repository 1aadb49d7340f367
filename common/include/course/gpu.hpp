/// @file gpu.hpp
/// @brief GPU detection that never throws.
#pragma once

#include <string>

namespace course {

/// True when at least one CUDA device can be used. Never throws: any CUDA error during detection
/// (no driver, driver too old, no device, a device in a bad state) counts as "no GPU".
bool gpu_available() noexcept;

/// One line saying why no GPU can be used, e.g. "no usable CUDA GPU: cudaGetDeviceCount returned
/// cudaErrorInsufficientDriver (CUDA driver version is insufficient for CUDA runtime version)".
/// Empty when a GPU is available.
std::string gpu_unavailable_reason() noexcept;

}  // namespace course
