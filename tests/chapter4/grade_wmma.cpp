// Grader for 4.6 (optional): sgemm_wmma_tf32 is right on every case at TF32 precision, writes
// nothing outside C, rejects bad arguments, and at 4096^3 beats the student's own FP32 final
// kernel (4.4) and reaches a share of cuBLAS in the same precision (TF32), timed in the same run.
// On a GPU without TF32 tensor cores (compute capability below 8.0) it is not graded.
#include <string>

#include "chapter4.hpp"
#include "course/course.hpp"
#include "gemm_checks.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"

using chapter4_grading::Gemm;
using chapter4_grading::Precision;

namespace {

const Gemm wmma = chapter4_grading::on_default_stream(&chapter4::sgemm_wmma_tf32);
const Gemm fast = chapter4_grading::on_default_stream(&chapter4::sgemm_fast);
const Gemm cublas_tf32 = chapter4_grading::cublas_yardstick(CUBLAS_TF32_TENSOR_OP_MATH);

}  // namespace

TEST_CASE("4.6 sgemm_wmma_tf32 is right on every case (TF32)", "[4.6][correctness]") {
  COURSE_REQUIRE_GPU();
  if (!chapter4_grading::tf32_tensor_cores_or_not_graded("4.6"))
    return;
  chapter4_grading::check_all_cases("4.6 sgemm_wmma_tf32", wmma, Precision::tf32);
  chapter4_grading::check_rejects_bad_arguments("4.6 sgemm_wmma_tf32", wmma);
}

TEST_CASE("4.6 sgemm_wmma_tf32 beats the FP32 kernel and reaches a share of cuBLAS TF32",
          "[4.6][speed]") {
  COURSE_REQUIRE_GPU();
  if (!chapter4_grading::tf32_tensor_cores_or_not_graded("4.6 speed"))
    return;
  chapter4_grading::check_case("4.6 sgemm_wmma_tf32", wmma, {64, 64, 64, 1.0f, 0.0f},
                               Precision::tf32);
  if (course::grading::under_sanitizer()) {
    course::grading::note_not_run("4.6 speed: not measured under a sanitizer");
    return;
  }
  chapter4_grading::SpeedOperands operands(4096);
  const double cublas_ms = operands.time_ms(cublas_tf32);
  const double fast_ms = operands.time_ms(fast);
  const double wmma_ms =
      operands.time_student_ms("4.6 sgemm_wmma_tf32", wmma, Precision::tf32, true);
  const auto speed = [&](double ms) {
    return chapter4_grading::describe_speed(operands.tflops(ms), ms);
  };
  // Measured on 2026-11-22, reference solution: 70.5 TFLOP/s on an H100 and 70 on an H200, 1.8x
  // its sgemm_fast on both (1.5x required) and 18.3% and 18.1% of cuBLAS TF32 at 385 TFLOP/s (15%
  // required): margins of about 20%. cuBLAS uses Hopper's wgmma instructions, which WMMA cannot
  // reach (it compiles to the older mma.sync).
  course::grading::require_at_least(
      "4.6 speed-up of sgemm_wmma_tf32 over your sgemm_fast at 4096^3 (" + speed(wmma_ms) + " vs " +
          speed(fast_ms) + ")",
      fast_ms / wmma_ms, 1.5, "x",
      "each warp several 16 x 16 accumulator fragments (e.g. 4 x 2), fragments of A and B loaded "
      "from shared-memory tiles whose rows are padded, tiles double-buffered as in 4.4");
  course::grading::require_at_least(
      "4.6 sgemm_wmma_tf32 as % of cuBLAS SGEMM with TF32 at 4096^3 (" + speed(wmma_ms) + " vs " +
          speed(cublas_ms) + ")",
      100.0 * cublas_ms / wmma_ms, 15.0, "%",
      "more work per warp (more accumulator fragments per loaded fragment of A and B), fewer "
      "__syncthreads per step of k, float4 loads of the tiles");
}
