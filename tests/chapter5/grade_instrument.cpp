// Grader for 5.1: the instrumented pipeline gives the same result as the plain one, opens one NVTX
// range per stage (recorded in-process by nvtx_recorder.cpp), and times every stage as the
// grader's own measurement does, within 15% + 0.05 ms.
//
// Why that tolerance: the grader runs its own measurement right after each of yours, on the same
// pipeline, seven times, and compares medians (up to three such rounds while a stage disagrees:
// PCIe transfers have slow spells). At 2^25 samples every stage but detect (0.15 ms) takes 2 ms
// or more on an H100 or H200 (host stages 15-50 ms), so a correct measurement lands within a few
// per cent; 0.05 ms covers the launch and event overheads of the shortest stage. The mistakes
// this exercise is about are off by factors: a host clock around an asynchronous call sees
// microseconds instead of milliseconds; events on the default stream, which a non-blocking
// stream does not wait for, see nothing at all; a host clock started before the GPU work is
// finished counts that work twice.
#include <nvtx3/nvToolsExt.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "chapter5.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"
#include "nvtx_recorder.hpp"

namespace {

using chapter5::Stage;
using chapter5::StageTimes;

constexpr double kRelativeTolerance = 0.15;
constexpr double kAbsoluteToleranceMs = 0.05;

std::vector<std::string> stage_names() {
  return {std::begin(chapter5::kStageNames), std::end(chapter5::kStageNames)};
}

// The grader's own measurement: events on the pipeline's stream around each GPU stage, a host
// clock around each host stage once the stream is idle.
StageTimes grader_times(chapter5::SignalPipeline& pipeline) {
  std::vector<course::Event> starts(chapter5::kStageCount), stops(chapter5::kStageCount);
  StageTimes times;
  for (int s = 0; s < chapter5::kStageCount; ++s) {
    const Stage stage = static_cast<Stage>(s);
    if (chapter5::runs_on_host(stage)) {
      COURSE_CUDA_CHECK(cudaStreamSynchronize(pipeline.stream()));
      const auto begin = std::chrono::steady_clock::now();
      pipeline.run_stage(stage);
      times[stage] =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
              .count();
    } else {
      starts[s].record(pipeline.stream());
      pipeline.run_stage(stage);
      stops[s].record(pipeline.stream());
    }
  }
  for (int s = 0; s < chapter5::kStageCount; ++s) {
    if (!chapter5::runs_on_host(static_cast<Stage>(s)))
      times.ms[s] = course::elapsed_ms(starts[s], stops[s]);
  }
  return times;
}

std::string describe(const StageTimes& times) {
  std::ostringstream text;
  text.precision(3);
  for (int s = 0; s < chapter5::kStageCount; ++s)
    text << (s ? ", " : "") << chapter5::kStageNames[s] << " " << times.ms[s] << " ms";
  return text.str();
}

std::string what_to_try(Stage stage, double yours, double reference) {
  if (!chapter5::runs_on_host(stage) && yours < 0.5 * reference) {
    return "far too short for a GPU stage: a host clock around a launch or a cudaMemcpyAsync "
           "measures the call, not the work; and events recorded on another stream than "
           "pipeline.stream() (the default one, for instance: course::Stream is non-blocking) do "
           "not wait for this stream's work";
  }
  if (chapter5::runs_on_host(stage) && yours > reference) {
    return "too long for a host stage: did its clock start before the GPU work queued before it "
           "was finished? Then it counts that work too (wait for the stream first)";
  }
  return "time each GPU stage with two events on pipeline.stream() around run_stage, and each "
         "host stage with a steady clock once the stream is idle";
}

}  // namespace

TEST_CASE("5.1 run_instrumented: the same result, one NVTX range per stage", "[5.1][gpu]") {
  COURSE_REQUIRE_GPU();
  const std::uint64_t seed = course::grading::seed();
  INFO("seed = " << seed << " (replay: COURSE_SEED=" << seed << ")");

  // Is the grader's NVTX recorder the one NVTX reports to? (Not under a profiler.)
  nvtxRangePushA("course-nvtx-probe");
  nvtxRangePop();
  std::string why_not;
  const bool recording = course::grading::nvtx::saw_probe("course-nvtx-probe", &why_not);
  if (!recording)
    course::grading::note_not_run("5.1 NVTX range check not run: " + why_not);

  for (const std::size_t n :
       {std::size_t{1}, std::size_t{255}, std::size_t{257}, std::size_t{1000003}}) {
    chapter5::SignalPipeline pipeline(n, seed + n);
    pipeline.run();
    const chapter5::SignalSummary expected = pipeline.summary();
    course::grading::nvtx::clear();
    const StageTimes times = chapter5::run_instrumented(pipeline);
    const std::vector<course::grading::nvtx::RangeCall> calls = course::grading::nvtx::calls();
    const chapter5::SignalSummary& got = pipeline.summary();
    std::ostringstream context;
    context << "5.1 run_instrumented on " << n << " samples";
    course::grading::require_that(
        got == expected,
        context.str() + ": the summary differs from pipeline.run()'s (peaks " +
            std::to_string(got.peaks) + " vs " + std::to_string(expected.peaks) + ", crossings " +
            std::to_string(got.crossings) + " vs " + std::to_string(expected.crossings) +
            "): run every stage once, in order, and wait for the GPU before returning");
    if (recording) {
      const std::string problem = course::grading::nvtx::check_ranges(calls, stage_names());
      course::grading::require_that(problem.empty(), context.str() + ": NVTX: " + problem);
    }
    for (int s = 0; s < chapter5::kStageCount; ++s) {
      course::grading::require_that(std::isfinite(times.ms[s]) && times.ms[s] >= 0,
                                    context.str() + ": the time of stage " +
                                        chapter5::kStageNames[s] + " is " +
                                        std::to_string(times.ms[s]) + " ms (not a time)");
    }
  }
}

