// Checks of a student's call that a submission cannot talk its way around: timed with everything
// it started inside the timed region, never faster than the memory allows, computing each result
// from its inputs as they are now (no result memoised across calls or replayed from a warm-up),
// and leaving its const inputs as they were.
//
// Speed graders time the student's functions with time_student(), not course::time_gpu (which
// stays the student's library as it is), and finish with require_fresh_result().
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "course/timer.hpp"

namespace course::grading {

/// The device may stay busy this long after the timed region's stop event, plus this share of
/// the timed region, before time_student calls the work "still running": an idle device's
/// cudaDeviceSynchronize returns in microseconds.
inline constexpr double kTailAllowanceMs = 0.05;
inline constexpr double kTailAllowanceShare = 0.25;

/// What measure_student saw: the timing, and how long the device stayed busy after the stop
/// event (the median over the repetitions, on a host clock).
struct StudentTiming {
  course::Timing timing;
  double tail_ms = 0;
};

/// time_student's measurement, without its verdict (for the support's own tests).
[[nodiscard]] StudentTiming measure_student(const std::function<void()>& call,
                                            const course::TimingOptions& options = {},
                                            cudaStream_t stream = nullptr);

/// True when the device stayed busy after the timed region for longer than allowed.
[[nodiscard]] bool work_left_running(const StudentTiming& measured);

/// Times `call` (the student's function, queuing its work on `stream`) as course::time_gpu does:
/// `options.warmup` untimed calls, then `options.repetitions` timed between two events on
/// `stream`, the median reported. After each timed call it also waits for the whole device on a
/// host clock: when the device stayed busy after the stop event (median over the repetitions
/// longer than kTailAllowanceMs + kTailAllowanceShare x the timed median), the work was not all
/// inside the timed region, and the test fails: "<what>: work still running after your
/// function's stream finished (another stream?) ...".
/// @throws std::invalid_argument when `call` is empty, warmup < 0 or repetitions < 1.
[[nodiscard]] course::Timing time_student(const std::string& what,
                                          const std::function<void()>& call,
                                          const course::TimingOptions& options = {},
                                          cudaStream_t stream = nullptr);

/// One of the calls that time_interleaved compares: what it is ("4.5 sgemm_cublas_tf32 at
/// 4096^3"), the call, and the stream it queues its work on.
struct InterleavedCall {
  std::string what;
  std::function<void()> call;
  cudaStream_t stream = nullptr;
};

/// The order in which measure_interleaved runs `calls` callables `rounds` times: round after
/// round, every callable once per round (0, 1, 0, 1, ... for two), never all runs of one then all
/// of the next. A speed ratio taken from blocks is skewed when the clocks change between them (a
/// 70 W card warming up or throttling); interleaved, both sides see the same clocks.
[[nodiscard]] std::vector<std::size_t> interleaved_order(std::size_t calls, int rounds);

/// measure_student for several calls at once, interleaved (interleaved_order): `options.warmup`
/// untimed rounds, then `options.repetitions` timed rounds, each call between two events on its
/// stream and followed by a wait for the whole device (the tail). One StudentTiming per call, in
/// the order given. @throws std::invalid_argument when `calls` is empty, a call is empty,
/// warmup < 0 or repetitions < 1.
[[nodiscard]] std::vector<StudentTiming> measure_interleaved(
    const std::vector<InterleavedCall>& calls, const course::TimingOptions& options = {});

/// time_student for several calls timed interleaved (measure_interleaved): the medians, in the
/// order given, for speed ratios (A against B) that the clocks of the moment cannot skew. Each
/// call gets time_student's check: work left running after it fails "<its what>: work still
/// running ...". Use it for the grader's own yardsticks as well as for the student's calls.
[[nodiscard]] std::vector<course::Timing> time_interleaved(
    const std::vector<InterleavedCall>& calls, const course::TimingOptions& options = {});

/// The roofline floor in time: a call that must move `bytes` through DRAM (inputs read, outputs
/// written, far more than the 50 MB L2 holds) cannot take less than bytes / (kImpossibleShareOfCopy
/// / 100 x the device-to-device copy measured in this run). Faster fails "<what>: faster than
/// this GPU's memory allows: ... the timing is not trustworthy (a replaced timer? work done
/// elsewhere?)".
void require_possible_time(const std::string& what, double milliseconds, double bytes);

/// The same floor for a time that something measured in this run bounds from below: `yardstick`
/// (cuBLAS at the same size, say) ran `yardstick_ms`; the student's call cannot be more than
/// `factor` times faster. "<what>: faster than this GPU allows: ...".
void require_not_faster_than(const std::string& what, double milliseconds,
                             const std::string& yardstick, double yardstick_ms, double factor);

/// After the timed runs: the student's call once more, on new inputs in the same buffers.
struct FreshCall {
  /// Writes new values into the same input buffers the timed runs used (and updates whatever
  /// the grader checks the result against).
  std::function<void()> new_inputs;
  /// Poisons the outputs (all bits set); empty for a function that works in place.
  std::function<void()> poison_outputs;
  /// The student's call, exactly as timed (same pointers, sizes and stream).
  std::function<void()> call;
  /// Empty when the result matches the new inputs, else what differs.
  std::function<std::string()> mismatch;
  /// The lesson asks for a kernel of one's own: every kernel the call launches must be the
  /// student's (require_own_kernels), and the launch recorder must work.
  bool own_kernels_only = false;
  /// Says what the call was on, for the launch check ("n = 2^26").
  std::string context;
};

/// Runs `fresh`: new inputs, poisoned outputs, the call (its launches recorded), then the result
/// against the new inputs. A mismatch fails "<what>: your function returned the result of an
/// earlier call (memoised?) ...": a result remembered across calls or computed once in a warm-up
/// is caught here, whatever the timings said.
void require_fresh_result(const std::string& what, const FreshCall& fresh);

/// How a device array differs from the grader's host copy.
struct InputDifference {
  std::size_t changed = 0;  ///< elements whose bytes differ
  std::size_t first = 0;    ///< the first of them (when changed > 0)
};

/// Compares the `count` elements of `size` bytes at `device` with those at `host`, bytewise.
[[nodiscard]] InputDifference compare_with_host(const void* device, const void* host,
                                                std::size_t count, std::size_t size);

/// Fails "<what> changed its input <name> ..." when the `count` elements of `size` bytes at
/// `device` no longer equal `host` (the grader's copy): a function that zeroes or overwrites a
/// const input makes any later check compare garbage with garbage.
void require_input_unchanged(const std::string& what, const std::string& name, const void* device,
                             const void* host, std::size_t count, std::size_t size);

template <typename T>
void require_input_unchanged(const std::string& what, const std::string& name, const T* device,
                             const std::vector<T>& host) {
  require_input_unchanged(what, name, device, host.data(), host.size(), sizeof(T));
}

}  // namespace course::grading
