/// @file cublas.hpp
/// @brief An owned cuBLAS handle (move-only; the destructor never throws) and cuBLAS errors that
///        name their status.
///
/// cuBLAS reports failures as a cublasStatus_t, not as a cudaError_t: COURSE_CUBLAS_CHECK is
/// COURSE_CUDA_CHECK's counterpart for it. This header is not part of course/course.hpp: only
/// code that links the `course::cublas` library (CMake: `target_link_libraries(...
/// course::cublas)`, which brings CUDA::cublas) includes it.
///
///     course::CublasHandle handle;                       // cublasCreate
///     COURSE_CUBLAS_CHECK(cublasSetMathMode(handle.get(), CUBLAS_DEFAULT_MATH));
///     // ... cublasSgemm(handle.get(), ...) ...
///                                                        // cublasDestroy when it goes out of
///                                                        scope
///
/// The handle holds cuBLAS's state for the current device: its stream, its math mode (whether
/// tensor cores may be used for FP32), its workspace. Create one and reuse it: cublasCreate costs
/// far more than a small matrix product.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace course {

/// The status's name as cuBLAS spells it, e.g. "CUBLAS_STATUS_INVALID_VALUE"; never throws. A
/// value cuBLAS does not know gives "cublasStatus_t <number>".
[[nodiscard]] std::string cublas_status_name(cublasStatus_t status);

/// A cuBLAS call failed. what() reads, for example:
/// `cublasSgemm(handle, ...) failed at tests/chapter4/grade_cublas.cpp:42:
/// CUBLAS_STATUS_INVALID_VALUE (an invalid numeric value was used as an argument)`.
class CublasError : public std::runtime_error {
 public:
  /// `status` was returned by `expression`, written at `file`:`line`.
  CublasError(cublasStatus_t status, const std::string& expression, const char* file, int line);

  /// The status the call returned.
  [[nodiscard]] cublasStatus_t status() const noexcept { return status_; }

 private:
  cublasStatus_t status_;
};

namespace detail {
[[noreturn]] void throw_cublas_error(cublasStatus_t status, const char* expression,
                                     const char* file, int line);
}  // namespace detail

/// An owned cuBLAS handle. Move-only; a moved-from CublasHandle owns nothing (get() is null) and
/// may only be destroyed or assigned to.
class CublasHandle {
 public:
  /// cublasCreate on the current device. Its stream is the default stream, its math mode
  /// CUBLAS_DEFAULT_MATH (no tensor cores for FP32 products).
  /// @throws CublasError when the handle cannot be created (without a GPU:
  ///         CUBLAS_STATUS_NOT_INITIALIZED).
  CublasHandle();

  /// The same, then every call made through the handle is queued on `stream`.
  /// @throws CublasError when the handle cannot be created or bound to the stream.
  explicit CublasHandle(cudaStream_t stream);

  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;
  /// Takes over `other`'s handle; `other` is left without one.
  CublasHandle(CublasHandle&& other) noexcept = default;
  /// Destroys this handle and takes over `other`'s; `other` is left without one.
  CublasHandle& operator=(CublasHandle&& other) noexcept = default;
  /// cublasDestroy; never throws (a failure is reported on stderr).
  ~CublasHandle() = default;

  /// The raw handle, for cuBLAS calls. Null for a moved-from CublasHandle.
  [[nodiscard]] cublasHandle_t get() const noexcept { return handle_.get(); }

  /// Queues every later call made through this handle on `stream` (cublasSetStream).
  /// @throws std::logic_error on a moved-from handle; CublasError when cuBLAS refuses.
  void set_stream(cudaStream_t stream);

  /// The stream the handle's calls are queued on (cublasGetStream).
  /// @throws std::logic_error on a moved-from handle; CublasError when cuBLAS refuses.
  [[nodiscard]] cudaStream_t stream() const;

 private:
  // cublasDestroy, reporting (not throwing) a failure: it runs in destructors.
  struct Destroy {
    void operator()(cublasHandle_t handle) const noexcept;
  };
  std::unique_ptr<std::remove_pointer_t<cublasHandle_t>, Destroy> handle_;
};

}  // namespace course

/// Checks a cuBLAS call; throws course::CublasError naming the expression, the file and line, and
/// the status's name and text.
#define COURSE_CUBLAS_CHECK(expression)                                                  \
  do {                                                                                   \
    const cublasStatus_t course_cublas_status_ = (expression);                           \
    if (course_cublas_status_ != CUBLAS_STATUS_SUCCESS) {                                \
      ::course::detail::throw_cublas_error(course_cublas_status_, #expression, __FILE__, \
                                           __LINE__);                                    \
    }                                                                                    \
  } while (false)
