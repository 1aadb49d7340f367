// Checks shared by the graders of 2.1, 2.4 and 2.5, which all compute y = a * x + y.
// Header-only: the chapter's grader list in CMakeLists.txt names only the grade_*.cpp files.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "call_checks.hpp"
#include "course/course.hpp"
#include "grading.hpp"

namespace chapter2_grading {

/// Runs y = a * x + y on the GPU; x and y are device pointers to n floats.
using Saxpy = std::function<void(float a, const float* x, float* y, std::size_t n)>;

/// The a of every graded SAXPY: exact in float, and no factor that hides a missing multiply.
constexpr float kA = 2.5f;

/// Elements after the end of y that must stay untouched.
constexpr std::size_t kGuard = 4096;

/// One SAXPY problem on the host: random x and y in [-1, 1), and a * x + y computed in double.
struct SaxpyData {
  std::vector<float> x;
  std::vector<float> y;
  std::vector<double> expected;
};

inline SaxpyData make_saxpy_data(std::size_t n, std::uint64_t seed) {
  SaxpyData data;
  data.x = course::random_floats(n, seed + n);
  data.y = course::random_floats(n, seed + n + 1);
  data.expected.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    data.expected[i] = double(kA) * double(data.x[i]) + double(data.y[i]);
  return data;
}

/// Uploads x, and y followed by a poisoned guard region, runs `saxpy`, and REQUIREs every y[i]
/// to match the double reference, the guard to be untouched and x (const) unchanged. The caller
/// INFOs the context.
inline void check_saxpy(const Saxpy& saxpy, const SaxpyData& data) {
  const std::size_t n = data.x.size();
  std::vector<float> y_and_guard(n + kGuard);
  std::copy(data.y.begin(), data.y.end(), y_and_guard.begin());
  std::memset(y_and_guard.data() + n, 0xFF, kGuard * sizeof(float));  // poison: all bits set
  const course::DeviceArray<float> device_x = course::to_device(data.x);
  course::DeviceArray<float> device_y = course::to_device(y_and_guard);

  saxpy(kA, device_x.data(), device_y.data(), n);
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here
  course::grading::require_input_unchanged("the SAXPY", "x", device_x.data(), data.x);

  const std::vector<float> y = device_y.to_host();
  // One fused multiply-add rounds once, a multiply then an add twice; with |a x| <= 2.5 and
  // |y| < 1 either is within 2.4e-7 of the exact result.
  const course::Comparison result =
      course::compare_close(y.data(), data.expected.data(), n, {1e-6, 1e-6});
  INFO(result.summary());
  REQUIRE(result.ok());

  std::size_t overwritten = 0;
  for (std::size_t i = n; i < n + kGuard; ++i)
    overwritten += course::is_poison(y[i]) ? 0 : 1;
  INFO("the SAXPY wrote past the end of y: " << overwritten << " of the " << kGuard
                                             << " elements after y[n-1] were changed "
                                             << "(does every loop stop at i < n?)");
  REQUIRE(overwritten == 0);
}

/// Median bandwidth of `saxpy` on n floats in bytes/s: x read, y read and y written, 12 bytes per
/// element, over the median of 30 runs timed with course::grading::time_student (nothing may
/// keep running after the call). Then one more call on new x and y in the same buffers, checked
/// against the double reference (no result memoised or replayed), x unchanged, and with
/// `own_kernels_only` only the student's own kernels. `what` ("2.1 saxpy") starts the messages.
inline double measure_saxpy_bandwidth(const std::string& what, const Saxpy& saxpy, std::size_t n,
                                      bool own_kernels_only) {
  namespace grading = course::grading;
  course::DeviceArray<float> x = course::to_device(course::random_floats(n, 1));
  course::DeviceArray<float> y = course::to_device(course::random_floats(n, 2));
  const course::Timing timing = grading::time_student(
      what + " at n = " + std::to_string(n), [&] { saxpy(kA, x.data(), y.data(), n); }, {3, 30});

  SaxpyData data;
  grading::FreshCall fresh;
  fresh.new_inputs = [&] {
    data = make_saxpy_data(n, grading::seed() + 7);
    x.copy_from_host(data.x);
    y.copy_from_host(data.y);  // y is the output too: its new values are the poison
  };
  fresh.call = [&] { saxpy(kA, x.data(), y.data(), n); };
  fresh.mismatch = [&]() -> std::string {
    grading::require_input_unchanged(what, "x", x.data(), data.x);
    const std::vector<float> got = y.to_host();
    // The correctness test's tolerance.
    const course::Comparison result =
        course::compare_close(got.data(), data.expected.data(), n, {1e-6, 1e-6});
    return result.ok() ? std::string() : "y: " + result.summary();
  };
  fresh.own_kernels_only = own_kernels_only;
  fresh.context = "n = " + std::to_string(n);
  grading::require_fresh_result(what + " at n = " + std::to_string(n), fresh);
  return 3.0 * n * sizeof(float) / (timing.median_ms * 1e-3);
}

}  // namespace chapter2_grading
