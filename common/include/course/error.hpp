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
/// `cudaMalloc(&ptr, bytes) failed at memory.cpp:31: cudaErrorMemoryAllocation (out of memory)`.
class CudaError : public std::runtime_error {
 public:
  /// `code` was returned by `expression`, written at `file`:`line`.
  CudaError(cudaError_t code, const std::string& expression, const char* file, int line);

  /// The CUDA error code that was returned.
  cudaError_t code() const noexcept { return code_; }

 private:
  cudaError_t code_;
};

/// An allocation asked for more device memory than is free. A CudaError whose message also says
/// how much was asked for and how much the device has.
class OutOfMemory : public CudaError {
 public:
  /// An allocation of `requested_bytes` at `file`:`line` failed.
  OutOfMemory(std::size_t requested_bytes, const char* file, int line);
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
std::string format_bytes(std::size_t bytes);

/// Shortens an absolute source path to the part a student recognises ("chapters/01-.../x.cu").
std::string course_relative_path(const char* file);

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
