// Grader support: notes for the scoreboard (written by a Catch2 listener on failures), skips,
// seeds, sizes and speed requirements; and the grader's side of the supervisor's verdict channel
// (tools/course_supervise.py).
// Catch2 2.x defines its reporter and listener classes only when asked to.
#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include "grading.hpp"

#if COURSE_CATCH_VERSION == 3
#include <catch2/catch_test_case_info.hpp>  // TestCaseInfo::name, for the listener
#endif

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <sstream>

#include "course/random.hpp"

namespace course::grading {

namespace {
std::atomic<int> skipped_cases{0};
std::atomic<int> failed_assertions{0};  // failures other than skips
std::string first_skip_reason;          // graders run their test cases on one thread
constexpr const char* kSkipMarker = "COURSE-SKIP: ";

// The verdict channel: the pipe's write end and the key the supervisor gave this run, or -1 when
// the grader runs by hand. Internal linkage: no exercise file can name them.
int verdict_fd = -1;
char verdict_key[80] = "";
std::mutex channel_mutex;
std::string last_call;  // the function announced last in the current test case

// This test case's outcome, and the tally the verdict record reports.
bool case_failed = false;
bool case_skipped = false;
int passed_cases = 0;
int failed_cases = 0;
int skipped_cases_total = 0;

// Takes the channel and its key out of the environment before any exercise file's static
// initialiser runs: initialisers with a priority (.init_array.00101) run before those without
// one, which is every initialiser a student writes without going out of their way. The key is
// overwritten where it lies (getenv points into the process's initial environment, which
// /proc/self/environ shows) and the descriptor moved to one that closes on exec, so code that
// runs later finds neither in the environment.
__attribute__((constructor(101))) void take_verdict_channel() {
  char* fd_text = std::getenv("COURSE_VERDICT_FD");
  char* key = std::getenv("COURSE_VERDICT_KEY");
  if (fd_text != nullptr && key != nullptr && std::strlen(key) < sizeof verdict_key) {
    const int inherited = std::atoi(fd_text);
    const int moved = ::fcntl(inherited, F_DUPFD_CLOEXEC, 100);
    if (moved >= 0) {
      ::close(inherited);
      verdict_fd = moved;
      std::strcpy(verdict_key, key);
    }
  }
  if (key != nullptr)
    std::memset(key, 'x', std::strlen(key));
  if (fd_text != nullptr)
    std::memset(fd_text, 'x', std::strlen(fd_text));
  ::unsetenv("COURSE_VERDICT_KEY");
  ::unsetenv("COURSE_VERDICT_FD");
}

// One line to the supervisor (at most 4000 bytes, newlines flattened): written whole, so that
// lines from several threads never interleave.
void send(const std::string& line) {
  if (verdict_fd < 0)
    return;
  std::string flat = line.substr(0, 4000);
  for (char& c : flat) {
    if (c == '\n' || c == '\r')
      c = ' ';
  }
  flat += '\n';
  std::lock_guard<std::mutex> lock(channel_mutex);
  const char* data = flat.data();
  std::size_t left = flat.size();
  while (left > 0) {
    const ssize_t written = ::write(verdict_fd, data, left);
    if (written < 0 && errno == EINTR)
      continue;
    if (written <= 0)
      return;  // the supervisor is gone: it fails the test anyway
    data += written;
    left -= static_cast<std::size_t>(written);
  }
}
}  // namespace

void note(const std::string& line) {
  send("NOTE " + line);
}

void calling(const std::string& function) {
  if (verdict_fd < 0 || function == last_call)
    return;  // announced once per test case and function: cheap inside a loop
  last_call = function;
  send("CALL " + function);
}

void announce_skip(const std::string& reason) {
  case_skipped = true;
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

int finish_run(int catch_status) {
  // The verdict record: the supervisor trusts no exit status without it, so a program that ends
  // early (exit(0) in an exercise file) fails. The key proves it comes from here.
  send("VERDICT " + std::to_string(passed_cases) + " " + std::to_string(failed_cases) + " " +
       std::to_string(skipped_cases_total) + " " + std::to_string(catch_status) + " " +
       verdict_key);
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
  case_failed = true;
  note("FAIL: " + failure_text(stats));
}

void case_starting(const std::string& name) {
  case_failed = case_skipped = false;
  last_call.clear();
  send("CASE " + name);
}

// A test case with a failure other than a skip failed; one with a skip and no failure was not
// graded; any other passed.
void case_ended() {
  if (case_failed)
    ++failed_cases;
  else if (case_skipped)
    ++skipped_cases_total;
  else
    ++passed_cases;
}

class NoteListener : public
#if COURSE_CATCH_VERSION == 3
                     Catch::EventListenerBase {
 public:
  using Catch::EventListenerBase::EventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    case_starting(info.name);
  }
  void testCaseEnded(const Catch::TestCaseStats&) override {
    case_ended();
  }
  void assertionEnded(const Catch::AssertionStats& stats) override {
    record(stats);
  }
#else
                     Catch::TestEventListenerBase {
 public:
  using Catch::TestEventListenerBase::TestEventListenerBase;
  void testCaseStarting(const Catch::TestCaseInfo& info) override {
    Catch::TestEventListenerBase::testCaseStarting(info);
    case_starting(info.name);
  }
  void testCaseEnded(const Catch::TestCaseStats& stats) override {
    case_ended();
    Catch::TestEventListenerBase::testCaseEnded(stats);
  }
  bool assertionEnded(const Catch::AssertionStats& stats) override {
    record(stats);
    return true;
  }
#endif
};

CATCH_REGISTER_LISTENER(NoteListener)

}  // namespace

}  // namespace course::grading
