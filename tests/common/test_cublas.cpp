// Unit tests of course::CublasHandle and COURSE_CUBLAS_CHECK (course/cublas.hpp): the error
// messages and the handle's ownership without a GPU, the handle's life with one.
#include <cublas_v2.h>

#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "course/course.hpp"
#include "course/cublas.hpp"
#include "grading.hpp"

using Catch::Matchers::ContainsSubstring;

namespace {
cublasStatus_t return_status(cublasStatus_t status) {
  return status;
}
}  // namespace

TEST_CASE("cublas_status_name names every status as cuBLAS spells it", "[common][cpu]") {
  CHECK(course::cublas_status_name(CUBLAS_STATUS_SUCCESS) == "CUBLAS_STATUS_SUCCESS");
  CHECK(course::cublas_status_name(CUBLAS_STATUS_INVALID_VALUE) == "CUBLAS_STATUS_INVALID_VALUE");
  CHECK(course::cublas_status_name(CUBLAS_STATUS_NOT_INITIALIZED) ==
        "CUBLAS_STATUS_NOT_INITIALIZED");
  CHECK(course::cublas_status_name(CUBLAS_STATUS_NOT_SUPPORTED) == "CUBLAS_STATUS_NOT_SUPPORTED");
  CHECK(course::cublas_status_name(static_cast<cublasStatus_t>(12345)) == "cublasStatus_t 12345");
}

TEST_CASE("COURSE_CUBLAS_CHECK throws a CublasError naming the call, the line and the status",
          "[common][cpu]") {
  CHECK_NOTHROW([] { COURSE_CUBLAS_CHECK(return_status(CUBLAS_STATUS_SUCCESS)); }());
  const int line = __LINE__ + 2;
  try {
    COURSE_CUBLAS_CHECK(return_status(CUBLAS_STATUS_INVALID_VALUE));
    FAIL("COURSE_CUBLAS_CHECK did not throw on CUBLAS_STATUS_INVALID_VALUE");
  } catch (const course::CublasError& error) {
    CHECK(error.status() == CUBLAS_STATUS_INVALID_VALUE);
    const std::string message = error.what();
    CHECK_THAT(message,
               ContainsSubstring("return_status(CUBLAS_STATUS_INVALID_VALUE) failed at "
                                 "tests/common/test_cublas.cpp:" +
                                 std::to_string(line) + ": CUBLAS_STATUS_INVALID_VALUE ("));
  }
  // A CublasError is a std::runtime_error: code that catches those catches it.
  static_assert(std::is_base_of_v<std::runtime_error, course::CublasError>);
}

TEST_CASE("CublasHandle is move-only; a moved-from handle refuses to be used", "[common][cpu]") {
  static_assert(!std::is_copy_constructible_v<course::CublasHandle>);
  static_assert(!std::is_copy_assignable_v<course::CublasHandle>);
  static_assert(std::is_nothrow_move_constructible_v<course::CublasHandle>);
  static_assert(std::is_nothrow_move_assignable_v<course::CublasHandle>);
  static_assert(std::is_nothrow_destructible_v<course::CublasHandle>);
  if (course::gpu_available()) {
    course::CublasHandle handle;
    course::CublasHandle other = std::move(handle);
    CHECK(handle.get() == nullptr);  // NOLINT(bugprone-use-after-move): what is tested
    CHECK(other.get() != nullptr);
    CHECK_THROWS_AS(handle.set_stream(nullptr), std::logic_error);
    CHECK_THROWS_AS((void)handle.stream(), std::logic_error);
  } else {
    // Without a GPU cuBLAS cannot start: the constructor says so instead of handing out a handle
    // that fails later.
    try {
      course::CublasHandle handle;
      FAIL("cublasCreate succeeded without a usable GPU");
    } catch (const course::CublasError& error) {
      CHECK(error.status() == CUBLAS_STATUS_NOT_INITIALIZED);
      CHECK_THAT(std::string(error.what()),
                 ContainsSubstring("cublasCreate(&handle) failed at common/src/cublas.cpp:"));
    }
  }
}

TEST_CASE("CublasHandle creates, binds to a stream, moves and multiplies", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  course::Stream stream;
  course::CublasHandle handle(stream.get());
  CHECK(handle.get() != nullptr);
  CHECK(handle.stream() == stream.get());

  // A 2 x 2 product through the moved handle (column-major, as cuBLAS sees it): the handle works
  // after a move, on its stream.
  course::CublasHandle moved = std::move(handle);
  CHECK(moved.stream() == stream.get());
  const std::vector<float> a = {1, 2, 3, 4};  // columns (1, 2) and (3, 4)
  const std::vector<float> b = {5, 6, 7, 8};
  const course::DeviceArray<float> device_a = course::to_device(a);
  const course::DeviceArray<float> device_b = course::to_device(b);
  course::DeviceArray<float> device_c(4);
  const float alpha = 1.0f;
  const float beta = 0.0f;
  COURSE_CUBLAS_CHECK(cublasSgemm(moved.get(), CUBLAS_OP_N, CUBLAS_OP_N, 2, 2, 2, &alpha,
                                  device_a.data(), 2, device_b.data(), 2, &beta, device_c.data(),
                                  2));
  stream.synchronize();
  CHECK(device_c.to_host() == std::vector<float>{23, 34, 31, 46});

  // Move assignment destroys the target's handle and takes the source's.
  course::CublasHandle third;
  third = std::move(moved);
  CHECK(moved.get() == nullptr);  // NOLINT(bugprone-use-after-move): what is tested
  CHECK(third.stream() == stream.get());
  third.set_stream(nullptr);
  CHECK(third.stream() == nullptr);

  // A bad argument surfaces as a CublasError naming the status.
  try {
    COURSE_CUBLAS_CHECK(cublasSgemm(third.get(), CUBLAS_OP_N, CUBLAS_OP_N, -1, 2, 2, &alpha,
                                    device_a.data(), 2, device_b.data(), 2, &beta, device_c.data(),
                                    2));
    FAIL("cublasSgemm with m = -1 did not fail");
  } catch (const course::CublasError& error) {
    CHECK(error.status() == CUBLAS_STATUS_INVALID_VALUE);
    CHECK_THAT(std::string(error.what()), ContainsSubstring("CUBLAS_STATUS_INVALID_VALUE"));
  }
}
