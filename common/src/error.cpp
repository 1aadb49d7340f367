// Error types and messages for the common library.
#include "course/error.hpp"

#include <cstdio>
#include <sstream>
#include <string>

namespace course {
namespace {

// Errors inside a kernel are reported by whichever call next waits for the GPU, which then looks
// guilty; say so, or students debug the wrong line.
const char* kernel_fault_hint(cudaError_t code) noexcept {
  switch (code) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorMisalignedAddress:
    case cudaErrorIllegalInstruction:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorHardwareStackError:
    case cudaErrorAssert:
    case cudaErrorLaunchTimeout:
      return "; a kernel failed: the fault is in a kernel launched before this call (errors "
             "inside kernels surface at the next call that waits for the GPU), and every later "
             "CUDA call in this process fails too; compute-sanitizer shows the faulting line";
    default:
      return "";
  }
}

std::string error_name_and_text(cudaError_t code) {
  return std::string(cudaGetErrorName(code)) + " (" + cudaGetErrorString(code) + ")";
}

std::string cuda_error_message(cudaError_t code, const std::string& expression, const char* file,
                               int line) {
  std::ostringstream message;
  message << expression << " failed at " << course_relative_path(file) << ":" << line << ": "
          << error_name_and_text(code) << kernel_fault_hint(code);
  return message.str();
}

std::string call_error_message(cudaError_t code, const std::string& what_failed,
                               const std::string& context) {
  std::string message = what_failed + ": " + error_name_and_text(code);
  if (!context.empty())
    message += "; " + context;
  return message + kernel_fault_hint(code);
}

std::string allocation_failure(const std::string& call, std::size_t bytes) {
  return call + " of " + std::to_string(bytes) + " bytes (" + format_bytes(bytes) + ") failed";
}

}  // namespace

std::string format_bytes(std::size_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024.0 && unit < 4) {
    value /= 1024.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, units[unit]);
  return text;
}

std::string course_relative_path(const char* file) {
  const std::string path = file ? file : "";
  for (const char* root : {"chapters/", "solutions/", "tests/", "common/", "benchmarks/"}) {
    const auto at = path.rfind(root);
    if (at != std::string::npos)
      return path.substr(at);
  }
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

CudaError::CudaError(cudaError_t code, const std::string& expression, const char* file, int line)
    : std::runtime_error(cuda_error_message(code, expression, file, line)), code_(code) {}

CudaError::CudaError(cudaError_t code, const std::string& what_failed, const std::string& context)
    : std::runtime_error(call_error_message(code, what_failed, context)), code_(code) {}

OutOfMemory::OutOfMemory(const std::string& call, std::size_t requested_bytes,
                         const std::string& available)
    : CudaError(cudaErrorMemoryAllocation, allocation_failure(call, requested_bytes), available),
      requested_bytes_(requested_bytes) {}

NotImplemented::NotImplemented(const std::string& exercise, const std::string& what_to_do,
                               const char* file, int line)
    : std::logic_error("TODO(" + exercise + ") at " + course_relative_path(file) + ":" +
                       std::to_string(line) + ": " + what_to_do) {}

namespace detail {
void throw_cuda_error(cudaError_t code, const char* expression, const char* file, int line) {
  // Reset the runtime's last-error state: a non-sticky error (a bad argument, out of memory) must
  // not be reported a second time by the next COURSE_CHECK_LAUNCH. Sticky errors (a crashed
  // kernel) stay and keep failing every call, as they should.
  cudaGetLastError();
  throw CudaError(code, expression, file, line);
}
}  // namespace detail

}  // namespace course
