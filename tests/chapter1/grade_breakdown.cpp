// Grader for 1.4: the timed breakdown of a round trip. Each part is checked against the grader's
// own event timing of the same step, and the parts must add up to the total.
#include <cmath>
#include <cstring>
#include <vector>

#include "chapter1.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"

namespace {

struct Reference {
  double host_to_device_ms, kernel_ms, device_to_host_ms;
};

// The grader's own timing of each step, on the same sizes and the same kind of host memory.
Reference measure_steps(const std::vector<float>& a, const std::vector<float>& b) {
  const std::size_t n = a.size();
  course::DeviceArray<float> device_a(n), device_b(n), device_c(n);
  std::vector<float> c(n);
  const course::TimingOptions options{1, 5};
  Reference reference{};
  reference.host_to_device_ms = course::time_gpu(
                                    [&] {
                                      device_a.copy_from_host(a);
                                      device_b.copy_from_host(b);
                                    },
                                    options)
                                    .median_ms;
  reference.kernel_ms =
      course::time_gpu([&] { chapter1::vector_add(device_a, device_b, device_c); }, options)
          .median_ms;
  reference.device_to_host_ms =
      course::time_gpu([&] { device_c.copy_to_host(c.data(), n); }, options).median_ms;
  return reference;
}

void require_close_to(const char* part, double yours, double reference) {
  INFO(part << ": yours " << yours << " ms, the grader measured " << reference
            << " ms for the same step. A part more than 2x off usually means it was timed with a "
               "host clock that did not wait for the GPU, or the events were recorded in the "
               "wrong places");
  REQUIRE(std::isfinite(yours));
  if (course::grading::under_sanitizer()) {
    course::grading::note_not_run(std::string("1.4 ") + part +
                                  ": timing comparison not run under compute-sanitizer");
    return;
  }
  REQUIRE(yours > 0.5 * reference);
  REQUIRE(yours < 2.0 * reference);
}

}  // namespace

TEST_CASE("1.4 the timed breakdown matches the grader's own measurements", "[1.4][correctness]") {
  COURSE_REQUIRE_GPU();
  const std::size_t n = std::size_t{1} << 25;  // 128 MiB per array
  const std::uint64_t seed = course::grading::seed();
  INFO("n = " << n << ", seed = " << seed);
  const std::vector<float> a = course::random_floats(n, seed);
  const std::vector<float> b = course::random_floats(n, seed + 1);
  std::vector<double> expected(n);
  for (std::size_t i = 0; i < n; ++i)
    expected[i] = double(a[i]) + double(b[i]);

  std::vector<float> c;
  chapter1::timed_vector_add(a, b, c);  // warm-up
  std::vector<double> h2d, kernel, d2h, total;
  for (int run = 0; run < 5; ++run) {
    c.assign(n, 0.0f);
    std::memset(c.data(), 0xFF, n * sizeof(float));  // poison
    const chapter1::TransferBreakdown times = chapter1::timed_vector_add(a, b, c);
    REQUIRE(c.size() == n);
    const course::Comparison result = course::compare_close(c, expected, {1e-30, 1e-7});
    INFO(result.summary());
    REQUIRE(result.ok());

    const double parts = times.host_to_device_ms + times.kernel_ms + times.device_to_host_ms;
    INFO("host-to-device " << times.host_to_device_ms << " + kernel " << times.kernel_ms
                           << " + device-to-host " << times.device_to_host_ms << " = " << parts
                           << " ms, but total = " << times.total_ms << " ms");
    REQUIRE(std::fabs(parts - times.total_ms) <= 0.05 * times.total_ms + 0.05);
    h2d.push_back(times.host_to_device_ms);
    kernel.push_back(times.kernel_ms);
    d2h.push_back(times.device_to_host_ms);
    total.push_back(times.total_ms);
  }

  const Reference reference = measure_steps(a, b);
  require_close_to("host-to-device", course::median(h2d), reference.host_to_device_ms);
  require_close_to("kernel", course::median(kernel), reference.kernel_ms);
  require_close_to("device-to-host", course::median(d2h), reference.device_to_host_ms);
  course::grading::note("FIGURE: upload " + std::to_string(course::median(h2d)).substr(0, 6) +
                        " ms, kernel " + std::to_string(course::median(kernel)).substr(0, 6) +
                        " ms, download " + std::to_string(course::median(d2h)).substr(0, 6) +
                        " ms, total " + std::to_string(course::median(total)).substr(0, 6) + " ms");
}

TEST_CASE("1.4 the timed breakdown rejects operands of different sizes", "[1.4][correctness]") {
  COURSE_REQUIRE_GPU();
  std::vector<float> c;
  REQUIRE_THROWS_AS(chapter1::timed_vector_add(std::vector<float>(5), std::vector<float>(6), c),
                    std::invalid_argument);
}
