// Past-2^31 correctness cases: periodic inputs (mapped or filled), their memory, and exact,
// chunked, multi-threaded checking of outputs.
#include "large_arrays.hpp"
#include "gpu_requirements.hpp"

#include <cuda_runtime_api.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "course/compare.hpp"
#include "course/error.hpp"
#include "course/memory.hpp"
#include "launch_checks.hpp"

namespace course::grading {

namespace {

constexpr std::size_t kChunkElements = std::size_t{1} << 26;  // 256 MiB of floats
constexpr std::size_t kGiB = std::size_t{1} << 30;
// Left free for the other tests of a parallel ctest run and the display (the CUDA context is
// already counted: it holds its memory before the free-memory check).
constexpr std::size_t kSpareBytes = static_cast<std::size_t>(kLargeCaseSpareGiB) * kGiB;
// How long a large case may wait for GPU memory that other tests of the same run hold, counted
// from the grader's start: a grader that waited for its LargeCaseTurn behind others has used its
// time already and does not wait again, so a GPU whose memory never frees costs each grader at
// most this much, well inside a test's time limit.
constexpr std::chrono::seconds kWaitForMemory{60};
const std::chrono::steady_clock::time_point kGraderStart = std::chrono::steady_clock::now();
// Where the sparse pattern's ones are: q >= 2^19, every 257th q.
constexpr std::size_t kSparseFrom = std::size_t{1} << 19;
constexpr std::size_t kSparseStep = 257;

// Ones of the sparse pattern at q < m, for m <= kPatternPeriod: the multiples of 257 in
// [2^19, m), that is those below m less those below 2^19.
constexpr std::size_t sparse_ones_before(std::size_t m) {
  const auto multiples_below = [](std::size_t end) {
    return (end + kSparseStep - 1) / kSparseStep;
  };
  return m <= kSparseFrom ? 0 : multiples_below(m) - multiples_below(kSparseFrom);
}

// Ones of the sparse pattern at i < n.
constexpr std::size_t sparse_ones_below(std::size_t n) {
  return n / kPatternPeriod * sparse_ones_before(kPatternPeriod) +
         sparse_ones_before(n % kPatternPeriod);
}

// What the top of large_arrays.hpp works out, checked by the compiler: every value a grader
// compares is an integer or a half that float holds exactly (24 significant bits).
constexpr std::size_t kTwoTo24 = std::size_t{1} << 24;
static_assert(kPatternPeriod % ((std::size_t{2} << 20) / sizeof(float)) == 0,
              "a multiple of 2 MiB of floats: the chunk can be mapped back to back");
static_assert((std::size_t{1} << 31) % kPatternPeriod == std::size_t{1} << 19 &&
                  (std::size_t{1} << 32) % kPatternPeriod == std::size_t{1} << 20,
              "a wrap at 2^31 or 2^32 elements lands 2^19 or 2^20 elements away in the period");
static_assert(3 * (kPatternPeriod - 1) + 1 < kTwoTo24, "1.2: c = (q + 1) + 2q");
static_assert(9 * (kPatternPeriod - 1) + 5 < kTwoTo24, "2.1: 2y = 2 (2.5 (q + 1) + 2q), y a half");
static_assert(sparse_ones_below(kPast2To31Elements) < kTwoTo24,
              "3.3: every partial sum of 0s and 1s is an integer below 2^24");
static_assert(sparse_ones_below(kPast2To31Elements) == 5573091 &&
                  sparse_ones_below(kPast2To31Elements) - sparse_ones_below(std::size_t{1} << 31) ==
                      3891,
              "the figures quoted in large_arrays.hpp");

// The patterns at q = i mod kPatternPeriod.
float value_at(Pattern pattern, std::size_t q) {
  switch (pattern) {
    case Pattern::counting:
      return static_cast<float>(q + 1);
    case Pattern::even:
      return static_cast<float>(2 * q);
    case Pattern::sparse:
      return q >= kSparseFrom && q % kSparseStep == 0 ? 1.0f : 0.0f;
  }
  return 0.0f;
}

// Sum over q in [0, m), m <= kPatternPeriod, exactly.
double prefix_sum(Pattern pattern, std::size_t m) {
  const double count = static_cast<double>(m);
  switch (pattern) {
    case Pattern::counting:  // 1 + 2 + ... + m
      return count * (count + 1) / 2;
    case Pattern::even:  // 0 + 2 + ... + 2(m - 1)
      return count * (count - 1);
    case Pattern::sparse:
      return static_cast<double>(sparse_ones_before(m));
  }
  return 0;
}

// body(begin, end) over [0, n), split across the host's cores. `body` must not throw.
void parallel_for(std::size_t n, const std::function<void(std::size_t, std::size_t)>& body) {
  const unsigned workers = std::clamp(std::thread::hardware_concurrency(), 1u, 32u);
  if (workers == 1 || n < (std::size_t{1} << 16)) {
    body(0, n);
    return;
  }
  const std::size_t per_worker = (n + workers - 1) / workers;
  std::vector<std::thread> threads;
  try {
    for (std::size_t begin = 0; begin < n; begin += per_worker)
      threads.emplace_back(body, begin, std::min(n, begin + per_worker));
  } catch (...) {
    for (std::thread& thread : threads)
      thread.join();  // a std::thread destroyed while joinable would terminate the grader
    throw;
  }
  for (std::thread& thread : threads)
    thread.join();
}

// A part of a case this GPU cannot run: a note for the scoreboard, or a skip where the case is
// required (see allocate_large_case).
void note_case_not_run(const std::string& line) {
  const char* required = std::getenv("COURSE_LARGE_CASES_REQUIRED");
  if (required != nullptr && std::strcmp(required, "1") == 0) {
    not_graded_here(line + " (COURSE_LARGE_CASES_REQUIRED=1: not graded)");
  } else {
    note_not_run(line);
  }
}

}  // namespace

float pattern_value(Pattern pattern, std::size_t i) {
  return value_at(pattern, i % kPatternPeriod);
}

double pattern_sum(Pattern pattern, std::size_t n) {
  const std::size_t periods = n / kPatternPeriod;
  return static_cast<double>(periods) * prefix_sum(pattern, kPatternPeriod) +
         prefix_sum(pattern, n % kPatternPeriod);
}

std::string describe(Pattern pattern, const std::string& name) {
  const std::string q = ", q = i mod " + std::to_string(kPatternPeriod);
  switch (pattern) {
    case Pattern::counting:
      return name + "[i] = q + 1" + q;
    case Pattern::even:
      return name + "[i] = 2q" + q;
    case Pattern::sparse:
      return name + "[i] = 1 where q >= 2^19 and q % 257 == 0, else 0" + q;
  }
  return name;
}

LargeCaseTurn::LargeCaseTurn() {
  const char* directory = std::getenv("TMPDIR");
  const std::string path =
      std::string(directory != nullptr && *directory != '\0' ? directory : "/tmp") +
      "/course-large-cases.lock";
  // Read-only is enough for flock, and works on a lock file that another user created.
  descriptor_ = ::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0666);
  if (descriptor_ < 0)
    return;  // no turns: the free-memory check and the out-of-memory fallback still apply
  while (::flock(descriptor_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      release();
      return;
    }
  }
}

