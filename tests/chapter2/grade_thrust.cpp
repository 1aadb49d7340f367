// Grader for 2.5: SAXPY and the Euclidean norm with Thrust, against double CPU references, and
// both near the memory bandwidth (the work stays on the GPU).
#include <cmath>
#include <vector>

#include "call_checks.hpp"
#include "chapter2.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "saxpy_checks.hpp"

namespace {

const std::vector<std::size_t> kSizes = {0, 1, 2, 31, 257, 65537, 1000003, std::size_t{1} << 24};

const chapter2_grading::Saxpy kThrustSaxpy = [](float a, const float* x, float* y, std::size_t n) {
  chapter2::thrust_saxpy(a, x, y, n);
};

}  // namespace

TEST_CASE("2.5 thrust_saxpy is correct for every size", "[2.5][correctness]") {
  COURSE_REQUIRE_GPU();
  const std::uint64_t seed = course::grading::seed();
  for (const std::size_t n : kSizes) {
    INFO("thrust_saxpy, n = " << n << ", a = " << chapter2_grading::kA << ", seed = " << seed
                              << " (replay: COURSE_SEED=" << seed << ")");
    chapter2_grading::check_saxpy(kThrustSaxpy, chapter2_grading::make_saxpy_data(n, seed));
  }
}

TEST_CASE("2.5 thrust_norm is correct for every size", "[2.5][correctness]") {
  COURSE_REQUIRE_GPU();
  const std::uint64_t seed = course::grading::seed();
  for (const std::size_t n : kSizes) {
    INFO("thrust_norm, n = " << n << ", seed = " << seed << " (replay: COURSE_SEED=" << seed
                             << ")");
    const std::vector<float> x = course::random_floats(n, seed + n);
    double sum_of_squares = 0;
    for (const float value : x)
      sum_of_squares += double(value) * double(value);
    const double expected = std::sqrt(sum_of_squares);
    const course::DeviceArray<float> device_x = course::to_device(x);

    const double norm = chapter2::thrust_norm(device_x.data(), n);
    const double error = std::fabs(norm - expected);
    INFO("thrust_norm returned " << norm << ", expected " << expected << " (relative error "
                                 << (expected > 0 ? error / expected : error)
                                 << ", allowed 1e-6). Is every element squared once, and is "
                                    "the square root taken of the sum?");
    REQUIRE(std::isfinite(norm));
    REQUIRE(error <= 1e-6 * expected + 1e-30);
  }
}

TEST_CASE("2.5 thrust_saxpy and thrust_norm reach the memory bandwidth", "[2.5][speed]") {
  COURSE_REQUIRE_GPU();
  INFO("device: " << course::describe(course::device_info()));
  const double copy = course::measured_copy_bandwidth();

  const std::size_t saxpy_n = std::size_t{1} << 26;
  // Thrust's kernels are the point of 2.5: no own-kernel check.
  const double saxpy =
      chapter2_grading::measure_saxpy_bandwidth("2.5 thrust_saxpy", kThrustSaxpy, saxpy_n, false);
  course::grading::require_share_of_copy(
      "thrust_saxpy bandwidth", saxpy, copy, 50.0,
      "one thrust::transform over thrust::device_ptr ranges of x and y with a __host__ "
      "__device__ functor, writing y in place; no copies to the host");

  // Every call of thrust::transform_reduce allocates its scratch memory, launches, copies the
  // sum back and frees the scratch: some tens of microseconds that no student code can avoid.
  // 2^27 elements (512 MiB) keep that small next to the time spent reading x.
  const std::size_t norm_n = std::size_t{1} << 27;
  std::vector<float> host_x = course::random_floats(norm_n, 3);
  course::DeviceArray<float> x = course::to_device(host_x);
  const course::Timing timing = course::grading::time_student(
      "2.5 thrust_norm at n = 2^27", [&] { chapter2::thrust_norm(x.data(), norm_n); }, {3, 20});
  const double norm = 1.0 * norm_n * sizeof(float) / (timing.median_ms * 1e-3);
  // Once more on new values in the same buffer: a norm remembered from an earlier call is wrong.
  {
    double returned = 0;
    double expected = 0;
    course::grading::FreshCall fresh;
    fresh.new_inputs = [&] {
      host_x = course::random_floats(norm_n, course::grading::seed() + 5, 0.0f, 2.0f);
      x.copy_from_host(host_x);
      double sum_of_squares = 0;
      for (const float value : host_x)
        sum_of_squares += double(value) * double(value);
      expected = std::sqrt(sum_of_squares);
    };
    fresh.call = [&] { returned = chapter2::thrust_norm(x.data(), norm_n); };
    fresh.mismatch = [&]() -> std::string {
      course::grading::require_input_unchanged("2.5 thrust_norm", "x", x.data(), host_x);
      // Looser than the correctness test's 1e-6 (a float sum of 2^27 squares rounds more): a
      // remembered norm is off by a factor of 2 here.
      if (std::fabs(returned - expected) <= 1e-4 * expected)
        return "";
      return "returned " + std::to_string(returned) + ", expected " + std::to_string(expected);
    };
    course::grading::require_fresh_result("2.5 thrust_norm at n = 2^27", fresh);
  }
  course::grading::require_share_of_copy(
      "thrust_norm bandwidth", norm, copy, 50.0,
      "one thrust::transform_reduce over a thrust::device_ptr range of x, squaring in the "
      "functor: x is read once on the GPU and only the sum comes back to the host",
      "counting the 4 bytes read per element");
}
