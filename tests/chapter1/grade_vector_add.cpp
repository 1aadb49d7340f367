// Grader for 1.2: the vector-add kernel, correct for any n, and fast.
#include <vector>

#include "chapter1.hpp"
#include "course/course.hpp"
#include "gpu_requirements.hpp"
#include "grading.hpp"
#include "vector_add_checks.hpp"

namespace {
const chapter1_grading::Launcher kLauncher = [](const float* a, const float* b, float* c,
                                                std::size_t n, cudaStream_t stream) {
  chapter1::vector_add(a, b, c, n, stream);
};
}  // namespace

TEST_CASE("1.2 vector_add is correct for every size", "[1.2][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter1_grading::check_correct_for_all_sizes("1.2", kLauncher, (std::size_t{1} << 26) + 3);
}

TEST_CASE("1.2 vector_add is correct past 2^31 elements", "[1.2][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter1_grading::check_correct_past_2_to_31("1.2", kLauncher);
}

TEST_CASE("1.2 vector_add on device arrays rejects operands of different sizes",
          "[1.2][correctness]") {
  COURSE_REQUIRE_GPU();
  const course::DeviceArray<float> a(100);
  const course::DeviceArray<float> b(99);
  course::DeviceArray<float> c(100);
  REQUIRE_THROWS_AS(chapter1::vector_add(a, b, c), std::invalid_argument);
}

TEST_CASE("1.2 vector_add reaches the memory bandwidth and beats the CPU", "[1.2][speed]") {
  COURSE_REQUIRE_GPU();
  const std::size_t n = std::size_t{1} << 26;
  // The copy timed interleaved with the kernel (copy, kernel, copy, ...): the same clocks.
  double copy = 0;
  const double kernel = chapter1_grading::measure_bandwidth("1.2", kLauncher, n, &copy);
  INFO("device: " << course::describe(course::device_info()));
  course::grading::require_share_of_copy(
      "bandwidth", kernel, copy, course::grading::kShareOfCopy_1_2,
      "one thread per element with consecutive threads on consecutive elements (coalescing); "
      "a block size that is a multiple of 32, such as 256; no work on the host");

  // The same additions on one CPU core, timed in this run.
  const std::vector<float> a = course::random_floats(n, 1);
  const std::vector<float> b = course::random_floats(n, 2);
  std::vector<float> c(n);
  const course::Timing cpu = course::time_cpu(
      [&] {
        for (std::size_t i = 0; i < n; ++i)
          c[i] = a[i] + b[i];
      },
      {1, 5});
  const double cpu_bandwidth = 3.0 * n * sizeof(float) / (cpu.median_ms * 1e-3);
  course::grading::require_at_least(
      "speed-up over one CPU core (" + course::grading::format_rate(kernel) + " vs " +
          course::grading::format_rate(cpu_bandwidth) + ")",
      kernel / cpu_bandwidth, 5.0, "x", "see the bandwidth hint above");
}
