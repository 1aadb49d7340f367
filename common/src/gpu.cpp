// GPU detection. The runtime reports most failures with the same few error codes (without any
// driver, cudaGetDeviceCount says cudaErrorInsufficientDriver, which sends people to update a
// driver they do not have), so each cause is checked separately, cheapest and most basic first:
// the driver library, the driver's version, the devices, the compute capability, a context.
#include "course/gpu.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>

#if defined(__linux__)
#include <dlfcn.h>
#endif

// Set by common/CMakeLists.txt from CMAKE_CUDA_ARCHITECTURES: the lowest architecture this build
// has code for (75 for "75;90-real"), 0 when it cannot tell ("native", "all").
#ifndef COURSE_MIN_CUDA_ARCH
#define COURSE_MIN_CUDA_ARCH 0
#endif
#ifndef COURSE_CUDA_ARCHITECTURES
#define COURSE_CUDA_ARCHITECTURES ""
#endif

namespace course {
namespace {

// The course's kernels and tools assume Volta (7.0) or newer, whatever the build targets.
constexpr int kCourseMinimumArch = 70;
const char* const kGettingAGpu = "see docs/getting-a-gpu.md";

std::string error_text(cudaError_t code) {
  return std::string(cudaGetErrorName(code)) + " (" + cudaGetErrorString(code) + ")";
}

std::string arch_text(int arch) {
  return std::to_string(arch / 10) + "." + std::to_string(arch % 10);
}

// Loads the driver library the way the runtime does; on failure, `why` is dlerror()'s text.
bool driver_library_loads(std::string& why) {
#if defined(__linux__)
  void* handle = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    why = error != nullptr ? error : "dlopen failed";
    return false;
  }
  dlclose(handle);  // the runtime opens it again itself
#else
  (void)why;
#endif
  return true;
}

GpuStatus unusable(GpuStatus status, std::string summary, std::string detail) {
  status.usable = false;
  status.summary = std::move(summary);
  status.detail = std::move(detail);
  return status;
}

// "[<what_failed>: ]the driver supports CUDA 12.2, the course was built with CUDA 13.0: ..."
std::string driver_too_old_detail(const GpuStatus& status, const std::string& what_failed) {
  std::string detail =
      status.driver_cuda_version > 0
          ? "the driver supports CUDA " + cuda_version_text(status.driver_cuda_version)
          : "the driver is too old";
  detail += ", the course was built with CUDA " + cuda_version_text(status.runtime_cuda_version) +
            ": update the driver or build with an older toolkit.";
  if (what_failed.empty()) {
    detail[0] = 'T';
    return detail;
  }
  return what_failed + ": " + detail;
}

GpuStatus no_gpu_visible(GpuStatus status, const std::string& what_failed) {
  std::string detail = what_failed + ": the NVIDIA driver";
  if (status.driver_cuda_version > 0)
    detail += " (CUDA " + cuda_version_text(status.driver_cuda_version) + ")";
  detail += " is installed but shows no GPU.";
  const char* visible = std::getenv("CUDA_VISIBLE_DEVICES");
  if (visible != nullptr) {
    detail += std::string(" CUDA_VISIBLE_DEVICES=\"") + visible +
              "\" may hide it: unset it or name a GPU that nvidia-smi lists.";
  }
  detail +=
      " Check that `nvidia-smi` lists a GPU; in a container, pass the GPU in (docker run "
      "--gpus all).";
  return unusable(std::move(status), "no NVIDIA GPU visible", detail);
}

GpuStatus detect() {
  GpuStatus status;
  cudaRuntimeGetVersion(&status.runtime_cuda_version);  // the runtime's own: needs no driver

  std::string why;
  if (!driver_library_loads(why)) {
    std::string detail = "libcuda.so.1 could not be loaded";
    if (why.find("No such file") == std::string::npos)
      detail += " (" + why + ")";
    return unusable(std::move(status), "no NVIDIA driver",
                    detail +
                        ": this machine has no NVIDIA driver. Grade on a machine with an "
                        "NVIDIA GPU: " +
                        kGettingAGpu + ".");
  }
  if (cudaDriverGetVersion(&status.driver_cuda_version) != cudaSuccess)
    status.driver_cuda_version = 0;
  // A driver of an older major version cannot run this runtime at all. An older minor version
  // of the same major can (minor-version compatibility): that case is left to the calls below.
  if (status.driver_cuda_version > 0 &&
      status.driver_cuda_version / 1000 < status.runtime_cuda_version / 1000) {
    std::string detail = driver_too_old_detail(status, "");
    return unusable(std::move(status), "driver too old", std::move(detail));
  }

  int count = 0;
  const cudaError_t counted = cudaGetDeviceCount(&count);
  if (counted != cudaSuccess)
    return detail::classify_gpu_error(std::move(status), counted, "cudaGetDeviceCount");
  if (count <= 0)
    return no_gpu_visible(std::move(status), "cudaGetDeviceCount found 0 devices");

  int device = 0;
  const cudaError_t current = cudaGetDevice(&device);
  if (current != cudaSuccess)
    return detail::classify_gpu_error(std::move(status), current, "cudaGetDevice");
  cudaDeviceProp properties{};
  const cudaError_t queried = cudaGetDeviceProperties(&properties, device);
  if (queried != cudaSuccess)
    return detail::classify_gpu_error(std::move(status), queried, "cudaGetDeviceProperties");
  status.device_name = properties.name;
  status.compute_major = properties.major;
  status.compute_minor = properties.minor;
  status.memory_gib = static_cast<double>(properties.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0);

  status = detail::check_compute_capability(std::move(status), COURSE_MIN_CUDA_ARCH,
                                            COURSE_CUDA_ARCHITECTURES);
  if (!status.summary.empty())
    return status;

  // A device can be listed but unusable (compute mode prohibited, taken, broken): touch it once.
  const cudaError_t touched = cudaFree(nullptr);
  if (touched != cudaSuccess)
    return detail::classify_gpu_error(std::move(status), touched,
                                      "creating a context (cudaFree(nullptr))");

  status.usable = true;
  if (status.driver_cuda_version > 0 && status.driver_cuda_version < status.runtime_cuda_version) {
    status.detail = "The driver supports CUDA " + cuda_version_text(status.driver_cuda_version) +
                    ", older than the CUDA " + cuda_version_text(status.runtime_cuda_version) +
                    " the course was built with: it works through minor-version compatibility, "
                    "but PTX from the newer toolkit cannot be loaded; update the driver if a "
                    "kernel fails with cudaErrorUnsupportedPtxVersion.";
  }
  return status;
}

GpuStatus detect_without_throwing() noexcept {
  try {
    GpuStatus status = detect();
    // A failed call above may have left the runtime's last-error state set: do not let a
    // student's COURSE_CHECK_LAUNCH() report it later.
    cudaGetLastError();
    return status;
  } catch (...) {  // std::bad_alloc from a string: nothing more useful can be said
    try {
      GpuStatus status;
      status.summary = "GPU detection failed";
      return status;
    } catch (...) {
      return GpuStatus{};
    }
  }
}

}  // namespace

