// Tests of the graders' past-2^31 helpers (tests/support/large_arrays.hpp, mapped_memory.hpp):
// on the CPU, the arithmetic that makes the periodic data exact and able to tell every 32-bit wrap
// apart; on a GPU, inputs of one chunk mapped many times, and the exact checks of outputs.
#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "course/course.hpp"
#include "grading.hpp"
#include "large_arrays.hpp"
#include "launch_checks.hpp"
#include "launch_recorder_test_kernels.hpp"

namespace {

namespace grading = course::grading;
using grading::kPatternPeriod;
using grading::Pattern;

constexpr std::size_t kTwoTo31 = std::size_t{1} << 31;

// What the graders compute at element i, exactly: 1.2's c = a + b and 2.1's y = 2.5 x + y.
double exact_c(std::size_t i) {
  return double(grading::pattern_value(Pattern::counting, i)) +
         double(grading::pattern_value(Pattern::even, i));
}
double exact_y(std::size_t i) {
  return 2.5 * double(grading::pattern_value(Pattern::counting, i)) +
         double(grading::pattern_value(Pattern::even, i));
}

}  // namespace

TEST_CASE("the past-2^31 data is exact in float and the sums that check it too", "[common][cpu]") {
  const std::size_t n = grading::kPast2To31Elements;
  CHECK(n > kTwoTo31 + (std::size_t{1} << 16));
  CHECK(n % 4 == 3);
  // Every q of the period, checked in plain C++ (a Catch2 assertion per q would take seconds):
  // the first q where a property fails, if any, is reported.
  std::optional<std::size_t> first_bad;
  std::string what;
  double previous_c = -1;
  double previous_y = -1;
  for (std::size_t q = 0; q < kPatternPeriod && !first_bad; ++q) {
    const float a = grading::pattern_value(Pattern::counting, q);
    const float b = grading::pattern_value(Pattern::even, q);
    const double y = 4.5 * double(q) + 2.5;
    const auto fails = [&](bool ok, const char* property) {
      if (!ok && !first_bad) {
        first_bad = q;
        what = property;
      }
    };
    fails(double(a) == double(q) + 1, "a = q + 1");
    fails(double(b) == 2.0 * double(q), "b = 2q");
    // 1.2 and 1.5: one correctly rounded addition gives exactly 3q + 1.
    fails(double(a + b) == 3.0 * double(q) + 1, "a + b exact");
    // 2.1: exact with a fused multiply-add (one rounding) and without (two).
    fails(double(std::fma(2.5f, a, b)) == y, "fma(2.5, x, y) exact");
    fails(double(2.5f * a + b) == y, "2.5 x + y exact");
    // Updated twice (a loop that wraps around), or still 2q: never the right value.
    fails(double(2.5f * a + (2.5f * a + b)) != y, "y updated twice differs");
    fails(double(b) != y, "y never written differs");
    // Strictly increasing in q: different at every position of the period.
    fails(exact_c(q) > previous_c && y > previous_y, "c and y increasing");
    previous_c = exact_c(q);
    previous_y = y;
  }
  INFO("fails at q = " << first_bad.value_or(0) << ": " << what);
  CHECK_FALSE(first_bad.has_value());
  // The period repeats: element i is element i mod P.
  for (const std::size_t i : {kPatternPeriod, kTwoTo31, n - 1})
    CHECK(grading::pattern_value(Pattern::counting, i) ==
          grading::pattern_value(Pattern::counting, i % kPatternPeriod));
}

TEST_CASE("the past-2^31 data tells every 32-bit wrap apart", "[common][cpu]") {
  // P = 3 x 2^19 divides no power of two: a wrap at 2^k elements, any k, moves to another q.
  for (unsigned k = 0; k < 64; ++k) {
    INFO("2^" << k << " mod " << kPatternPeriod);
    CHECK((std::uint64_t{1} << k) % kPatternPeriod != 0);
  }
  CHECK(kTwoTo31 % kPatternPeriod == std::size_t{1} << 19);
  CHECK((std::size_t{1} << 32) % kPatternPeriod == std::size_t{1} << 20);
  // For the wraps of interest (32-bit byte offsets at 2^29 and 2^30 elements, int at 2^31,
  // unsigned at 2^32, and 2^33), element i read from i - wrap gives another value in every input
  // and every result, at every position of the period.
  for (const unsigned k : {29u, 30u, 31u, 32u, 33u}) {
    const std::size_t wrap = std::size_t{1} << k;
    std::size_t alike = 0;  // elements whose wrapped read would go unnoticed
    for (std::size_t i = wrap; i < wrap + kPatternPeriod; ++i) {
      const std::size_t j = i - wrap;
      const bool differ =
          grading::pattern_value(Pattern::counting, i) !=
              grading::pattern_value(Pattern::counting, j) &&
          grading::pattern_value(Pattern::even, i) != grading::pattern_value(Pattern::even, j) &&
          exact_c(i) != exact_c(j) && exact_y(i) != exact_y(j) &&
          // One input read from the wrong place, the other right: still another result.
          double(grading::pattern_value(Pattern::counting, j)) +
                  double(grading::pattern_value(Pattern::even, i)) !=
              exact_c(i);
      alike += differ ? 0 : 1;
    }
    INFO("elements read from i - 2^" << k << " instead of i");
    CHECK(alike == 0);
  }
}

