// GPU detection. On a machine without a GPU cudaGetDeviceCount returns
// cudaErrorInsufficientDriver (not cudaErrorNoDevice), so every error means "no GPU".
#include "course/gpu.hpp"

#include <cuda_runtime_api.h>

#include <string>

namespace course {
namespace {

std::string detect() noexcept {
  try {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) {
      return std::string("no usable CUDA GPU: cudaGetDeviceCount returned ") +
             cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")";
    }
    if (count <= 0)
      return "no usable CUDA GPU: the driver reports 0 devices";
    // A device can be listed but unusable (e.g. compute mode prohibited): touch it once.
    const cudaError_t touch = cudaFree(nullptr);
    if (touch != cudaSuccess) {
      return std::string("no usable CUDA GPU: creating a context failed with ") +
             cudaGetErrorName(touch) + " (" + cudaGetErrorString(touch) + ")";
    }
    return "";
  } catch (...) {
    return "no usable CUDA GPU: detection failed";
  }
}

const std::string& cached_reason() noexcept {
  static const std::string reason = detect();  // thread-safe, once per process
  return reason;
}

}  // namespace

bool gpu_available() noexcept {
  return cached_reason().empty();
}

std::string gpu_unavailable_reason() noexcept {
  try {
    return cached_reason();
  } catch (...) {
    return "no usable CUDA GPU";
  }
}

}  // namespace course