namespace {

// One round of the comparison: yours and the grader's measurement interleaved, kRuns times.
struct Round {
  StageTimes yours, reference;  // medians
  double sum_of_yours = 0;      // median of the sum of your stages
  double total = 0;             // median of run_instrumented's own duration
};

Round measure_round(chapter5::SignalPipeline& pipeline) {
  constexpr int kRuns = 7;
  std::vector<std::vector<double>> yours(chapter5::kStageCount), reference(chapter5::kStageCount);
  std::vector<double> totals, sums;
  for (int run = 0; run < kRuns; ++run) {
    // Interleaved: yours, then the grader's, on the same pipeline, so both see the same machine.
    const auto begin = std::chrono::steady_clock::now();
    const StageTimes mine = chapter5::run_instrumented(pipeline);
    totals.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
            .count());
    const StageTimes graders = grader_times(pipeline);
    double sum = 0;
    for (int s = 0; s < chapter5::kStageCount; ++s) {
      yours[s].push_back(mine.ms[s]);
      reference[s].push_back(graders.ms[s]);
      sum += mine.ms[s];
    }
    sums.push_back(sum);
  }
  Round round;
  for (int s = 0; s < chapter5::kStageCount; ++s) {
    round.yours.ms[s] = course::median(yours[s]);
    round.reference.ms[s] = course::median(reference[s]);
  }
  round.sum_of_yours = course::median(sums);
  round.total = course::median(totals);
  return round;
}

double allowed_difference(double reference_ms) {
  return kRelativeTolerance * reference_ms + kAbsoluteToleranceMs;
}

bool stages_agree(const Round& round) {
  for (int s = 0; s < chapter5::kStageCount; ++s) {
    if (!(std::fabs(round.yours.ms[s] - round.reference.ms[s]) <=
          allowed_difference(round.reference.ms[s])))
      return false;
  }
  return round.sum_of_yours <= 1.05 * round.total + 0.1;
}

}  // namespace

TEST_CASE("5.1 run_instrumented: each stage's time matches the grader's own measurement",
          "[5.1][gpu]") {
  COURSE_REQUIRE_GPU();
  const std::uint64_t seed = course::grading::seed();
  const std::size_t n = std::size_t{1} << 25;  // 128 MiB of floats: ms-scale stages
  INFO("n = 2^25 samples, seed = " << seed);
  chapter5::SignalPipeline pipeline(n, seed);
  pipeline.run();  // warm-up: kernels loaded, pages touched, clocks up
  (void)grader_times(pipeline);
  (void)chapter5::run_instrumented(pipeline);

  // Up to three rounds while a stage disagrees: a transfer through PCIe can be a fifth slower for
  // a while (seen on an H100 machine: upload 3.0 ms in one round, 2.5 in the next), which must not
  // fail a right measurement; the mistakes this exercise is about are off in every round.
  Round round;
  int rounds = 0;
  do {
    round = measure_round(pipeline);
    ++rounds;
  } while (rounds < 3 && !stages_agree(round));
  INFO("yours (medians of 7, round " << rounds << " of at most 3): " << describe(round.yours));
  INFO("the grader's: " << describe(round.reference));
  std::cout << "COURSE-FIGURE: 5.1 stages (yours): " << describe(round.yours) << std::endl;
  if (course::grading::under_sanitizer()) {
    course::grading::note_not_run("5.1 stage times: not compared under compute-sanitizer");
    return;
  }
  for (int s = 0; s < chapter5::kStageCount; ++s) {
    const Stage stage = static_cast<Stage>(s);
    const double y = round.yours.ms[s];
    const double g = round.reference.ms[s];
    const double allowed = allowed_difference(g);
    std::ostringstream message;
    message.precision(4);
    message << "5.1 stage " << chapter5::kStageNames[s] << ": yours " << y
            << " ms, the grader measured " << g << " ms (allowed " << g - allowed << " to "
            << g + allowed << " ms): " << what_to_try(stage, y, g);
    course::grading::require_that(std::fabs(y - g) <= allowed, message.str());
  }
  std::ostringstream message;
  message.precision(4);
  message << "5.1 your stages add up to " << round.sum_of_yours
          << " ms, but run_instrumented took only " << round.total
          << " ms end to end: some time is counted twice";
  course::grading::require_that(round.sum_of_yours <= 1.05 * round.total + 0.1, message.str());
  course::grading::note("FIGURE: " + describe(round.yours));
}
