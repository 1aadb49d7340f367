// Grader for 4.4: sgemm_fast is right on every case (float4 paths must fall back at misaligned
// pointers and sizes that are not multiples of 4), writes nothing outside C, rejects bad
// arguments, and at 4096^3 reaches half of cuBLAS's FP32 SGEMM (TF32 off) and beats the student's
// own sgemm_2d_tile (4.3), all timed in the same run.
#include <sstream>
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

const Gemm fast = chapter4_grading::on_default_stream(&chapter4::sgemm_fast);
const Gemm tile_2d = chapter4_grading::on_default_stream(&chapter4::sgemm_2d_tile);
const Gemm cublas_fp32 = chapter4_grading::cublas_yardstick(CUBLAS_DEFAULT_MATH);

}  // namespace

TEST_CASE("4.4 sgemm_fast is right on every case", "[4.4][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter4_grading::check_all_cases("4.4 sgemm_fast", fast, Precision::fp32);
}

TEST_CASE("4.4 sgemm_fast rejects bad arguments", "[4.4][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter4_grading::check_rejects_bad_arguments("4.4 sgemm_fast", fast);
}

TEST_CASE("4.4 sgemm_fast reaches half of cuBLAS", "[4.4][speed]") {
  COURSE_REQUIRE_GPU();
  chapter4_grading::check_case("4.4 sgemm_fast", fast, {64, 64, 64, 1.0f, 0.0f}, Precision::fp32);
  if (course::grading::under_sanitizer()) {
    course::grading::note_not_run("4.4 speed: not measured under a sanitizer");
    return;
  }
  // Reported, not graded: at 1024 a 128 x 128 tiling leaves SMs idle, and cuBLAS knows tricks
  // (split-k) that this chapter does not teach.
  {
    const chapter4_grading::SpeedOperands small(1024);
    const double cublas_ms = small.time_ms(cublas_fp32);
    const double fast_ms = small.time_ms(fast);
    std::ostringstream figure;
    figure.precision(3);
    figure << "FIGURE: 4.4 sgemm_fast at 1024^3: "
           << chapter4_grading::describe_speed(small.tflops(fast_ms), fast_ms) << ", "
           << 100.0 * cublas_ms / fast_ms << " % of cuBLAS SGEMM ("
           << chapter4_grading::describe_speed(small.tflops(cublas_ms), cublas_ms) << ")";
    course::grading::note(figure.str());
  }
  chapter4_grading::SpeedOperands operands(4096);
  // Timed interleaved (yours, cuBLAS, your 2D tile, yours, ...): all three see the same clocks.
  const std::vector<double> ms = operands.time_student_interleaved_ms(
      "4.4 sgemm_fast", fast, Precision::fp32, true,
      {{"the grader's cuBLAS SGEMM (FP32)", cublas_fp32}, {"4.4 your sgemm_2d_tile", tile_2d}});
  const double fast_ms = ms[0];
  const double cublas_ms = ms[1];
  const double ms_2d = ms[2];
  const auto speed = [&](double ms) {
    return chapter4_grading::describe_speed(operands.tflops(ms), ms);
  };
  INFO("device: " << course::describe(course::device_info()));
  // Measured on 2026-11-22, reference solution: 75.8% of cuBLAS on an H100 (39.1 against 51.5
  // TFLOP/s) and 76.6% on an H200 (39 against 50.9), against the 50% required (about 1.5 times
  // it); the lesson's aim of 80% is not reached yet. Over the 2D tile: 1.22x and 1.23x against the
  // 1.1x required, a slim margin. siboehm's best hand-written kernel reaches 71% of cuBLAS; half
  // of cuBLAS is within reach of every design in the lesson's list.
  course::grading::require_at_least(
      "4.4 sgemm_fast as % of cuBLAS SGEMM (FP32, TF32 off) at 4096^3 (" + speed(fast_ms) + " vs " +
          speed(cublas_ms) + ")",
      100.0 * cublas_ms / fast_ms, 50.0, "%",
      "start from the 2D tile; transpose the A tile in shared memory and read 8 values of A and "
      "of B per step as float4s; arrange each warp as 4 x 8 threads with each thread's 8 x 8 as "
      "four 4 x 4 squares half a tile apart (no bank conflicts); double-buffer the tiles; check "
      "with ptxas -v (nvcc -Xptxas -v) that nothing spills");
  // The student's own previous step: the final kernel must have improved on it.
  course::grading::require_at_least(
      "4.4 speed-up of sgemm_fast over your sgemm_2d_tile at 4096^3 (" + speed(fast_ms) + " vs " +
          speed(ms_2d) + ")",
      ms_2d / fast_ms, 1.1, "x",
      "the lesson's four steps from the 2D tile to the final kernel, measured one at a time");
}
