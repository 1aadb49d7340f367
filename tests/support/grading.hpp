// What every grader uses: the GPU skip, notes for the scoreboard, seeds, sizes and the speed check.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "catch.hpp"
#include "course/gpu.hpp"

namespace course::grading {

/// Appends a line to this test's note file ($COURSE_NOTE_FILE), which `./course grade` shows on
/// the scoreboard. Lines start with a keyword: SKIP, FIGURE or FAIL.
void note(const std::string& line);

/// Prints the skip marker CTest looks for and notes the reason.
void announce_skip(const std::string& reason);

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

/// "3.41 TB/s" for bytes per second.
std::string format_rate(double bytes_per_second);

}  // namespace course::grading

#if COURSE_CATCH_VERSION == 3
#define COURSE_SKIP_NOW(reason) SKIP(reason)
#else
#define COURSE_SKIP_NOW(reason) return
#endif

/// First line of every GPU grader: without a usable GPU the test reports Skipped with the reason.
#define COURSE_REQUIRE_GPU()                                                 \
  do {                                                                       \
    if (!::course::gpu_available()) {                                        \
      const std::string course_reason_ = ::course::gpu_unavailable_reason(); \
      ::course::grading::announce_skip(course_reason_);                      \
      COURSE_SKIP_NOW(course_reason_);                                       \
    }                                                                        \
  } while (false)
