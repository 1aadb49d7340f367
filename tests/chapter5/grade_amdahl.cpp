// Grader for 5.2: Amdahl's and Gustafson's laws. On the CPU: the formulas against values worked
// out by hand, and their argument checks. On the GPU: predictions made with your formulas from
// your own measurement of the workload's two parts, against the speed-ups the grader then
// measures by actually running the parallel part on 2, 4, 8 and 16 times the SMs.
//
// The tolerance, 10% of the measured speed-up: the prediction and the measurement come from the
// same machine in the same run. The workload's parallel part is a latency-bound kernel with one
// block per SM, so its time scales with 1 / SMs within a per cent or two; its serial part (two
// copies through PCIe) does not change with the SMs; the gaps between the steps (launches,
// events) are microseconds against milliseconds. A formula with the fractions swapped, or a
// measurement taken with a host clock, is off by a factor.
#include <cmath>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "call_checks.hpp"
#include "chapter5.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"

namespace {

void require_value(const std::string& call, double yours, double expected) {
  const bool ok =
      (std::isinf(expected) && yours == expected) ||
      (std::isfinite(yours) && std::fabs(yours - expected) <= 1e-9 * std::fabs(expected) + 1e-12);
  course::grading::require_that(ok, "5.2 " + call + ": yours " +
                                        course::grading::format_number(yours) + ", expected " +
                                        course::grading::format_number(expected));
}

template <typename Call>
void require_invalid(const std::string& call, Call&& function) {
  bool threw = false;
  try {
    (void)function();
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  course::grading::require_that(threw, "5.2 " + call +
                                           " must throw std::invalid_argument (not a valid "
                                           "fraction, factor or time)");
}

// A measured speed-up: the same work timed on `base_sms` and on `sms` (the whole run, serial and
// parallel part, events on the workload's stream, medians of 5 after a warm-up).
struct MeasuredSpeedup {
  double speedup = 0;
  double base_ms = 0;
  double scaled_ms = 0;
  int attempts = 0;
};

// Measures the speed-up, and measures it again (three attempts at most) while it is more than
// 10% away from the prediction: one disturbed timing (a clock change, another process on the
// GPU) must not fail a right prediction, and a wrong formula is off on every attempt.
MeasuredSpeedup measure_speedup(chapter5::AmdahlWorkload& workload, std::int64_t work, int base_sms,
                                int sms, double predicted) {
  MeasuredSpeedup measured;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    // Interleaved (base, scaled, base, ...): a clock change weighs on both alike.
    const std::vector<course::Timing> timings = course::grading::time_interleaved(
        {{"5.2 the workload on " + std::to_string(base_sms) + " SMs",
          [&] { workload.run(work, base_sms); }, workload.stream()},
         {"5.2 the workload on " + std::to_string(sms) + " SMs", [&] { workload.run(work, sms); },
          workload.stream()}},
        {1, 5});
    measured.base_ms = timings[0].median_ms;
    measured.scaled_ms = timings[1].median_ms;
    measured.speedup = measured.base_ms / measured.scaled_ms;
    measured.attempts = attempt;
    if (std::fabs(predicted - measured.speedup) <= 0.1 * measured.speedup)
      break;
  }
  return measured;
}

// "4.66x (25.1 ms on 8 SMs / 5.39 ms on 64 SMs, attempt 1)": what a failure message shows.
std::string describe(const MeasuredSpeedup& measured, int base_sms, int sms) {
  std::ostringstream text;
  text.precision(3);
  text << measured.speedup << "x (" << measured.base_ms << " ms on " << base_sms << " SMs / "
       << measured.scaled_ms << " ms on " << sms << " SMs, " << measured.attempts
       << (measured.attempts == 1 ? " attempt)" : " attempts)");
  return text.str();
}

// The largest power of two <= SMs / 16, at least 1: the base SM count, so that 16 times it fits.
int base_sms() {
  const int sms = chapter5::AmdahlWorkload::max_sms();
  int base = 1;
  while (base * 2 * 16 <= sms)
    base *= 2;
  return base;
}

}  // namespace