TEST_CASE("3.3's sparse data sums exactly, and the elements past 2^31 count", "[common][cpu]") {
  const std::size_t n = grading::kPast2To31Elements;
  // The closed form against brute force, around every boundary of the pattern.
  for (const std::size_t m :
       {std::size_t{0}, std::size_t{1}, std::size_t{1} << 19, (std::size_t{1} << 19) + 1,
        (std::size_t{1} << 19) + 257, kPatternPeriod - 1, kPatternPeriod, kPatternPeriod + 1,
        3 * kPatternPeriod + 12345}) {
    for (const Pattern pattern : {Pattern::counting, Pattern::even, Pattern::sparse}) {
      double brute = 0;
      for (std::size_t i = 0; i < m; ++i)
        brute += grading::pattern_value(pattern, i);
      INFO("n = " << m << ", " << grading::describe(pattern, "x"));
      CHECK(grading::pattern_sum(pattern, m) == brute);
    }
  }
  const double total = grading::pattern_sum(Pattern::sparse, n);
  const double before = grading::pattern_sum(Pattern::sparse, kTwoTo31);
  CHECK(total == 5573091);
  CHECK(total < double(1 << 24));  // every partial sum an integer that float holds exactly
  CHECK(total - before == 3891);   // the elements from 2^31 on
  // Read from 2^31 earlier, those elements would hold 1851 ones, not 3891.
  CHECK(grading::pattern_sum(Pattern::sparse, n - kTwoTo31) == 1851);
  // Summed in float in two orders (one chain; 256 interleaved chains, then their sums), a few
  // periods give the same, exact sum.
  const std::size_t m = 3 * kPatternPeriod + 12345;
  float chain = 0;
  std::vector<float> lanes(256, 0.0f);
  for (std::size_t i = 0; i < m; ++i) {
    chain += grading::pattern_value(Pattern::sparse, i);
    lanes[i % 256] += grading::pattern_value(Pattern::sparse, i);
  }
  float interleaved = 0;
  for (const float lane : lanes)
    interleaved += lane;
  CHECK(double(chain) == grading::pattern_sum(Pattern::sparse, m));
  CHECK(double(interleaved) == grading::pattern_sum(Pattern::sparse, m));
}

TEST_CASE("a past-2^31 comparison summary names the first wrong element", "[common][cpu]") {
  const std::size_t n = grading::kPast2To31Elements;
  grading::PatternComparison failed;
  failed.count = n;
  failed.mismatches = 3;
  failed.untouched = 3;
  failed.first_index = kTwoTo31 + 5;
  failed.first_expected = exact_c(kTwoTo31 + 5);
  std::uint32_t poison_bits = 0xFFFFFFFFu;
  std::memcpy(&failed.first_actual, &poison_bits, sizeof poison_bits);
  CHECK(failed.summary() == "3 of " + std::to_string(n) +
                                " elements differ (3 never written), the first at index "
                                "2147483653 = 2^31 + 5: got <never written>, expected 1572880");
  CHECK(grading::describe(Pattern::sparse, "x") ==
        "x[i] = 1 where q >= 2^19 and q % 257 == 0, else 0, q = i mod 1572864");
}

TEST_CASE("a mapped input costs one period of GPU memory", "[common][cpu]") {
  const std::size_t n = grading::kPast2To31Elements;
  CHECK(grading::PeriodicInput::device_bytes(n, true) == std::size_t{6} << 20);
  CHECK(grading::PeriodicInput::device_bytes(n, false) == n * sizeof(float));
}

