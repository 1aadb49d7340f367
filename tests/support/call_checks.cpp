// Checks of a student's call: honest timing, the roofline floor, fresh results, inputs left alone.
#include "call_checks.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/stream.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"
#include "launch_recorder.hpp"

namespace course::grading {

namespace {

std::string milliseconds_text(double ms) {
  return format_number(ms, 3) + " ms";
}

}  // namespace

namespace {

void check_timing_options(const course::TimingOptions& options) {
  if (options.warmup < 0 || options.repetitions < 1) {
    throw std::invalid_argument(
        "time_student: TimingOptions needs warmup >= 0 and repetitions >= 1, not warmup " +
        std::to_string(options.warmup) + " and repetitions " + std::to_string(options.repetitions));
  }
}

// One timed call: its time between the events on `stream`, and how long the whole device stayed
// busy after the stop event (on a host clock).
struct Sample {
  double timed_ms = 0;
  double tail_ms = 0;
};

Sample sample_once(const std::function<void()>& call, cudaStream_t stream, course::Event& start,
                   course::Event& stop) {
  start.record(stream);
  call();
  stop.record(stream);
  stop.synchronize();
  // The stop event has happened: work queued on `stream`, and on every stream that the legacy
  // default stream waits for, is done. Anything still running now was started by the call where
  // the events did not see it (a non-blocking stream, another thread).
  const auto stopped = std::chrono::steady_clock::now();
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  Sample sample;
  sample.tail_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - stopped).count();
  sample.timed_ms = course::elapsed_ms(start, stop);
  return sample;
}

StudentTiming summarise(const std::vector<double>& samples, const std::vector<double>& tails) {
  StudentTiming measured;
  measured.timing.median_ms = course::median(samples);
  measured.timing.min_ms = *std::min_element(samples.begin(), samples.end());
  measured.timing.max_ms = *std::max_element(samples.begin(), samples.end());
  measured.timing.repetitions = static_cast<int>(samples.size());
  measured.tail_ms = course::median(tails);
  return measured;
}

}  // namespace

StudentTiming measure_student(const std::function<void()>& call,
                              const course::TimingOptions& options, cudaStream_t stream) {
  if (!call)
    throw std::invalid_argument("time_student: the call to time is empty");
  check_timing_options(options);
  for (int i = 0; i < options.warmup; ++i)
    call();
  // Everything, on every stream: the first timed call starts on an idle device.
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());

  course::Event start;
  course::Event stop;
  std::vector<double> samples;
  std::vector<double> tails;  // how long the device stayed busy after the stop event
  samples.reserve(options.repetitions);
  tails.reserve(options.repetitions);
  for (int i = 0; i < options.repetitions; ++i) {
    const Sample sample = sample_once(call, stream, start, stop);
    samples.push_back(sample.timed_ms);
    tails.push_back(sample.tail_ms);
  }
  return summarise(samples, tails);
}

std::vector<std::size_t> interleaved_order(std::size_t calls, int rounds) {
  std::vector<std::size_t> order;
  order.reserve(calls * static_cast<std::size_t>(std::max(rounds, 0)));
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t call = 0; call < calls; ++call)
      order.push_back(call);
  }
  return order;
}

std::vector<StudentTiming> measure_interleaved(const std::vector<InterleavedCall>& calls,
                                               const course::TimingOptions& options) {
  if (calls.empty())
    throw std::invalid_argument("time_interleaved: no calls to time");
  for (const InterleavedCall& call : calls) {
    if (!call.call)
      throw std::invalid_argument("time_interleaved: the call \"" + call.what + "\" is empty");
  }
  check_timing_options(options);
  for (const std::size_t index : interleaved_order(calls.size(), options.warmup))
    calls[index].call();
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());

  course::Event start;
  course::Event stop;
  std::vector<std::vector<double>> samples(calls.size());
  std::vector<std::vector<double>> tails(calls.size());
  for (const std::size_t index : interleaved_order(calls.size(), options.repetitions)) {
    const Sample sample = sample_once(calls[index].call, calls[index].stream, start, stop);
    samples[index].push_back(sample.timed_ms);
    tails[index].push_back(sample.tail_ms);
  }
  std::vector<StudentTiming> measured;
  measured.reserve(calls.size());
  for (std::size_t index = 0; index < calls.size(); ++index)
    measured.push_back(summarise(samples[index], tails[index]));
  return measured;
}

namespace {
double allowed_tail_ms(const StudentTiming& measured) {
  return kTailAllowanceMs + kTailAllowanceShare * measured.timing.median_ms;
}
}  // namespace

bool work_left_running(const StudentTiming& measured) {
  return measured.tail_ms > allowed_tail_ms(measured);
}

namespace {

// time_student's verdict on one measurement: its margin in the test's output, and a failure when
// work was left running after the timed region.
void require_nothing_left_running(const std::string& what, const StudentTiming& measured) {
  // In the test's output (ctest -V), not on the scoreboard: the margin of this check.
  std::cout << "COURSE-TIMING: " << what << ": " << milliseconds_text(measured.timing.median_ms)
            << " timed, the GPU busy " << milliseconds_text(measured.tail_ms) << " after (allowed "
            << milliseconds_text(allowed_tail_ms(measured)) << ")" << std::endl;
  require_that(!work_left_running(measured),
               what +
                   ": work still running after your function's stream finished (another "
                   "stream?): the timed region took " +
                   milliseconds_text(measured.timing.median_ms) +
                   ", and the GPU was still busy for " + milliseconds_text(measured.tail_ms) +
                   " after it (medians of " + std::to_string(measured.timing.repetitions) +
                   " calls; allowed " + milliseconds_text(allowed_tail_ms(measured)) +
                   "). Everything your function starts must run on the stream it is given, or "
                   "the function must wait for it before it returns: the grader times the "
                   "whole call");
}

}  // namespace

