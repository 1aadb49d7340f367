#include "bench_support.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "course/course.hpp"

#ifndef COURSE_BENCH_EXERCISES
#define COURSE_BENCH_EXERCISES "unknown"
#endif

namespace course::bench {
namespace {

// ---- the machine ------------------------------------------------------------------------------

/// The NVIDIA driver's version ("580.159.04"), from NVML, which ships with the driver (what
/// nvidia-smi reports). Loaded at run time, not linked: a program linked against NVML would not
/// even start on a machine without the driver, and the benchmarks must say "no GPU" there.
std::string nvidia_driver_version() {
  void* nvml = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (nvml != nullptr) {
    using Init = int (*)();
    using GetDriverVersion = int (*)(char*, unsigned);
    using Shutdown = int (*)();
    auto init = reinterpret_cast<Init>(dlsym(nvml, "nvmlInit_v2"));
    auto get_version =
        reinterpret_cast<GetDriverVersion>(dlsym(nvml, "nvmlSystemGetDriverVersion"));
    auto shutdown = reinterpret_cast<Shutdown>(dlsym(nvml, "nvmlShutdown"));
    std::string version;
    if (init != nullptr && get_version != nullptr && shutdown != nullptr && init() == 0) {
      char text[96] = {};
      if (get_version(text, sizeof text) == 0)  // NVML_SUCCESS
        version = text;
      shutdown();
    }
    dlclose(nvml);
    if (!version.empty())
      return version;
  }
  // The kernel module's own line: "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04 ...".
  std::ifstream proc("/proc/driver/nvidia/version");
  std::string line;
  if (std::getline(proc, line)) {
    const std::string marker = "Kernel Module";
    const auto at = line.find(marker);
    if (at != std::string::npos) {
      const auto start = line.find_first_not_of(' ', at + marker.size());
      if (start != std::string::npos)
        return line.substr(start, line.find(' ', start) - start);
    }
  }
  return "unknown";
}

/// PRETTY_NAME from /etc/os-release ("Ubuntu 24.04.1 LTS").
std::string operating_system() {
  std::ifstream file("/etc/os-release");
  std::string line;
  const std::string key = "PRETTY_NAME=";
  while (std::getline(file, line)) {
    if (line.rfind(key, 0) == 0) {
      std::string value = line.substr(key.size());
      value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
      return value;
    }
  }
  return "unknown";
}

/// Records a key in the JSON context and prints it on stderr.
void record(const std::string& key, const std::string& value) {
  benchmark::AddCustomContext(key, value);
  std::fprintf(stderr, "  %s: %s\n", key.c_str(), value.c_str());
}

/// The machine the figures come from, on stderr and in the JSON output's context
/// (benchmarks/figures.py reads these keys to state where a results page was measured).
void describe_machine(const char* program) {
  std::fprintf(stderr, "%s: the machine\n", program);
  record("course_exercises", COURSE_BENCH_EXERCISES);
  record("os", operating_system());
  int runtime_version = 0;
  if (cudaRuntimeGetVersion(&runtime_version) == cudaSuccess)
    record("cuda_runtime", cuda_version_text(runtime_version));
  int driver_api_version = 0;
  if (cudaDriverGetVersion(&driver_api_version) == cudaSuccess && driver_api_version > 0)
    record("cuda_driver_supports", cuda_version_text(driver_api_version));
  const GpuStatus& status = gpu_status();
  if (!status.usable) {
    record("gpu", std::string(kNoGpuPrefix) + status.summary);
    std::fprintf(stderr, "%s: %s Only the CPU benchmarks can run here.\n", program,
                 status.detail.c_str());
    return;
  }
  record("nvidia_driver", nvidia_driver_version());
  try {
    const DeviceInfo& info = device_info();
    record("gpu", describe(info));
    record("gpu_name", info.name);
    record("gpu_compute_capability",
           std::to_string(info.compute_major) + "." + std::to_string(info.compute_minor));
    record("gpu_sm_count", std::to_string(info.sm_count));
    record("gpu_memory_MiB", std::to_string(info.total_memory_bytes >> 20));
    char copy[32];
    std::snprintf(copy, sizeof copy, "%.0f", measured_copy_bandwidth() / 1e9);
    record("copy_bandwidth_GBps", copy);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: could not describe the GPU: %s\n", program, e.what());
  }
}

// ---- errors and the exit code -----------------------------------------------------------------

// Google Benchmark 1.7 marks a failed run with error_occurred and error_message; 1.8 with skipped
// (an enum that also has SkippedWithMessage, which is not an error) and skip_message.
template <typename Run>
auto error_of(const Run& run, int) -> decltype(run.error_message, std::string()) {
  return run.error_occurred ? run.error_message : std::string();
}
template <typename Run>
auto error_of(const Run& run, long) -> decltype(run.skip_message, std::string()) {
  using Skipped = decltype(run.skipped);
  return run.skipped == Skipped::SkippedWithError ? run.skip_message : std::string();
}

/// The default display reporter (console, or what --benchmark_format chose), with the errors
/// counted on the way: SkipWithError alone leaves the exit code at 0.
class ErrorCountingReporter : public benchmark::BenchmarkReporter {
 public:
  explicit ErrorCountingReporter(benchmark::BenchmarkReporter* display) : display_(display) {}

  bool ReportContext(const Context& context) override { return display_->ReportContext(context); }

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      const std::string error = error_of(run, 0);
      if (error.empty())
        continue;
      const std::string name = run.benchmark_name();
      if (!failed_.insert(name).second)
        continue;  // the same benchmark again (repetitions)
      const bool no_gpu = error.rfind(kNoGpuPrefix, 0) == 0;
      if (!no_gpu && first_error_.empty())
        first_error_ = name + ": " + error;
      if (no_gpu && first_no_gpu_.empty())
        first_no_gpu_ = error;
      ++(no_gpu ? no_gpu_errors_ : other_errors_);
    }
    display_->ReportRuns(runs);
  }

