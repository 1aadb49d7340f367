// Event-based GPU timing and steady-clock CPU timing, both reporting the median.
#include "course/timer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

#include "course/error.hpp"

namespace course {

double median(std::vector<double> values) {
  if (values.empty())
    return 0.0;
  // NaN breaks the ordering std::sort relies on: the "median" would be arbitrary.
  if (std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); }))
    throw std::invalid_argument("median: the values contain NaN");
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

namespace {

void validate(const std::function<void()>& work, const TimingOptions& options, const char* caller) {
  if (!work)
    throw std::invalid_argument(std::string(caller) + ": the work to time is empty");
  if (options.warmup < 0 || options.repetitions < 1) {
    throw std::invalid_argument(std::string(caller) +
                                ": TimingOptions needs warmup >= 0 and repetitions >= 1, not "
                                "warmup " +
                                std::to_string(options.warmup) + " and repetitions " +
                                std::to_string(options.repetitions));
  }
}

Timing summarise(const std::vector<double>& samples) {
  Timing timing;
  timing.median_ms = median(samples);
  timing.min_ms = *std::min_element(samples.begin(), samples.end());
  timing.max_ms = *std::max_element(samples.begin(), samples.end());
  timing.repetitions = static_cast<int>(samples.size());
  return timing;
}

}  // namespace

Timing time_gpu(const std::function<void()>& work, const TimingOptions& options,
                cudaStream_t stream) {
  validate(work, options, "time_gpu");
  for (int i = 0; i < options.warmup; ++i)
    work();
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream));

  Event start;
  Event stop;
  std::vector<double> samples;
  samples.reserve(options.repetitions);
  for (int i = 0; i < options.repetitions; ++i) {
    start.record(stream);
    work();
    stop.record(stream);
    samples.push_back(elapsed_ms(start, stop));
  }
  return summarise(samples);
}

Timing time_cpu(const std::function<void()>& work, const TimingOptions& options) {
  validate(work, options, "time_cpu");
  for (int i = 0; i < options.warmup; ++i)
    work();
  std::vector<double> samples;
  samples.reserve(options.repetitions);
  for (int i = 0; i < options.repetitions; ++i) {
    const auto begin = std::chrono::steady_clock::now();
    work();
    const auto end = std::chrono::steady_clock::now();
    samples.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
  }
  return summarise(samples);
}

void GpuTimer::start() {
  start_.record(stream_);
  started_ = true;
  stopped_ = false;
}

void GpuTimer::stop() {
  if (!started_)
    throw std::logic_error("GpuTimer::stop called before start");
  stop_.record(stream_);
  stopped_ = true;
}

float GpuTimer::elapsed_ms() const {
  if (!started_ || !stopped_)
    throw std::logic_error("GpuTimer::elapsed_ms needs start() and then stop() first");
  return course::elapsed_ms(start_, stop_);
}

}  // namespace course
