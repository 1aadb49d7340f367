// Grader for 4.3: sgemm_1d_tile and sgemm_2d_tile are right on every case, write nothing outside
// C and reject bad arguments; at 4096^3 the 1D tile is faster than the student's sgemm_shared
// (4.2) and the 2D tile faster than the 1D tile, all timed in the same run.
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

const Gemm tile_1d = chapter4_grading::on_default_stream(&chapter4::sgemm_1d_tile);
const Gemm tile_2d = chapter4_grading::on_default_stream(&chapter4::sgemm_2d_tile);
const Gemm shared = chapter4_grading::on_default_stream(&chapter4::sgemm_shared);

}  // namespace

TEST_CASE("4.3 sgemm_1d_tile is right on every case", "[4.3][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter4_grading::check_all_cases("4.3 sgemm_1d_tile", tile_1d, Precision::fp32);
}

TEST_CASE("4.3 sgemm_2d_tile is right on every case", "[4.3][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter4_grading::check_all_cases("4.3 sgemm_2d_tile", tile_2d, Precision::fp32);
}

TEST_CASE("4.3 the register-blocked products reject bad arguments", "[4.3][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter4_grading::check_rejects_bad_arguments("4.3 sgemm_1d_tile", tile_1d);
  chapter4_grading::check_rejects_bad_arguments("4.3 sgemm_2d_tile", tile_2d);
}

TEST_CASE("4.3 each register-blocking step is faster than the one before", "[4.3][speed]") {
  COURSE_REQUIRE_GPU();
  chapter4_grading::check_case("4.3 sgemm_1d_tile", tile_1d, {64, 64, 64, 1.0f, 0.0f},
                               Precision::fp32);
  chapter4_grading::check_case("4.3 sgemm_2d_tile", tile_2d, {64, 64, 64, 1.0f, 0.0f},
                               Precision::fp32);
  if (course::grading::under_sanitizer()) {
    course::grading::note_not_run("4.3 speed: not measured under a sanitizer");
    return;
  }
  chapter4_grading::SpeedOperands operands(4096);
  // Timed interleaved (your 2D tile, your 1D tile, your shared kernel, your 2D tile, ...): all
  // three see the same clocks. Then the 1D tile gets the 2D tile's checks too.
  const std::vector<double> ms = operands.time_student_interleaved_ms(
      "4.3 sgemm_2d_tile", tile_2d, Precision::fp32, true,
      {{"4.3 your sgemm_1d_tile", tile_1d}, {"4.3 your sgemm_shared", shared}}, {2, 10});
  const double ms_2d = ms[0];
  const double ms_1d = ms[1];
  const double shared_ms = ms[2];
  operands.check_student("4.3 sgemm_1d_tile", tile_1d, Precision::fp32, true, ms_1d);
  const auto speed = [&](double ms) {
    return chapter4_grading::describe_speed(operands.tflops(ms), ms);
  };
  // Measured on 2026-11-22, reference solution: 1D over shared 1.94x on an H100 and on an H200
  // (17.5 and 17.1 TFLOP/s), 2D over 1D 1.82x and 1.86x (31.9 and 31.7 TFLOP/s), against the 1.3x
  // and 1.25x required: margins of about 50% on both GPUs.
  course::grading::require_at_least(
      "4.3 speed-up of sgemm_1d_tile over your sgemm_shared at 4096^3 (" + speed(ms_1d) + " vs " +
          speed(shared_ms) + ")",
      shared_ms / ms_1d, 1.3, "x",
      "each thread keeps 8 sums in registers and reads its value of B once per step of k, for "
      "8 multiply-adds; the 8 values of A it needs are one broadcast each across the warp");
  course::grading::require_at_least(
      "4.3 speed-up of sgemm_2d_tile over your sgemm_1d_tile at 4096^3 (" + speed(ms_2d) + " vs " +
          speed(ms_1d) + ")",
      ms_1d / ms_2d, 1.25, "x",
      "an 8 x 8 square per thread: per step of k, copy 8 values of A and 8 of B from shared "
      "memory into register arrays, then 64 multiply-adds from registers; full unrolling "
      "(#pragma unroll, compile-time sizes) keeps the arrays in registers");
}