  void Finalize() override { display_->Finalize(); }

  /// Prints a closing line about the errors (if any) and returns the exit code.
  int exit_code(const char* program) const {
    if (other_errors_ > 0) {
      std::fprintf(stderr,
                   "%s: %zu benchmark(s) reported an error, %zu for want of a GPU. First: %s\n",
                   program, other_errors_ + no_gpu_errors_, no_gpu_errors_, first_error_.c_str());
      return 1;
    }
    if (no_gpu_errors_ > 0) {
      std::fprintf(stderr, "%s: %zu benchmark(s) not measured (%s)\n", program, no_gpu_errors_,
                   first_no_gpu_.c_str());
      return 4;
    }
    return 0;
  }

 private:
  benchmark::BenchmarkReporter* display_;  // Google Benchmark's own (a function-local static)
  std::set<std::string> failed_;
  std::size_t other_errors_ = 0;
  std::size_t no_gpu_errors_ = 0;
  std::string first_error_;
  std::string first_no_gpu_;
};

std::string format_value(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

}  // namespace

// ---- what benchmarks call ---------------------------------------------------------------------

bool require_gpu(benchmark::State& state) {
  if (gpu_available())
    return true;
  const std::string reason = std::string(kNoGpuPrefix) + gpu_unavailable_reason();
  state.SkipWithError(reason.c_str());
  return false;
}

void set_iteration_time_ms(benchmark::State& state, float ms) {
  state.SetIterationTime(static_cast<double>(ms) / 1e3);
}

const std::vector<float>& random_inputs(std::size_t n, std::uint64_t seed) {
  static std::map<std::pair<std::size_t, std::uint64_t>, std::vector<float>> cache;
  for (auto entry = cache.begin(); entry != cache.end();) {
    entry = entry->first.first == n ? std::next(entry) : cache.erase(entry);
  }
  auto& values = cache[{n, seed}];
  if (values.size() != n)
    values = random_floats(n, seed);
  return values;
}

void report_rates(benchmark::State& state, std::int64_t bytes_per_iteration,
                  std::int64_t items_per_iteration) {
  const auto iterations = static_cast<std::int64_t>(state.iterations());
  state.SetBytesProcessed(iterations * bytes_per_iteration);
  state.SetItemsProcessed(iterations * items_per_iteration);
}

std::string count_text(std::size_t n) {
  if (n >= 1024 && (n & (n - 1)) == 0) {
    int exponent = 0;
    while ((std::size_t{1} << exponent) < n)
      ++exponent;
    return "2^" + std::to_string(exponent);
  }
  return std::to_string(n);
}

std::vector<std::size_t> indices_to_check(std::size_t n) {
  std::vector<std::size_t> indices;
  if (n <= kFullCheckLimit) {
    indices.resize(n);
    for (std::size_t i = 0; i < n; ++i)
      indices[i] = i;
    return indices;
  }
  constexpr std::size_t kEdge = 1024;
  constexpr std::size_t kSlices = 65536;
  indices.reserve(2 * kEdge + kSlices);
  for (std::size_t i = 0; i < kEdge; ++i) {
    indices.push_back(i);
    indices.push_back(n - 1 - i);
  }
  Random random(20261121);  // fixed: the same sample every run
  for (std::size_t slice = 0; slice < kSlices; ++slice) {
    const std::size_t begin = n / kSlices * slice;
    const std::size_t end = slice + 1 == kSlices ? n : n / kSlices * (slice + 1);
    indices.push_back(begin + static_cast<std::size_t>(random.uniform_int(
                                  0, static_cast<std::int64_t>(end - begin) - 1)));
  }
  std::sort(indices.begin(), indices.end());
  indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
  return indices;
}

ResultCheck::ResultCheck(std::string what, std::size_t size, CheckRule rule)
    : what_(std::move(what)), size_(size), rule_(rule) {}

void ResultCheck::compare(std::size_t index, double actual, double expected) {
  ++checked_;
  // Written so that NaN fails: every comparison with NaN is false.
  const bool close = std::fabs(actual - expected) <= rule_.atol + rule_.rtol * std::fabs(expected);
  if (close)
    return;
  if (failed_++ == 0) {
    first_index_ = index;
    first_actual_ = actual;
    first_expected_ = expected;
  }
}

bool ResultCheck::passed(benchmark::State& state) const {
  if (static_cast<double>(failed_) <= rule_.allowed_fraction * static_cast<double>(checked_))
    return true;
  std::string message = "wrong result: " + what_ + "[" + std::to_string(first_index_) +
                        "] = " + format_value(first_actual_) + ", expected " +
                        format_value(first_expected_) + " (" + std::to_string(failed_) + " of " +
                        std::to_string(checked_) + " checked elements differ";
  if (checked_ < size_)
    message += ", a sample of " + std::to_string(size_);
  if (rule_.allowed_fraction > 0)
    message += "; at most " + format_value(100 * rule_.allowed_fraction) + "% may";
  message += ")";
  state.SkipWithError(message.c_str());
  return false;
}

int run_benchmarks(int argc, char** argv, const char* program) {
  benchmark::Initialize(&argc, argv);  // handles --help and exits
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  describe_machine(program);
  ErrorCountingReporter reporter(benchmark::CreateDefaultDisplayReporter());
  const std::size_t matched = benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (matched == 0)
    return 1;  // Google Benchmark has said that the filter matched nothing
  return reporter.exit_code(program);
}

}  // namespace course::bench