LargeCaseTurn::~LargeCaseTurn() {
  release();
}

LargeCaseTurn::LargeCaseTurn(LargeCaseTurn&& other) noexcept
    : descriptor_(std::exchange(other.descriptor_, -1)) {}

LargeCaseTurn& LargeCaseTurn::operator=(LargeCaseTurn&& other) noexcept {
  if (this != &other) {
    release();
    descriptor_ = std::exchange(other.descriptor_, -1);
  }
  return *this;
}

void LargeCaseTurn::release() noexcept {
  if (descriptor_ < 0)
    return;
  ::close(descriptor_);  // also releases the lock
  descriptor_ = -1;
}

std::string PatternComparison::summary() const {
  std::ostringstream text;
  if (ok()) {
    text << "all " << count << " elements right";
    return text.str();
  }
  text << mismatches << " of " << count << " elements differ";
  if (untouched > 0)
    text << " (" << untouched << " never written)";
  text << ", the first at index " << first_index;
  const std::size_t two_to_31 = std::size_t{1} << 31;
  if (first_index >= two_to_31)
    text << " = 2^31 + " << first_index - two_to_31;
  text << ": got ";
  text.precision(9);
  if (is_poison(first_actual)) {
    text << "<never written>";
  } else {
    text << first_actual;
  }
  text << ", expected " << first_expected;
  return text.str();
}