course::Timing time_student(const std::string& what, const std::function<void()>& call,
                            const course::TimingOptions& options, cudaStream_t stream) {
  const StudentTiming measured = measure_student(call, options, stream);
  require_nothing_left_running(what, measured);
  return measured.timing;
}

std::vector<course::Timing> time_interleaved(const std::vector<InterleavedCall>& calls,
                                             const course::TimingOptions& options) {
  const std::vector<StudentTiming> measured = measure_interleaved(calls, options);
  std::vector<course::Timing> timings;
  timings.reserve(measured.size());
  for (std::size_t index = 0; index < calls.size(); ++index) {
    require_nothing_left_running(calls[index].what + " (timed interleaved)", measured[index]);
    timings.push_back(measured[index].timing);
  }
  return timings;
}

void require_possible_time(const std::string& what, double milliseconds, double bytes) {
  const double copy = course::measured_copy_bandwidth();
  const double fastest = kImpossibleShareOfCopy / 100.0 * copy;  // bytes per second
  const double floor_ms = bytes / fastest * 1e3;
  require_that(!(milliseconds < floor_ms),
               what + ": faster than this GPU's memory allows: " + milliseconds_text(milliseconds) +
                   " vs at least " + milliseconds_text(floor_ms) + " for the " +
                   format_number(bytes / 1e6, 4) + " MB it must move (at " +
                   format_number(kImpossibleShareOfCopy, 3) +
                   "% of the device-to-device copy measured in this run, " + format_rate(copy) +
                   ") - the timing is not trustworthy (a replaced timer? work done elsewhere?)");
}

void require_not_faster_than(const std::string& what, double milliseconds,
                             const std::string& yardstick, double yardstick_ms, double factor) {
  const double floor_ms = yardstick_ms / factor;
  require_that(!(milliseconds < floor_ms),
               what + ": faster than this GPU allows: " + milliseconds_text(milliseconds) +
                   " vs at least " + milliseconds_text(floor_ms) + " (" + yardstick +
                   " measured in this run took " + milliseconds_text(yardstick_ms) + "; " +
                   format_number(factor, 3) +
                   " times faster is beyond this GPU's arithmetic) - the timing is not "
                   "trustworthy (a replaced timer? work done elsewhere?)");
}

void require_fresh_result(const std::string& what, const FreshCall& fresh) {
  if (!fresh.new_inputs || !fresh.call || !fresh.mismatch)
    throw std::invalid_argument("require_fresh_result: new_inputs, call and mismatch are needed");
  fresh.new_inputs();
  if (fresh.poison_outputs)
    fresh.poison_outputs();
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  const LaunchRecording recording = try_record_launches([&] {
    fresh.call();
    COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here
  });
  const std::string mismatch = fresh.mismatch();
  require_that(mismatch.empty(),
               what +
                   ": your function returned the result of an earlier call (memoised?): after "
                   "the timed calls the grader wrote new values into the same input buffers" +
                   std::string(fresh.poison_outputs ? ", poisoned the output" : "") +
                   " and called it once more, and the result does not match the new inputs (" +
                   mismatch +
                   "). Every call must compute its result from its inputs as they are at that "
                   "call: no result kept from an earlier call or a warm-up");
  if (fresh.own_kernels_only)
    require_own_kernels(what, recording, fresh.context.empty() ? "the timed size" : fresh.context);
}

InputDifference compare_with_host(const void* device, const void* host, std::size_t count,
                                  std::size_t size) {
  InputDifference difference;
  if (count == 0)
    return difference;
  // In chunks: the speed graders' inputs are hundreds of MB.
  constexpr std::size_t kChunkBytes = std::size_t{64} << 20;
  const std::size_t per_chunk = std::max<std::size_t>(1, kChunkBytes / size);
  std::vector<unsigned char> copy(std::min(count, per_chunk) * size);
  const auto* device_bytes = static_cast<const unsigned char*>(device);
  const auto* host_bytes = static_cast<const unsigned char*>(host);
  for (std::size_t begin = 0; begin < count; begin += per_chunk) {
    const std::size_t elements = std::min(per_chunk, count - begin);
    COURSE_CUDA_CHECK(
        cudaMemcpy(copy.data(), device_bytes + begin * size, elements * size, cudaMemcpyDefault));
    for (std::size_t i = 0; i < elements; ++i) {
      if (std::memcmp(copy.data() + i * size, host_bytes + (begin + i) * size, size) != 0) {
        if (difference.changed++ == 0)
          difference.first = begin + i;
      }
    }
  }
  return difference;
}

void require_input_unchanged(const std::string& what, const std::string& name, const void* device,
                             const void* host, std::size_t count, std::size_t size) {
  const InputDifference difference = compare_with_host(device, host, count, size);
  require_that(difference.changed == 0,
               what + " changed its input " + name + ": " + std::to_string(difference.changed) +
                   " of " + std::to_string(count) +
                   " elements differ after the call (the first at index " +
                   std::to_string(difference.first) +
                   "). An input is const: leave it as it was (a function that overwrites or "
                   "zeroes its inputs makes any check of its result compare garbage with "
                   "garbage)");
}

}  // namespace course::grading
