// Grader for 4.2: sgemm_shared is right on every case (the large ones twice: a missing
// __syncthreads shows there), keeps its tiles in shared memory (a launch recorder reads each
// launch's shared memory), rejects bad arguments, and at 4096^3 is faster than the student's
// own sgemm_naive (4.1) timed in the same run.
#include <string>
#include <vector>

#include "chapter4.hpp"
#include "course/course.hpp"
#include "gemm_checks.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"

using chapter4_grading::Gemm;
using chapter4_grading::Precision;

namespace {

const Gemm shared = chapter4_grading::on_default_stream(&chapter4::sgemm_shared);
const Gemm naive = chapter4_grading::on_default_stream(&chapter4::sgemm_naive);

// Two 16 x 16 float tiles: the least a kernel tiled through shared memory holds.
constexpr unsigned kMinimumSharedBytes = 2 * 16 * 16 * sizeof(float);

}  // namespace

TEST_CASE("4.2 sgemm_shared is right on every case", "[4.2][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter4_grading::check_all_cases("4.2 sgemm_shared", shared, Precision::fp32);
}

TEST_CASE("4.2 sgemm_shared keeps its tiles in shared memory and rejects bad arguments",
          "[4.2][correctness]") {
  COURSE_REQUIRE_GPU();
  course::DeviceArray<float> a(100 * 100);
  course::DeviceArray<float> c(100 * 100);
  a.fill_bytes(0);
  const course::grading::LaunchRecording recording = course::grading::try_record_launches(
      [&] { shared(100, 100, 100, 1.0f, a.data(), a.data(), 0.0f, c.data()); });
  if (course::grading::launch_check_can_run(recording)) {
    course::grading::require_that(!recording.launches.empty(),
                                  "4.2 sgemm_shared launched no kernel for m = n = k = 100");
    course::grading::require_own_kernels("4.2 sgemm_shared", recording, "m = n = k = 100");
    for (const course::grading::KernelLaunch& launch : recording.launches) {
      const unsigned bytes = launch.static_shared_bytes + launch.dynamic_shared_bytes;
      course::grading::require_that(
          bytes >= kMinimumSharedBytes,
          "4.2 sgemm_shared launched " + course::grading::describe(launch) +
              ": a tiled product keeps its tiles of A and B in shared memory, but this launch "
              "uses " +
              std::to_string(bytes) + " B of shared memory (two 16 x 16 float tiles are " +
              std::to_string(kMinimumSharedBytes) + " B)");
    }
  }
  chapter4_grading::check_rejects_bad_arguments("4.2 sgemm_shared", shared);
}

TEST_CASE("4.2 sgemm_shared is faster than sgemm_naive", "[4.2][speed]") {
  COURSE_REQUIRE_GPU();
  chapter4_grading::check_case("4.2 sgemm_shared", shared, {64, 64, 64, 1.0f, 0.0f},
                               Precision::fp32);
  if (course::grading::under_sanitizer()) {
    course::grading::note_not_run("4.2 speed: not measured under a sanitizer");
    return;
  }
  chapter4_grading::SpeedOperands operands(4096);
  // Timed interleaved (yours, your naive kernel, yours, ...): both see the same clocks.
  const std::vector<double> ms =
      operands.time_student_interleaved_ms("4.2 sgemm_shared", shared, Precision::fp32, true,
                                           {{"4.2 your sgemm_naive", naive}}, {2, 10});
  const double shared_ms = ms[0];
  const double naive_ms = ms[1];
  // Measured on 2026-11-22, reference solution: 1.59x on an H100 (9.01 against 5.65 TFLOP/s) and
  // 1.55x on an H200 (8.79 against 5.65), against the 1.2x required: a margin of about 30%. The
  // gain is modest: the naive kernel's re-reads mostly hit L1 and L2, and this kernel is limited
  // by its two shared-memory reads per multiply-add.
  course::grading::require_at_least(
      "4.2 speed-up of sgemm_shared over your sgemm_naive at 4096^3 (" +
          chapter4_grading::describe_speed(operands.tflops(shared_ms), shared_ms) + " vs " +
          chapter4_grading::describe_speed(operands.tflops(naive_ms), naive_ms) + ")",
      naive_ms / shared_ms, 1.2, "x",
      "32 x 32 tiles, one element of each loaded per thread with coalesced reads; inside the "
      "tile loop, the A tile read along a row (a broadcast) and the B tile along a column (32 "
      "banks); no global memory access in the inner loop");
}