namespace detail {

GpuStatus classify_gpu_error(GpuStatus status, cudaError_t code, const std::string& call) {
  const std::string what_failed = call + " returned " + error_text(code);
  switch (code) {
    case cudaErrorInsufficientDriver: {
      std::string detail = driver_too_old_detail(status, what_failed);
      return unusable(std::move(status), "driver too old", std::move(detail));
    }
    case cudaErrorNoDevice:
      return no_gpu_visible(std::move(status), what_failed);
    case cudaErrorDevicesUnavailable:
      return unusable(std::move(status), "GPU busy or unavailable",
                      what_failed +
                          ": the GPU is taken by another process (exclusive-process compute mode) "
                          "or does not allow CUDA. `nvidia-smi` shows its compute mode and "
                          "processes; wait for them to finish, or ask the administrator.");
    case cudaErrorSystemNotReady:
      return unusable(std::move(status), "GPU busy or unavailable",
                      what_failed +
                          ": the system is not ready yet (on NVSwitch machines, the "
                          "nvidia-fabricmanager service must be running). Retry in a minute, "
                          "or ask the administrator.");
    case cudaErrorSystemDriverMismatch:
      return unusable(std::move(status), "GPU in an error state",
                      what_failed +
                          ": the NVIDIA kernel module and the user-space driver have different "
                          "versions, usually after a driver update without a reboot: reboot, "
                          "or reinstall the driver.");
    default:
      return unusable(std::move(status), "GPU in an error state",
                      what_failed +
                          ". Check the GPU with `nvidia-smi`; if it reports errors, it may need "
                          "a reset or a reboot by the administrator.");
  }
}

GpuStatus check_compute_capability(GpuStatus status, int min_arch,
                                   const std::string& architectures) {
  const int arch = status.compute_major * 10 + status.compute_minor;
  const int required = std::max(kCourseMinimumArch, min_arch);
  if (arch >= required)
    return status;
  std::string summary = "compute capability " + arch_text(arch) + " is too low";
  if (arch < kCourseMinimumArch) {
    std::string detail = status.device_name + " has compute capability " + arch_text(arch) +
                         "; the course needs " + arch_text(kCourseMinimumArch) +
                         " or newer. Grade on a newer GPU: " + kGettingAGpu + ".";
    return unusable(std::move(status), std::move(summary), std::move(detail));
  }
  std::string detail = status.device_name + " has compute capability " + arch_text(arch) +
                       ", but this build has code for " + arch_text(required) +
                       " and newer only (CMAKE_CUDA_ARCHITECTURES=" + architectures +
                       "). Rebuild with -DCMAKE_CUDA_ARCHITECTURES=" + std::to_string(arch) +
                       " in a new build directory (without it, the build picks the local GPU).";
  return unusable(std::move(status), std::move(summary), std::move(detail));
}

}  // namespace detail

std::string cuda_version_text(int version) {
  if (version <= 0)
    return "";
  return std::to_string(version / 1000) + "." + std::to_string((version % 1000) / 10);
}

const GpuStatus& gpu_status() noexcept {
  static const GpuStatus status = detect_without_throwing();  // thread-safe, once per process
  return status;
}

bool gpu_available() noexcept {
  return gpu_status().usable;
}

std::string gpu_unavailable_reason() noexcept {
  const GpuStatus& status = gpu_status();
  if (status.usable)
    return "";
  try {
    return status.summary.empty() ? "no usable GPU" : status.summary;
  } catch (...) {
    return "";
  }
}

}  // namespace course
