/// @file gpu.hpp
/// @brief GPU detection that never throws, and that says why no GPU can be used.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

namespace course {

/// What the GPU detection found: whether a GPU can be used and, when not, why and what to do.
struct GpuStatus {
  bool usable = false;  ///< a GPU is present, can run this build's code, and accepted a context
  /// Empty when usable; otherwise short enough for a scoreboard row: "no NVIDIA driver", "driver
  /// too old", "no NVIDIA GPU visible", "compute capability 6.1 is too low", "GPU busy or
  /// unavailable" or "GPU in an error state".
  std::string summary;
  /// One or two sentences: what was found and what to do. Empty when usable, except for a note
  /// worth knowing (a driver older than the runtime, working through minor-version compatibility).
  std::string detail;
  std::string device_name;       ///< e.g. "NVIDIA H100 80GB HBM3"; empty when none was found
  int compute_major = 0;         ///< compute capability of that device; 0 when none
  int compute_minor = 0;         ///< e.g. 0 for 9.0
  int driver_cuda_version = 0;   ///< cudaDriverGetVersion, e.g. 13000 for 13.0; 0 without a driver
  int runtime_cuda_version = 0;  ///< cudaRuntimeGetVersion: the CUDA the course was built with
  double memory_gib = 0;         ///< the device's global memory in GiB; 0 when none
};

/// Detects the GPU once per process (the first call; later calls return the same object) and
/// never throws. Uses the current device (device 0 unless cudaSetDevice was called before).
[[nodiscard]] const GpuStatus& gpu_status() noexcept;

/// True when a GPU can be used: gpu_status().usable.
[[nodiscard]] bool gpu_available() noexcept;

/// Why no GPU can be used, in a few words (gpu_status().summary, e.g. "no NVIDIA driver"). Empty
/// when a GPU is available. gpu_status().detail says what to do about it.
[[nodiscard]] std::string gpu_unavailable_reason() noexcept;

/// A CUDA version as CUDA encodes it, for people: 13000 -> "13.0", 12020 -> "12.2"; empty for 0.
[[nodiscard]] std::string cuda_version_text(int version);

namespace detail {
/// The steps of gpu_status() that need no GPU, separate so that they can be tested without one.
/// `status` after `call` failed with `code`: summary and detail by cause.
GpuStatus classify_gpu_error(GpuStatus status, cudaError_t code, const std::string& call);
/// `status` (with a device's name and compute capability) made unusable when the course, or a
/// build whose lowest architecture is `min_arch` (75 for sm_75; 0: unknown), cannot run on it.
GpuStatus check_compute_capability(GpuStatus status, int min_arch,
                                   const std::string& architectures);
}  // namespace detail

}  // namespace course