TEST_CASE("5.2 Amdahl's and Gustafson's formulas", "[5.2][cpu]") {
  using chapter5::amdahl_limit;
  using chapter5::amdahl_speedup;
  using chapter5::gustafson_speedup;
  using chapter5::parallel_fraction;
  // A time-out then names the function under test ("timed out after 10 s in amdahl_speedup").
  course::grading::calling("amdahl_speedup");
  // Worked out by hand: 90% parallel, 10 times faster: 1 / (0.1 + 0.09) = 5.263...
  require_value("amdahl_speedup(p = 0.9, n = 10)", amdahl_speedup(0.9, 10), 1.0 / 0.19);
  require_value("amdahl_speedup(p = 0.75, n = 4)", amdahl_speedup(0.75, 4), 1.0 / (0.25 + 0.1875));
  require_value("amdahl_speedup(p = 0.2, n = 8)", amdahl_speedup(0.2, 8), 1.0 / (0.8 + 0.025));
  require_value("amdahl_speedup(p = 0.5, n = 2)", amdahl_speedup(0.5, 2), 4.0 / 3.0);
  require_value("amdahl_speedup(p = 0, n = 100)", amdahl_speedup(0.0, 100), 1.0);
  require_value("amdahl_speedup(p = 1, n = 8)", amdahl_speedup(1.0, 8), 8.0);
  require_value("amdahl_speedup(p = 0.9, n = 1)", amdahl_speedup(0.9, 1), 1.0);
  require_value("amdahl_speedup(p = 0.99, n = 1e9)", amdahl_speedup(0.99, 1e9),
                1.0 / (0.01 + 0.99e-9));
  course::grading::calling("amdahl_limit");
  require_value("amdahl_limit(p = 0.9)", amdahl_limit(0.9), 1.0 / (1.0 - 0.9));
  require_value("amdahl_limit(p = 0.75)", amdahl_limit(0.75), 4.0);
  require_value("amdahl_limit(p = 0)", amdahl_limit(0.0), 1.0);
  require_value("amdahl_limit(p = 1)", amdahl_limit(1.0), std::numeric_limits<double>::infinity());
  course::grading::calling("gustafson_speedup");
  require_value("gustafson_speedup(s = 0.1, n = 10)", gustafson_speedup(0.1, 10), 9.1);
  require_value("gustafson_speedup(s = 0.25, n = 4)", gustafson_speedup(0.25, 4), 3.25);
  require_value("gustafson_speedup(s = 0, n = 16)", gustafson_speedup(0.0, 16), 16.0);
  require_value("gustafson_speedup(s = 1, n = 16)", gustafson_speedup(1.0, 16), 1.0);
  course::grading::calling("parallel_fraction");
  require_value("parallel_fraction(serial 1 ms, parallel 9 ms)", parallel_fraction(1, 9), 0.9);
  require_value("parallel_fraction(serial 3 ms, parallel 1 ms)", parallel_fraction(3, 1), 0.25);
  require_value("parallel_fraction(serial 0 ms, parallel 2 ms)", parallel_fraction(0, 2), 1.0);
  require_value("parallel_fraction(serial 2 ms, parallel 0 ms)", parallel_fraction(2, 0), 0.0);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  course::grading::calling("the formulas of 5.2 on invalid input");
  require_invalid("amdahl_speedup(p = 1.1, n = 2)", [] { return amdahl_speedup(1.1, 2); });
  require_invalid("amdahl_speedup(p = -0.1, n = 2)", [] { return amdahl_speedup(-0.1, 2); });
  require_invalid("amdahl_speedup(p = NaN, n = 2)", [&] { return amdahl_speedup(nan, 2); });
  require_invalid("amdahl_speedup(p = 0.5, n = 0.5)", [] { return amdahl_speedup(0.5, 0.5); });
  require_invalid("amdahl_speedup(p = 0.5, n = NaN)", [&] { return amdahl_speedup(0.5, nan); });
  require_invalid("amdahl_limit(p = 2)", [] { return amdahl_limit(2.0); });
  require_invalid("amdahl_limit(p = NaN)", [&] { return amdahl_limit(nan); });
  require_invalid("gustafson_speedup(s = -0.5, n = 2)", [] { return gustafson_speedup(-0.5, 2); });
  require_invalid("gustafson_speedup(s = 0.5, n = 0)", [] { return gustafson_speedup(0.5, 0); });
  require_invalid("parallel_fraction(serial -1 ms, parallel 2 ms)",
                  [] { return parallel_fraction(-1, 2); });
  require_invalid("parallel_fraction(serial 0 ms, parallel 0 ms)",
                  [] { return parallel_fraction(0, 0); });
  require_invalid("parallel_fraction(serial NaN, parallel 1 ms)",
                  [&] { return parallel_fraction(nan, 1); });
  require_invalid("parallel_fraction(serial 1 ms, parallel inf)",
                  [&] { return parallel_fraction(1, inf); });
}