namespace {

// One period of `pattern` (or the first n elements, when fewer) in host memory.
std::vector<float> one_period(Pattern pattern, std::size_t n) {
  std::vector<float> values(std::min(n, kPatternPeriod));
  for (std::size_t q = 0; q < values.size(); ++q)
    values[q] = value_at(pattern, q);
  return values;
}

// Number of copies of the period a mapped input of n floats needs: enough to cover n, and one
// more for reads a little past the end.
std::size_t mapped_copies(std::size_t n) {
  return (n + kPatternPeriod - 1) / kPatternPeriod + 1;
}

}  // namespace

PeriodicInput::PeriodicInput(Pattern pattern, std::size_t n, bool mapped)
    : pattern_(pattern), n_(n) {
  if (mapped) {
    mapped_.emplace(kPatternPeriod * sizeof(float), mapped_copies(n));
    // One write to the chunk fills every copy.
    const std::vector<float> period = one_period(pattern, kPatternPeriod);
    COURSE_CUDA_CHECK(cudaMemcpy(mapped_->data(), period.data(), period.size() * sizeof(float),
                                 cudaMemcpyHostToDevice));
  } else {
    array_ = DeviceArray<float>(n);
    fill_with_pattern(array_.data(), n, pattern);
  }
}

const float* PeriodicInput::data() const noexcept {
  return mapped_ ? static_cast<const float*>(mapped_->data()) : array_.data();
}

std::size_t PeriodicInput::device_bytes(std::size_t n, bool mapped) {
  return mapped ? kPatternPeriod * sizeof(float) : n * sizeof(float);
}

PatternComparison PeriodicInput::compare_with_pattern() const {
  // 0 x p(i) + p(i) = p(i), exactly.
  return compare_with_pattern_sum(data(), mapped_ ? std::min(n_, kPatternPeriod) : n_, 0.0f,
                                  pattern_, pattern_);
}

bool inputs_can_be_mapped(std::string* why) {
  const VirtualMemorySupport& support = virtual_memory_support();
  std::string reason;
  if (!support.supported) {
    reason = support.reason;
  } else if ((kPatternPeriod * sizeof(float)) % support.granularity != 0) {
    reason = "the allocation granularity, " + format_bytes(support.granularity) +
             ", does not divide the inputs' period of " +
             format_bytes(kPatternPeriod * sizeof(float));
  }
  if (why != nullptr)
    *why = reason;
  return reason.empty();
}

std::optional<LargeCase> allocate_large_case(std::size_t n, const std::vector<Pattern>& inputs,
                                             const std::vector<std::size_t>& output_counts,
                                             const std::string& who) {
  std::string why_not_mapped;
  const bool mapped = inputs.empty() || inputs_can_be_mapped(&why_not_mapped);
  const std::size_t input_bytes = inputs.size() * PeriodicInput::device_bytes(n, mapped);
  std::size_t output_bytes = 0;
  for (const std::size_t count : output_counts)
    output_bytes += count * sizeof(float);
  const std::size_t needed = input_bytes + output_bytes + kSpareBytes;
  const std::string not_run = who + "the 2^31+ case was not run: ";

  // The other tests of a grading run share the GPU (CTest runs them in parallel), and their
  // memory comes and goes within seconds: on a card that could hold the case (its total memory is
  // enough), wait for it, until kWaitForMemory after the grader's start, rather than give up at
  // the first look. On a card too small it is not run at once.
  const auto deadline = kGraderStart + kWaitForMemory;
  const auto waiting = [&] {
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    return true;
  };
  const std::string waited =
      " (after waiting for other programs to free GPU memory, up to " +
      std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kWaitForMemory).count()) +
      " s from the grader's start)";
  for (;;) {
    std::size_t free_bytes = 0;
    std::size_t total_bytes = 0;
    COURSE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
    if (free_bytes < needed) {
      if (total_bytes >= needed && waiting())
        continue;
      std::string why = "needs " + format_bytes(needed) + " of GPU memory (" +
                        format_bytes(output_bytes) + " of outputs, " + format_bytes(input_bytes) +
                        (mapped ? " of mapped inputs, " : " of inputs, ") +
                        format_bytes(kSpareBytes) + " to spare), " + format_bytes(free_bytes) +
                        " free of " + format_bytes(total_bytes);
      if (total_bytes >= needed)
        why += waited;
      if (!mapped)
        why += "; inputs take real memory here: " + why_not_mapped;
      note_case_not_run(not_run + why);
      return std::nullopt;
    }
    std::string out_of_memory;
    {
      LargeCase arrays;
      try {
        for (const Pattern pattern : inputs)
          arrays.inputs.emplace_back(pattern, n, mapped);
        for (const std::size_t count : output_counts)
          arrays.outputs.emplace_back(count);
        return arrays;
      } catch (const OutOfMemory& error) {
        // Another process took the memory between the check and the allocation.
        out_of_memory = error.what();
      } catch (const DriverError& error) {
        if (error.code() != CUDA_ERROR_OUT_OF_MEMORY)
          throw;
        out_of_memory = error.what();
      }
    }  // what was allocated is freed here, before waiting
    if (waiting())
      continue;
    note_case_not_run(not_run + out_of_memory + waited);
    return std::nullopt;
  }
}