TEST_CASE("a mapped input shows one chunk at every copy, in 6 MiB of GPU memory", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  const grading::VirtualMemorySupport& support = grading::virtual_memory_support();
  if (!support.device_says_supported) {
    grading::not_graded_here("this GPU does not support virtual memory management: " +
                             support.reason);
    return;
  }
  // The device says yes: then the probe and every call must work (a failure is a bug here).
  INFO(support.reason);
  REQUIRE(support.supported);
  std::string why;
  REQUIRE(grading::inputs_can_be_mapped(&why));

  const std::size_t n = grading::kPast2To31Elements;
  std::size_t free_before = 0;
  std::size_t total = 0;
  COURSE_CUDA_CHECK(cudaMemGetInfo(&free_before, &total));
  const grading::PeriodicInput x(Pattern::counting, n, true);
  REQUIRE(x.mapped());
  REQUIRE(x.size() == n);
  std::size_t free_after = 0;
  COURSE_CUDA_CHECK(cudaMemGetInfo(&free_after, &total));
  INFO("free before " << course::format_bytes(free_before) << ", after "
                      << course::format_bytes(free_after));
  CHECK(free_after + (std::size_t{256} << 20) > free_before);  // not 8 GiB: 6 MiB and tables

  // Elements across the copies and past the end (the extra copy) read the pattern.
  for (const std::size_t i : {std::size_t{0}, kPatternPeriod - 1, kPatternPeriod, kTwoTo31 - 1,
                              kTwoTo31, n - 1, n, n + 255}) {
    float value = 0;
    COURSE_CUDA_CHECK(cudaMemcpy(&value, x.data() + i, sizeof value, cudaMemcpyDeviceToHost));
    INFO("element " << i);
    CHECK(value == grading::pattern_value(Pattern::counting, i));
  }
  CHECK(x.compare_with_pattern().ok());

  // A write through one copy (element P + 7) shows at every copy, and in the comparison.
  auto* const writable = const_cast<float*>(x.data());
  COURSE_CUDA_CHECK(cudaMemset(writable + kPatternPeriod + 7, 0xFF, sizeof(float)));
  float far = 0;
  COURSE_CUDA_CHECK(cudaMemcpy(&far, x.data() + kTwoTo31 - (kTwoTo31 % kPatternPeriod) + 7,
                               sizeof far, cudaMemcpyDeviceToHost));
  CHECK(course::is_poison(far));
  const grading::PatternComparison changed = x.compare_with_pattern();
  CHECK(changed.mismatches == 1);
  CHECK(changed.untouched == 1);
  CHECK(changed.first_index == 7);
}

TEST_CASE("the past-2^31 checks find every wrong element, mapped inputs or not", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  const std::size_t n = (std::size_t{1} << 27) + 3;  // three staging chunks, the last one short
  for (const bool mapped : {true, false}) {
    if (mapped && !grading::inputs_can_be_mapped())
      continue;  // the test above says why
    INFO((mapped ? "mapped inputs" : "inputs in device memory"));
    const grading::PeriodicInput x(Pattern::counting, n, mapped);
    const grading::PeriodicInput y(Pattern::even, n, mapped);
    CHECK(x.mapped() == mapped);
    course::DeviceArray<float> out(n);
    out.fill_bytes(0xFF);
    launch_recorder_test::launch_scaled_add(2.5f, x.data(), y.data(), out.data(), n);
    COURSE_CUDA_CHECK(cudaDeviceSynchronize());
    const grading::PatternComparison right =
        grading::compare_with_pattern_sum(out.data(), n, 2.5f, Pattern::counting, Pattern::even);
    INFO(right.summary());
    CHECK(right.ok());
    CHECK(grading::count_overwritten(out.data(), 0, 100) == 100);

    // Elements [2^26 - 10, 2^26 + 10) never written: across the first staging boundary.
    const std::size_t hole = (std::size_t{1} << 26) - 10;
    COURSE_CUDA_CHECK(cudaMemset(out.data() + hole, 0xFF, 20 * sizeof(float)));
    // Element 2^26 + 100 holds y's value from before (2q): untouched when `initial` is given.
    const std::size_t stale = (std::size_t{1} << 26) + 100;
    const float before = grading::pattern_value(Pattern::even, stale);
    COURSE_CUDA_CHECK(
        cudaMemcpy(out.data() + stale, &before, sizeof before, cudaMemcpyHostToDevice));
    // Element 2^26 + 200 read from 2^19 elements away (an int that wrapped at 2^31).
    const std::size_t moved = (std::size_t{1} << 26) + 200;
    const float wrong = static_cast<float>(exact_y(moved + kPatternPeriod - (1u << 19)));
    COURSE_CUDA_CHECK(cudaMemcpy(out.data() + moved, &wrong, sizeof wrong, cudaMemcpyHostToDevice));
    const grading::PatternComparison holed = grading::compare_with_pattern_sum(
        out.data(), n, 2.5f, Pattern::counting, Pattern::even, Pattern::even);
    INFO(holed.summary());
    CHECK(holed.mismatches == 22);
    CHECK(holed.untouched == 21);
    CHECK(holed.first_index == hole);
    CHECK(holed.first_expected == exact_y(hole));
    CHECK(grading::count_overwritten(out.data(), hole, 20) == 0);
  }
}

TEST_CASE("a past-2^31 case that does not fit is not run, without an error", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  std::size_t free_bytes = 0;
  std::size_t total = 0;
  COURSE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total));
  // An output as large as the whole GPU never fits: noted as not run, nothing allocated.
  const std::optional<grading::LargeCase> arrays = grading::allocate_large_case(
      grading::kPast2To31Elements, {Pattern::counting}, {total / sizeof(float)}, "test: ");
  CHECK_FALSE(arrays.has_value());
  // A small case fits.
  const std::optional<grading::LargeCase> small =
      grading::allocate_large_case(1000, {Pattern::counting, Pattern::even}, {1000});
  REQUIRE(small.has_value());
  CHECK(small->inputs.size() == 2);
  CHECK(small->outputs.size() == 1);
  CHECK(small->inputs[1].compare_with_pattern().ok());
}
