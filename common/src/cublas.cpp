// The owned cuBLAS handle and cuBLAS errors.
#include "course/cublas.hpp"

#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include "course/error.hpp"

namespace course {
namespace {

// cublasGetStatusName returns "unrecognized status" for a value it does not know (checked with
// cuBLAS 13.0): the number says more.
bool known(const char* name) {
  return name != nullptr && std::strncmp(name, "CUBLAS_", 7) == 0;
}

std::string status_text(cublasStatus_t status) {
  const char* text = cublasGetStatusString(status);
  return text != nullptr ? text : "no description";
}

std::string cublas_error_message(cublasStatus_t status, const std::string& expression,
                                 const char* file, int line) {
  std::ostringstream message;
  message << expression << " failed at " << course_relative_path(file) << ":" << line << ": "
          << cublas_status_name(status) << " (" << status_text(status) << ")";
  if (status == CUBLAS_STATUS_NOT_INITIALIZED)
    message << "; cuBLAS could not start: is a GPU visible and its driver loaded?";
  if (status == CUBLAS_STATUS_EXECUTION_FAILED)
    message << "; a kernel failed (an earlier one may have crashed: every later CUDA call fails "
               "too)";
  return message.str();
}

// A moved-from handle is null, and cuBLAS calls with a null handle fail with a status that does
// not say why: say it here.
void require_handle(cublasHandle_t handle, const char* what) {
  if (handle == nullptr)
    throw std::logic_error(std::string(what) + " on a moved-from CublasHandle (it owns no handle)");
}

}  // namespace

std::string cublas_status_name(cublasStatus_t status) {
  const char* name = cublasGetStatusName(status);
  if (known(name))
    return name;
  return "cublasStatus_t " + std::to_string(static_cast<int>(status));
}

CublasError::CublasError(cublasStatus_t status, const std::string& expression, const char* file,
                         int line)
    : std::runtime_error(cublas_error_message(status, expression, file, line)), status_(status) {}

namespace detail {
void throw_cublas_error(cublasStatus_t status, const char* expression, const char* file, int line) {
  throw CublasError(status, expression, file, line);
}
}  // namespace detail

CublasHandle::CublasHandle() {
  cublasHandle_t handle = nullptr;
  COURSE_CUBLAS_CHECK(cublasCreate(&handle));
  handle_.reset(handle);
}

CublasHandle::CublasHandle(cudaStream_t stream) : CublasHandle() {
  set_stream(stream);
}

void CublasHandle::Destroy::operator()(cublasHandle_t handle) const noexcept {
  const cublasStatus_t status = cublasDestroy(handle);
  if (status != CUBLAS_STATUS_SUCCESS) {
    std::fprintf(stderr, "course: cublasDestroy failed: %s\n", cublas_status_name(status).c_str());
  }
}

void CublasHandle::set_stream(cudaStream_t stream) {
  require_handle(handle_.get(), "CublasHandle::set_stream");
  COURSE_CUBLAS_CHECK(cublasSetStream(handle_.get(), stream));
}

cudaStream_t CublasHandle::stream() const {
  require_handle(handle_.get(), "CublasHandle::stream");
  cudaStream_t stream = nullptr;
  COURSE_CUBLAS_CHECK(cublasGetStream(handle_.get(), &stream));
  return stream;
}

}  // namespace course
