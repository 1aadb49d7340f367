/// @file timer.hpp
/// @brief Timing GPU work properly: CUDA events, warm-up, the median of repetitions.
///
/// A kernel launch returns before the kernel has run, so a host clock read right after it
/// measures the launch, not the work. Events are recorded into the stream and timestamped by
/// the GPU itself when the stream reaches them.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <functional>
#include <vector>

#include "course/stream.hpp"

namespace course {

/// Times one region of GPU work on a stream with a pair of events.
///
///     course::GpuTimer timer;
///     timer.start();
///     my_kernel<<<grid, block>>>(...);
///     timer.stop();
///     float ms = timer.elapsed_ms();   // waits for the kernel
class GpuTimer {
 public:
  /// A timer for work queued on `stream` (0: the default stream).
  explicit GpuTimer(cudaStream_t stream = nullptr) : stream_(stream) {}
  /// Records the start event on the stream; returns at once.
  void start();
  /// Records the stop event on the stream; returns at once.
  /// @throws std::logic_error when start() was not called first.
  void stop();
  /// Milliseconds between start() and stop(); blocks until stop() has been reached.
  /// @throws std::logic_error when start() and stop() were not both called.
  [[nodiscard]] float elapsed_ms() const;

 private:
  cudaStream_t stream_;
  Event start_;
  Event stop_;
  bool started_ = false;
  bool stopped_ = false;
};

/// How a timing was taken and what it gave.
struct Timing {
  double median_ms = 0;  ///< the figure to report
  double min_ms = 0;     ///< the fastest run
  double max_ms = 0;     ///< the slowest run
  int repetitions = 0;   ///< how many runs were timed
};

/// Options for time_gpu() and time_cpu().
struct TimingOptions {
  int warmup = 3;        ///< untimed runs first: module loading, caches, clocks ramping up
  int repetitions = 20;  ///< timed runs; the median is robust to the odd slow one
};

/// Runs `work` (which queues GPU work on `stream`) warmup + repetitions times and times each
/// run with events. Returns the median. Throws whatever `work` throws.
/// @throws std::invalid_argument when `work` is empty, warmup < 0 or repetitions < 1.
[[nodiscard]] Timing time_gpu(const std::function<void()>& work, const TimingOptions& options = {},
                              cudaStream_t stream = nullptr);

/// Runs `work` on the CPU and times each run with a steady host clock.
/// @throws std::invalid_argument when `work` is empty, warmup < 0 or repetitions < 1.
[[nodiscard]] Timing time_cpu(const std::function<void()>& work, const TimingOptions& options = {});

/// The median of a list of numbers (the list is copied); 0 for an empty list.
/// @throws std::invalid_argument when a value is NaN.
[[nodiscard]] double median(std::vector<double> values);

}  // namespace course
