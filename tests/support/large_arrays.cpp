// Past-2^31 correctness cases: chunked, multi-threaded filling and checking of device arrays.
#include "large_arrays.hpp"

#include <cuda_runtime_api.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
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
// Left free for the CUDA context, the other tests of a parallel ctest run and the display.
constexpr std::size_t kSpareBytes = 2 * kGiB;

std::string gib(std::size_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / kGiB);
  return text;
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

float high_bits(std::size_t i) {
  return static_cast<float>(i >> 16);
}

float low_bits(std::size_t i) {
  return static_cast<float>(i & 0xFFFF);
}

}  // namespace

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

std::vector<DeviceArray<float>> allocate_large_case(const std::vector<std::size_t>& counts,
                                                    const std::string& who) {
  std::size_t device_bytes = 0;
  for (const std::size_t count : counts)
    device_bytes += count * sizeof(float);
  const std::string not_run = who + "the 2^31+ case was not run: ";
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  COURSE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (free_bytes < device_bytes + kSpareBytes) {
    not_graded_here(not_run + "needs " + gib(device_bytes + kSpareBytes) + " of GPU memory (" +
                    gib(device_bytes) + " of arrays and " + gib(kSpareBytes) + " to spare), " +
                    gib(free_bytes) + " free of " + gib(total_bytes));
    return {};
  }
  std::vector<DeviceArray<float>> arrays;
  try {
    for (const std::size_t count : counts)
      arrays.emplace_back(count);
  } catch (const OutOfMemory& error) {
    // Another process took the memory between the check and the allocation.
    not_graded_here(not_run + error.what());
    return {};
  }
  return arrays;
}

void fill_with_pattern(float* device, std::size_t n, Pattern pattern) {
  if (n == 0)
    return;
  PinnedArray<float> staging(std::min(n, kChunkElements));
  float* const host = staging.data();
  for (std::size_t first = 0; first < n; first += staging.size()) {
    const std::size_t count = std::min(staging.size(), n - first);
    parallel_for(count, [&](std::size_t begin, std::size_t end) {
      if (pattern == Pattern::high_bits) {
        for (std::size_t j = begin; j < end; ++j)
          host[j] = high_bits(first + j);
      } else {
        for (std::size_t j = begin; j < end; ++j)
          host[j] = low_bits(first + j);
      }
    });
    COURSE_CUDA_CHECK(
        cudaMemcpy(device + first, host, count * sizeof(float), cudaMemcpyHostToDevice));
  }
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

PatternComparison compare_with_pattern_sum(const float* device, std::size_t n, float scale) {
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
      for (std::size_t j = begin; j < end; ++j) {
        const std::size_t i = first + j;
        // Exact: every term and the result are integers or halves below 2^24.
        const double expected =
            static_cast<double>(scale) * high_bits(i) + static_cast<double>(low_bits(i));
        const float actual = host[j];
        if (static_cast<double>(actual) == expected)
          continue;
        if (part.mismatches == 0) {
          part.first_index = i;
          part.first_actual = actual;
          part.first_expected = expected;
        }
        ++part.mismatches;
        if (is_poison(actual))
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
