/// @file error.hpp
/// @brief Exceptions for CUDA errors and unfinished exercises, and the macros that throw them.
///
/// Every CUDA call in the course goes through COURSE_CUDA_CHECK: a failing call throws a
/// course::CudaError that names the expression, the file and line, the CUDA error's name and its
/// text. Library code never calls exit(); a test or a program decides what an error means.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <stdexcept>
#include <string>

namespace course {

/// A CUDA runtime call failed. what() reads, for example:
/// `cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice) failed at
/// chapters/01-vector-add/round_trip.cpp:31: cudaErrorInvalidValue (invalid argument)`. When the
/// error is a crash inside an earlier kernel (an illegal address, a failed assert, ...), the
/// message says so: those errors surface at the next call that waits for the GPU, not where they
/// happened.
class CudaError : public std::runtime_error {
 public:
  /// `code` was returned by `expression`, written at `file`:`line`.
  CudaError(cudaError_t code, const std::string& expression, const char* file, int line);

  /// `code` with a message written by the caller: what() is "<what_failed>: <error name> (<error
  /// text>)", then "; <context>" when `context` is not empty. `what_failed` names the call and
  /// what it was asked to do, e.g. "cudaMalloc of 1024 bytes (1.0 KiB) failed".
  CudaError(cudaError_t code, const std::string& what_failed, const std::string& context = {});

  /// The CUDA error code that was returned.
  [[nodiscard]] cudaError_t code() const noexcept { return code_; }

 private:
  cudaError_t code_;
};

/// An allocation (device memory, or pinned host memory) failed for lack of memory. A CudaError
/// whose message says how much was asked for and how much there is, e.g. "cudaMalloc of
/// 1073741824 bytes (1.0 GiB) failed: cudaErrorMemoryAllocation (out of memory); 512.0 MiB free
/// of 80.0 GiB".
class OutOfMemory : public CudaError {
 public:
  /// `call` (e.g. "cudaMalloc") could not allocate `requested_bytes`; `available` says how much
  /// memory there is (e.g. "512.0 MiB free of 80.0 GiB").
  OutOfMemory(const std::string& call, std::size_t requested_bytes, const std::string& available);

  /// The size of the allocation that failed, in bytes.
  [[nodiscard]] std::size_t requested_bytes() const noexcept { return requested_bytes_; }

 private:
  std::size_t requested_bytes_;
};

/// Thrown by COURSE_TODO: an exercise that has not been done yet. Its message names the exercise,
/// the file and the line of the TODO, so a failing grader points the student at the right place.
class NotImplemented : public std::logic_error {
 public:
  /// Exercise `exercise` (e.g. "1.2") is not done; `what_to_do` says what is missing.
  NotImplemented(const std::string& exercise, const std::string& what_to_do, const char* file,
                 int line);
};

/// Formats a byte count for people: 1536 -> "1.5 KiB".
[[nodiscard]] std::string format_bytes(std::size_t bytes);

/// Shortens an absolute source path to the part a student recognises ("chapters/01-.../x.cu").
[[nodiscard]] std::string course_relative_path(const char* file);

namespace detail {
[[noreturn]] void throw_cuda_error(cudaError_t code, const char* expression, const char* file,
                                   int line);
}  // namespace detail

}  // namespace course

/// Checks a CUDA runtime call; throws course::CudaError on failure.
#define COURSE_CUDA_CHECK(expression)                                                      \
  do {                                                                                     \
    const cudaError_t course_status_ = (expression);                                       \
    if (course_status_ != cudaSuccess) {                                                   \
      ::course::detail::throw_cuda_error(course_status_, #expression, __FILE__, __LINE__); \
    }                                                                                      \
  } while (false)

/// Checks the kernel launch just made: a bad configuration (block too large, grid of 0, too much
/// shared memory) is reported here, at the launch, instead of as wrong results later. It does not
/// wait for the kernel; errors inside the kernel surface at the next synchronising call.
#define COURSE_CHECK_LAUNCH() COURSE_CUDA_CHECK(cudaGetLastError())

/// Marks an exercise the student has not done yet. Throws course::NotImplemented naming this
/// file and line. Delete the line once the exercise is done.
#define COURSE_TODO(exercise, what_to_do) \
  throw ::course::NotImplemented((exercise), (what_to_do), __FILE__, __LINE__)
