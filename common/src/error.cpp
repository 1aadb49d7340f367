// Error types and messages for the common library.
#include "course/error.hpp"

#include <cstdio>
#include <sstream>
#include <string>

namespace course {
namespace {

std::string cuda_error_message(cudaError_t code, const std::string& expression, const char* file,
                               int line) {
  std::ostringstream message;
  message << expression << " failed at " << course_relative_path(file) << ":" << line << ": "
          << cudaGetErrorName(code) << " (" << cudaGetErrorString(code) << ")";
  return message.str();
}

std::string free_memory_text() {
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky-free error state; this is only for the message
    return "the device's free memory could not be read";
  }
  return "the device has " + format_bytes(free_bytes) + " free of " + format_bytes(total_bytes);
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

OutOfMemory::OutOfMemory(std::size_t requested_bytes, const char* file, int line)
    : CudaError(cudaErrorMemoryAllocation,
                "allocating " + format_bytes(requested_bytes) + " on the GPU (" +
                    free_memory_text() + ")",
                file, line) {}

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