void fill_with_pattern(float* device, std::size_t n, Pattern pattern) {
  if (n == 0)
    return;
  // One period from the host, then copies of what is filled: every copy starts at a multiple of
  // the period, so element i receives element i mod kPatternPeriod's value. About a dozen
  // device-to-device copies for 8 GiB.
  const std::vector<float> period = one_period(pattern, n);
  COURSE_CUDA_CHECK(
      cudaMemcpy(device, period.data(), period.size() * sizeof(float), cudaMemcpyHostToDevice));
  for (std::size_t filled = period.size(); filled < n;) {
    const std::size_t count = std::min(filled, n - filled);
    COURSE_CUDA_CHECK(
        cudaMemcpy(device + filled, device, count * sizeof(float), cudaMemcpyDeviceToDevice));
    filled += count;
  }
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
}

PatternComparison compare_with_pattern_sum(const float* device, std::size_t n, float scale,
                                           Pattern scaled, Pattern added,
                                           std::optional<Pattern> initial) {
  PatternComparison total;
  total.count = n;
  if (n == 0)
    return total;
  PinnedArray<float> staging(std::min(n, kChunkElements));
  const float* const host = staging.data();
  std::mutex merge_mutex;
  for (std::size_t first = 0; first < n; first += staging.size()) {
    const std::size_t count = std::min(staging.size(), n - first);
    COURSE_CUDA_CHECK(
        cudaMemcpy(staging.data(), device + first, count * sizeof(float), cudaMemcpyDeviceToHost));
    parallel_for(count, [&](std::size_t begin, std::size_t end) {
      PatternComparison part;
      std::size_t q = (first + begin) % kPatternPeriod;  // stepped, not divided, per element
      for (std::size_t j = begin; j < end; ++j, q = q + 1 == kPatternPeriod ? 0 : q + 1) {
        // Exact: every term and the result are integers or halves below 2^24 (top of the file).
        const double expected = static_cast<double>(scale) * value_at(scaled, q) +
                                static_cast<double>(value_at(added, q));
        const float actual = host[j];
        if (static_cast<double>(actual) == expected)
          continue;
        if (part.mismatches == 0) {
          part.first_index = first + j;
          part.first_actual = actual;
          part.first_expected = expected;
        }
        ++part.mismatches;
        if (is_poison(actual) || (initial && actual == value_at(*initial, q)))
          ++part.untouched;
      }
      if (part.mismatches == 0)
        return;
      const std::lock_guard<std::mutex> lock(merge_mutex);
      if (total.mismatches == 0 || part.first_index < total.first_index) {
        total.first_index = part.first_index;
        total.first_actual = part.first_actual;
        total.first_expected = part.first_expected;
      }
      total.mismatches += part.mismatches;
      total.untouched += part.untouched;
    });
  }
  return total;
}

std::size_t count_overwritten(const float* device, std::size_t first, std::size_t count) {
  std::vector<float> host(count);
  if (count > 0) {
    COURSE_CUDA_CHECK(
        cudaMemcpy(host.data(), device + first, count * sizeof(float), cudaMemcpyDeviceToHost));
  }
  return static_cast<std::size_t>(
      std::count_if(host.begin(), host.end(), [](float value) { return !is_poison(value); }));
}

}  // namespace course::grading