TEST_CASE("5.2 Amdahl's prediction against the measured speed-up", "[5.2][gpu]") {
  COURSE_REQUIRE_GPU();
  chapter5::AmdahlWorkload workload;
  const int base = base_sms();
  // About 20-25 ms of kernel on `base` SMs whatever the GPU (the work scales with base), against
  // about 2.5 ms of copies (64 MiB each way on PCIe 5): p near 0.9.
  const std::int64_t work = static_cast<std::int64_t>(base) * 163840;
  INFO("workload: " << base << " SMs as the base, work = " << work << " units, "
                    << chapter5::AmdahlWorkload::max_sms() << " SMs on this GPU");

  const chapter5::WorkloadProfile yours = chapter5::profile_workload(workload, work, base, 5);
  // The grader's own measurement of the two parts, for comparison.
  const double serial_ms =
      course::time_gpu([&] { workload.serial_part(); }, {1, 5}, workload.stream()).median_ms;
  const double parallel_ms =
      course::time_gpu([&] { workload.parallel_part(work, base); }, {1, 5}, workload.stream())
          .median_ms;
  const bool timed = !course::grading::under_sanitizer();
  if (!timed)
    course::grading::note_not_run(
        "5.2 predictions against measurements: not compared under "
        "compute-sanitizer");
  {
    std::ostringstream message;
    message << "5.2 profile_workload: yours serial " << yours.serial_ms << " ms, parallel "
            << yours.parallel_ms << " ms; the grader measured serial " << serial_ms
            << " ms, parallel " << parallel_ms
            << " ms (allowed: 10% + 0.05 ms). Time each part with events on workload.stream() "
               "around it";
    const bool close = std::fabs(yours.serial_ms - serial_ms) <= 0.1 * serial_ms + 0.05 &&
                       std::fabs(yours.parallel_ms - parallel_ms) <= 0.1 * parallel_ms + 0.05;
    if (timed)
      course::grading::require_that(close, message.str());
  }

  const double p = chapter5::parallel_fraction(yours.serial_ms, yours.parallel_ms);
  const double limit = chapter5::amdahl_limit(p);
  std::ostringstream figures;
  figures.precision(3);
  figures << "p = " << p << ", bound " << limit << "x;";
  for (const int factor : {2, 4, 8, 16}) {
    const double predicted = chapter5::amdahl_speedup(p, factor);
    const MeasuredSpeedup run = measure_speedup(workload, work, base, base * factor, predicted);
    const double measured = run.speedup;
    figures << " n = " << factor << ": predicted " << predicted << "x, measured " << measured
            << "x;";
    std::cout << "COURSE-FIGURE: 5.2 Amdahl, " << factor << " times the SMs: predicted "
              << predicted << "x, measured " << measured << "x" << std::endl;
    if (!timed)
      continue;
    std::ostringstream message;
    message << "5.2 Amdahl with " << factor << " times the SMs (" << base * factor
            << "): your prediction amdahl_speedup(p = " << p << ", n = " << factor
            << ") = " << predicted << "x, measured " << describe(run, base, base * factor)
            << " (allowed: 10% of the measured). Which share of the time does not get faster?";
    course::grading::require_that(std::fabs(predicted - measured) <= 0.1 * measured, message.str());
    std::ostringstream bound;
    bound << "5.2 the measured speed-up " << measured << "x with " << factor
          << " times the SMs exceeds your bound amdahl_limit(p = " << p << ") = " << limit << "x";
    course::grading::require_that(measured <= 1.02 * limit, bound.str());
  }
  course::grading::note("FIGURE: " + figures.str());
}

TEST_CASE("5.2 Gustafson's prediction against the measured scaled speed-up", "[5.2][gpu]") {
  COURSE_REQUIRE_GPU();
  chapter5::AmdahlWorkload workload;
  const int base = base_sms();
  const std::int64_t unit_work = static_cast<std::int64_t>(base) * 20480;  // ~3 ms on `base`
  const bool timed = !course::grading::under_sanitizer();
  std::ostringstream figures;
  figures.precision(3);
  for (const int factor : {2, 4, 8}) {
    // n times the work on n times the SMs, against that same work on the base SMs.
    const std::int64_t work = unit_work * factor;
    const chapter5::WorkloadProfile scaled =
        chapter5::profile_workload(workload, work, base * factor, 3);
    const double s = 1.0 - chapter5::parallel_fraction(scaled.serial_ms, scaled.parallel_ms);
    const double predicted = chapter5::gustafson_speedup(s, factor);
    const MeasuredSpeedup run = measure_speedup(workload, work, base, base * factor, predicted);
    const double measured = run.speedup;
    figures << " n = " << factor << ": s = " << s << ", predicted " << predicted << "x, measured "
            << measured << "x;";
    std::cout << "COURSE-FIGURE: 5.2 Gustafson, " << factor
              << " times the work and the SMs: s = " << s << ", predicted " << predicted
              << "x, measured " << measured << "x" << std::endl;
    if (!timed)
      continue;
    std::ostringstream message;
    message << "5.2 Gustafson with " << factor << " times the work on " << factor
            << " times the SMs: your prediction gustafson_speedup(s = " << s << ", n = " << factor
            << ") = " << predicted << "x, measured " << describe(run, base, base * factor)
            << " (allowed: 10% of the measured)";
    course::grading::require_that(std::fabs(predicted - measured) <= 0.1 * measured, message.str());
  }
  course::grading::note("FIGURE: Gustafson" + figures.str());
}
