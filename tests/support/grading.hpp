// What every grader uses: the GPU skip, notes for the scoreboard, seeds, sizes and the speed check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"
#include "course/gpu.hpp"

namespace course::grading {

/// Sends a note to the supervisor (tools/course_supervise.py), which writes it to this test's
/// note file for the scoreboard of `./course grade`. Lines start with a keyword: SKIP, FIGURE or
/// FAIL. Run by hand (no supervisor), a grader drops its notes.
void note(const std::string& line);

/// Announces that the current test case now calls the student's `function` (once per test case
/// and function, cheap in a loop): a time-out then reads "timed out after 10 s in <function>".
void calling(const std::string& function);

/// Prints the skip marker CTest looks for, notes the reason and counts the skip: a grader process
/// that skipped anything and failed nothing exits with 4 ("not graded"), never 0.
void announce_skip(const std::string& reason);

/// True when $COURSE_REQUIRE_GPU is 1 (`./course grade --require-gpu`, or a lab's CI): a grader
/// that cannot reach a GPU then fails instead of reporting "not graded".
bool gpu_required();

/// True when $COURSE_UNDER_SANITIZER is 1 (set around compute-sanitizer by reproduce.sh and the
/// `sanitizer` tests, like CUDA Python's CUDA_PYTHON_SANITIZER_RUNNING). The tool slows every
/// kernel and copy, by different factors: graders that compare timings, or whose largest sizes
/// would take minutes, note those parts as not run (note_not_run) instead of failing on numbers
/// the tool distorted.
bool under_sanitizer();

/// The message a skip carries, "COURSE-SKIP: not graded, <reason>". Catch2 2 has no SKIP: there
/// a skip is an explicit FAIL with this message, which the listener and main() recognise.
std::string skip_message(const std::string& reason);

/// Called by main() after the Catch2 session: sends the supervisor the verdict record (test
/// cases passed, failed and not graded, Catch2's status) and turns the session's status into
/// the process's exit code: 0 only when something passed and nothing failed or was skipped; 4
/// when the only problems were skips. The supervisor trusts neither without the other.
int finish_run(int catch_status);

/// The seed for this grader's random data: $COURSE_SEED, or a fixed default. Graders print it
/// on failure (Catch2 INFO) so any failure can be replayed with COURSE_SEED=<seed>.
std::uint64_t seed();

/// The sizes every 1D correctness grader tries: 0, 1, small primes, the block size +-1 for the
/// common block sizes, a large prime and a large power of two plus one.
std::vector<std::size_t> interesting_sizes();

/// A speed requirement: `measured` must be at least `required` (both in `unit`, higher is
/// better). Notes "FIGURE: ..." for the scoreboard and, when it fails, says what was measured,
/// what was required and what to try.
void require_at_least(const std::string& what, double measured, double required,
                      const std::string& unit, const std::string& hint);

/// The roofline floor, as a share of the device-to-device copy measured in the same run: no
/// kernel moves bytes that do not fit in the L2 (50 MB on an H100 or H200; every speed grader's
/// arrays are 256 MB or more) at 150% of the copy's rate. The fastest measured so far: read-only
/// sums at 103-108% (docs/results/chapter3-*.md), vector add with float4 at 104%.
inline constexpr double kImpossibleShareOfCopy = 150.0;

/// A bandwidth requirement relative to the device-to-device copy measured in the same run:
/// require_at_least("<what> as % of a device-to-device copy (<rate> of <copy>[, <detail>])",
/// 100 * bytes_per_second / copy_bytes_per_second, required_percent, "%", hint). Then the floor:
/// a share above kImpossibleShareOfCopy fails "<what>: faster than this GPU's memory allows:
/// ... the timing is not trustworthy (a replaced timer? work done elsewhere?)".
void require_share_of_copy(const std::string& what, double bytes_per_second,
                           double copy_bytes_per_second, double required_percent,
                           const std::string& hint, const std::string& detail = "");

/// "3.41 TB/s" for bytes per second.
std::string format_rate(double bytes_per_second);

/// `value` with `digits` significant digits, as a stream prints it ("0.333333", "1.5e+09"): for
/// the numbers a failure message quotes.
std::string format_number(double value, int digits = 6);

}  // namespace course::grading

#if COURSE_CATCH_VERSION == 3
#define COURSE_SKIP_NOW(reason) SKIP(::course::grading::skip_message(reason))
#else
#define COURSE_SKIP_NOW(reason) FAIL(::course::grading::skip_message(reason))
#endif

/// First line of every GPU grader. Without a usable GPU the test is not graded: CTest shows it as
/// Skipped, the process exits with 4, and with $COURSE_REQUIRE_GPU=1 it fails instead.
#define COURSE_REQUIRE_GPU()                                                                  \
  do {                                                                                        \
    if (!::course::gpu_available()) {                                                         \
      const std::string course_reason_ = "no GPU: " + ::course::gpu_unavailable_reason();     \
      if (::course::grading::gpu_required())                                                  \
        FAIL(course_reason_ + " (COURSE_REQUIRE_GPU=1: a GPU grader that cannot run fails)"); \
      ::course::grading::announce_skip(course_reason_);                                       \
      COURSE_SKIP_NOW(course_reason_);                                                        \
    }                                                                                         \
  } while (false)
