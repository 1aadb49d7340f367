// What every chapter's benchmark program shares, and the one pattern each benchmark follows:
//
//   void BM_something(benchmark::State& state) {
//     course::bench::run_on_gpu(state, [&] {              // no GPU, or an exception: an error
//       ... inputs (random_inputs) and device buffers, outside the timed region ...
//       course::bench::time_gpu_iterations(state, work);  // warm-up, then event-timed iterations
//       ... the result back on the host ...
//       if (course::bench::check_result(state, "c", n, actual, expected))  // against the CPU
//         course::bench::report_rates(state, bytes, items);
//     });
//   }
//
// A wrong result ends the benchmark with SkipWithError("wrong result: ..."), so it never reports a
// rate; run_benchmarks() (every program's main) then exits non-zero. CPU benchmarks follow the
// same pattern without run_on_gpu.
#pragma once

#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "course/error.hpp"
#include "course/timer.hpp"

namespace course::bench {

/// The start of the error message of a benchmark that could not run for want of a GPU. Such
/// errors alone make the program exit with 4 ("not measured"), like a grader that could not run.
inline constexpr const char* kNoGpuPrefix = "no GPU: ";

/// False (and the benchmark marked with "no GPU: <reason>") when no GPU can be used.
bool require_gpu(benchmark::State& state);

/// The body of every GPU benchmark: runs `body` when a GPU can be used, and turns an exception
/// (a COURSE_TODO still in the exercise, a CUDA error, an allocation that failed) into the
/// benchmark's error message instead of ending the program.
template <typename Body>
void run_on_gpu(benchmark::State& state, Body&& body) {
  if (!require_gpu(state))
    return;
  try {
    body();
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

/// Records one iteration's GPU time, measured with CUDA events, for UseManualTime() benchmarks.
void set_iteration_time_ms(benchmark::State& state, float ms);

/// Runs `work` once untimed (warm-up, and the first chance to throw), then once per iteration
/// between two CUDA events on `stream`. Exceptions propagate to the caller.
template <typename Work>
void time_gpu_iterations(benchmark::State& state, Work&& work, cudaStream_t stream = nullptr) {
  work();
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream));
  GpuTimer timer(stream);
  for (auto _ : state) {
    timer.start();
    work();
    timer.stop();
    set_iteration_time_ms(state, timer.elapsed_ms());
  }
}

/// n random floats in [-1, 1) for `seed`, generated once per size and seed. Google Benchmark
/// calls a benchmark several times per size (to choose an iteration count) and runs the sizes in
/// order, so only the current size is kept: regenerating 256 MiB per call would dominate the run.
const std::vector<float>& random_inputs(std::size_t n, std::uint64_t seed);

/// Sets bytes_per_second and items_per_second from the work of one iteration. With
/// UseManualTime() the rates are computed against the GPU time.
void report_rates(benchmark::State& state, std::int64_t bytes_per_iteration,
                  std::int64_t items_per_iteration);

/// "2^26" for a power of two from 2^10 up, the plain number otherwise: for size labels
/// (state.SetLabel), which the results pages show.
std::string count_text(std::size_t n);

/// How close a result must be to the CPU reference. An element passes when
/// |actual - expected| <= atol + rtol * |expected|; a result passes when at most
/// `allowed_fraction` of the checked elements fail (0: none may).
struct CheckRule {
  double atol = 0;              ///< absolute tolerance
  double rtol = 0;              ///< relative tolerance, a fraction of |expected|
  double allowed_fraction = 0;  ///< of the checked elements that may differ (rounding, FMA)
};

/// The float rule: a GPU result within a few roundings of a double-precision reference.
inline constexpr CheckRule kFloatRule{1e-6, 1e-5, 0};

/// Results with at most this many elements are checked in full; larger ones on a sample.
inline constexpr std::size_t kFullCheckLimit = std::size_t{1} << 20;

/// The indices a check looks at: all of them up to kFullCheckLimit; otherwise the first and last
/// 1024 (where bounds mistakes show) and one pseudo-random index in each of 65536 equal slices
/// (every part of the array, every block of a launch). Sorted, without duplicates.
std::vector<std::size_t> indices_to_check(std::size_t n);

/// Collects the comparisons of one check and says what went wrong. Used by check_result().
class ResultCheck {
 public:
  ResultCheck(std::string what, std::size_t size, CheckRule rule);
  /// Compares element `index`: the benchmark's `actual` value with the reference's `expected`.
  void compare(std::size_t index, double actual, double expected);
  /// True when the result passes; otherwise ends the benchmark with
  /// SkipWithError("wrong result: ...") naming the first element that differs.
  bool passed(benchmark::State& state) const;

 private:
  std::string what_;
  std::size_t size_;
  CheckRule rule_;
  std::size_t checked_ = 0;
  std::size_t failed_ = 0;
  std::size_t first_index_ = 0;
  double first_actual_ = 0;
  double first_expected_ = 0;
};

/// The check every benchmark ends with: compares `actual(i)` (the benchmark's result, on the
/// host) with `expected(i)` (a CPU reference, computed here and only at the checked indices) at
/// indices_to_check(n). True when the result is right; otherwise the benchmark has been ended with
/// "wrong result: <what>[i] = x, expected y ..." and must not report a rate.
template <typename Actual, typename Expected>
bool check_result(benchmark::State& state, std::string what, std::size_t n, Actual&& actual,
                  Expected&& expected, CheckRule rule = kFloatRule) {
  ResultCheck check(std::move(what), n, rule);
  for (const std::size_t i : indices_to_check(n))
    check.compare(i, static_cast<double>(actual(i)), static_cast<double>(expected(i)));
  return check.passed(state);
}

/// The main() of every benchmark program: initialises Google Benchmark, records the machine (GPU,
/// driver, CUDA versions, measured copy bandwidth, OS, which exercises were linked) on stderr and
/// in the JSON output's context, and runs the selected benchmarks. Returns the process's exit
/// code: 0 when every benchmark ran and reported; 4 when the only errors were "no GPU"; 1 when any
/// benchmark reported another error (a wrong result, an exception) or the filter matched nothing.
int run_benchmarks(int argc, char** argv, const char* program);

}  // namespace course::bench
