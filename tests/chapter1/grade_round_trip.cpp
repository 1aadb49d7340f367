// Grader for 1.3: the whole round trip, raw and with device arrays; no leaks.
#include <functional>
#include <string>
#include <vector>

#include "chapter1.hpp"
#include "course/course.hpp"
#include "grading.hpp"

namespace {

using RoundTrip =
    std::function<std::vector<float>(const std::vector<float>&, const std::vector<float>&)>;

void check_round_trip(const std::string& name, const RoundTrip& round_trip) {
  const std::uint64_t seed = course::grading::seed();
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{257},
                              std::size_t{1000003}, std::size_t{1} << 24}) {
    INFO(name << ", n = " << n << ", seed = " << seed);
    const std::vector<float> a = course::random_floats(n, seed + n, -10.0f, 10.0f);
    const std::vector<float> b = course::random_floats(n, seed + n + 7, -10.0f, 10.0f);
    std::vector<double> expected(n);
    for (std::size_t i = 0; i < n; ++i)
      expected[i] = double(a[i]) + double(b[i]);
    const std::vector<float> c = round_trip(a, b);
    REQUIRE(c.size() == n);
    const course::Comparison result = course::compare_close(c, expected, {1e-30, 1e-7});
    INFO(result.summary());
    REQUIRE(result.ok());
  }

  INFO(name << " with a of 10 elements and b of 11");
  REQUIRE_THROWS_AS(round_trip(std::vector<float>(10), std::vector<float>(11)),
                    std::invalid_argument);
}

std::size_t free_device_memory() {
  std::size_t free_bytes = 0, total_bytes = 0;
  COURSE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  return free_bytes;
}

void check_no_leak(const std::string& name, const RoundTrip& round_trip) {
  const std::size_t n = std::size_t{1} << 24;  // 64 MiB per array
  const std::vector<float> a(n, 1.0f), b(n, 2.0f);
  round_trip(a, b);  // warm-up: the first call may set up the context's own allocations
  const std::size_t before = free_device_memory();
  for (int i = 0; i < 4; ++i)
    round_trip(a, b);
  const std::size_t after = free_device_memory();
  const std::size_t lost = before > after ? before - after : 0;
  INFO(name << " leaked device memory: " << course::format_bytes(lost)
            << " less free after 4 calls of 3 x 64 MiB (is a cudaFree missing?)");
  REQUIRE(lost < (std::size_t{64} << 20));
}

}  // namespace

TEST_CASE("1.3 the round trip with the raw runtime API", "[1.3][correctness]") {
  COURSE_REQUIRE_GPU();
  check_round_trip("add_with_raw_cuda", chapter1::add_with_raw_cuda);
  check_no_leak("add_with_raw_cuda", chapter1::add_with_raw_cuda);
}

TEST_CASE("1.3 the round trip with device arrays", "[1.3][correctness]") {
  COURSE_REQUIRE_GPU();
  check_round_trip("add_with_device_arrays", chapter1::add_with_device_arrays);
  check_no_leak("add_with_device_arrays", chapter1::add_with_device_arrays);
}
