// Event-based GPU timing and steady-clock CPU timing, both reporting the median.
#include "course/timer.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>

#include "course/device_info.hpp"

namespace course {

double median(std::vector<double> values) {
  if (values.empty())
    return 0.0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : 0.5 * (values[mid - 1] + values[mid]);
}

namespace {

void validate(const TimingOptions& options) {
  if (options.warmup < 0 || options.repetitions < 1) {
    throw std::invalid_argument("TimingOptions: warmup must be >= 0 and repetitions >= 1");
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
  validate(options);
  std::unique_ptr<L2Flusher> flusher;
  if (options.flush_l2)
    flusher = std::make_unique<L2Flusher>();
  for (int i = 0; i < options.warmup; ++i)
    work();
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream));

  Event start;
  Event stop;
  std::vector<double> samples;
  samples.reserve(options.repetitions);
  for (int i = 0; i < options.repetitions; ++i) {
    if (flusher != nullptr)
      flusher->flush(stream);
    start.record(stream);
    work();
    stop.record(stream);
    samples.push_back(elapsed_ms(start, stop));
  }
  return summarise(samples);
}

Timing time_cpu(const std::function<void()>& work, const TimingOptions& options) {
  validate(options);
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

L2Flusher::L2Flusher() : scratch_(2 * std::max<std::size_t>(device_info().l2_cache_bytes, 1)) {}

void L2Flusher::flush(cudaStream_t stream) {
  COURSE_CUDA_CHECK(cudaMemsetAsync(scratch_.data(), 0, scratch_.bytes(), stream));
}

}  // namespace course
