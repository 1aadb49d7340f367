// Grader support: notes for the scoreboard (written by a Catch2 listener on failures), skips,
// seeds, sizes and speed requirements.
// Catch2 2.x defines its reporter and listener classes only when asked to.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "grading.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "course/random.hpp"

namespace course::grading {

namespace {
std::atomic<int> skipped_cases{0};
std::atomic<int> failed_assertions{0};  // failures other than skips
std::string first_skip_reason;          // graders run their test cases on one thread
constexpr const char* kSkipMarker = "COURSE-SKIP: ";
}  // namespace

void note(const std::string& line) {
  const char* path = std::getenv("COURSE_NOTE_FILE");
  if (path == nullptr || *path == '\0')
    return;
  std::ofstream file(path, std::ios::app);
  // One line per note: the scoreboard reads lines.
  std::string flat = line;
  for (char& c : flat) {
    if (c == '\n')
      c = ' ';
  }
  file << flat << '\n';
}

void announce_skip(const std::string& reason) {
  if (skipped_cases++ == 0)
    first_skip_reason = reason;
  note("SKIP: " + reason);
}

bool gpu_required() {
  const char* value = std::getenv("COURSE_REQUIRE_GPU");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

bool under_sanitizer() {
  const char* value = std::getenv("COURSE_UNDER_SANITIZER");
  return value != nullptr && std::strcmp(value, "1") == 0;
}

std::string skip_message(const std::string& reason) {
  return std::string(kSkipMarker) + "not graded, " + reason;
}

void start_run() {
  const char* path = std::getenv("COURSE_NOTE_FILE");
  if (path != nullptr && *path != '\0')
    std::ofstream(path, std::ios::trunc);  // this run's notes only
}

int finish_run(int catch_status) {
  const int skips = skipped_cases.load();
  const int failures = failed_assertions.load();
  if (skips > 0 && failures == 0) {
    // Catch2 3 counts a skipped test case as neither passed nor failed (and exits 0 if another
    // one passed); Catch2 2 counts our skip as a failure. Either way: not graded, exit 4.
    // CTest's SKIP_REGULAR_EXPRESSION (cmake/Course.cmake) matches this line and only this one.
    std::cout << "\nCOURSE-NOT-GRADED: " << skips << " test case(s) could not run here ("
              << first_skip_reason << "). Nothing was graded as passed." << std::endl;
    return 4;
  }
  // Catch2's status is the number of failed test cases (or 2 when no test matched the filter):
  // any failure is 1, so that 4 failures never read as "skipped" (CTest's SKIP_RETURN_CODE).
  return (failures > 0 || catch_status != 0) ? 1 : 0;
}

std::uint64_t seed() {
  return seed_from_environment(20261121);
}

std::vector<std::size_t> interesting_sizes() {
  return {0,   1,   2,   3,   7,   31,   32,   33,   127,   128,     129,           255,
          256, 257, 511, 512, 513, 1023, 1024, 1025, 65537, 1000003, (1u << 22) + 1};
}

std::string format_number(double value, int digits) {
  std::ostringstream text;
  text.precision(digits);
  text << value;
  return text.str();
}

std::string format_rate(double bytes_per_second) {
  char text[64];
  if (bytes_per_second >= 1e12) {
    std::snprintf(text, sizeof text, "%.2f TB/s", bytes_per_second / 1e12);
  } else {
    std::snprintf(text, sizeof text, "%.1f GB/s", bytes_per_second / 1e9);
  }
  return text;
}

void require_at_least(const std::string& what, double measured, double required,
                      const std::string& unit, const std::string& hint) {
  std::ostringstream figure;
  figure.precision(3);
  figure << what << ": " << measured << " " << unit << " (required >= " << required << ")";
  note("FIGURE: " + figure.str());
  std::cout << "COURSE-FIGURE: " << figure.str() << std::endl;
  std::ostringstream failure;
  failure.precision(3);
  failure << "too slow: " << what << " measured " << measured << " " << unit
          << ", required at least " << required << " " << unit << ". Try: " << hint;
  INFO(failure.str());
  CHECK(measured >= required);
}

void require_share_of_copy(const std::string& what, double bytes_per_second,
                           double copy_bytes_per_second, double required_percent,
                           const std::string& hint, const std::string& detail) {
  require_at_least(what + " as % of a device-to-device copy (" + format_rate(bytes_per_second) +
                       " of " + format_rate(copy_bytes_per_second) +
                       (detail.empty() ? "" : ", " + detail) + ")",
                   100.0 * bytes_per_second / copy_bytes_per_second, required_percent, "%", hint);
  // The roofline floor: what a replaced timer, or work done outside the timed region, reports.
  const double fastest = kImpossibleShareOfCopy / 100.0 * copy_bytes_per_second;
  std::ostringstream failure;
  failure << what << ": faster than this GPU's memory allows: " << format_rate(bytes_per_second)
          << " vs at most " << format_rate(fastest) << " (" << kImpossibleShareOfCopy
          << "% of the device-to-device copy measured in this run, "
          << format_rate(copy_bytes_per_second)
          << ") - the timing is not trustworthy (a replaced timer? work done elsewhere?)";
  if (bytes_per_second > fastest)
    std::cout << "COURSE-FAIL: " << failure.str() << std::endl;
  INFO(failure.str());
  CHECK(!(bytes_per_second > fastest));
}

namespace {

std::string failure_text(const Catch::AssertionStats& stats) {
  // The most specific text first: the exception's message, or the innermost INFO.
  const Catch::AssertionResult& result = stats.assertionResult;
  // Catch2 3 returns a StringRef, Catch2 2 a std::string.
  const std::string message = result.hasMessage() ? std::string(result.getMessage()) : "";
  std::ostringstream text;
  if (!message.empty())
    text << message << "; ";
  for (auto info = stats.infoMessages.rbegin(); info != stats.infoMessages.rend(); ++info) {
    if (info->message != message)
      text << info->message << "; ";
  }
  if (message.empty() && result.hasExpression()) {
    text << "[" << result.getExpression() << " : " << result.getExpandedExpression() << "]";
  }
  return text.str();
}

// Writes each failed assertion to the note file, so the scoreboard can say why a test failed, and
// counts the failures that are not skips.
void record(const Catch::AssertionStats& stats) {
  const Catch::AssertionResult& result = stats.assertionResult;
  if (result.isOk())
    return;
  const std::string message = result.hasMessage() ? std::string(result.getMessage()) : "";
  if (message.rfind(kSkipMarker, 0) == 0)
    return;  // a skip (Catch2 2), already counted by announce_skip
  ++failed_assertions;
  note("FAIL: " + failure_text(stats));
}

class NoteListener : public
#if COURSE_CATCH_VERSION == 3
                     Catch::EventListenerBase {
 public:
  using Catch::EventListenerBase::EventListenerBase;
  void assertionEnded(const Catch::AssertionStats& stats) override {
    record(stats);
  }
#else
                     Catch::TestEventListenerBase {
 public:
  using Catch::TestEventListenerBase::TestEventListenerBase;
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    record(stats);
    return true;
  }
#endif
};

CATCH_REGISTER_LISTENER(NoteListener)

}  // namespace

}  // namespace course::grading
