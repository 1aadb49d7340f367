// Grader for 4.6 (optional): sgemm_wmma_tf32 is right on every case at TF32 precision, rounds
// its inputs to nearest TF32 (checked exactly on inputs where that differs from any other), writes
// nothing outside C, rejects bad arguments, and at 4096^3 reaches a share of cuBLAS in the same
// precision (TF32), timed interleaved with it. On a GPU without TF32 tensor cores (compute
// capability below 8.0) the correctness checks are not graded and the speed check is not
// applicable.
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "chapter4.hpp"
#include "course/course.hpp"
#include "gemm_checks.hpp"
#include "gpu_requirements.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"

using chapter4_grading::Gemm;
using chapter4_grading::Precision;

namespace {

const Gemm wmma = chapter4_grading::on_default_stream(&chapter4::sgemm_wmma_tf32);

// The TF32 rounding, checked exactly. Every element of one input is x = 1 + 3 * 2^-12, every
// element of the other 1. wmma::__float_to_tf32 rounds to nearest (cvt.rna.tf32.f32): x becomes
// 1 + 2^-10 (0.75 of a unit of TF32's last place: no tie). Each product is then exactly
// 1 + 2^-10 and each element of C exactly k (1 + 2^-10) = 256.25 (11 significant bits: every
// partial sum is exact in FP32, in any order). The tolerance of check_all_cases (2^-9 |A B| and
// more: gemm_checks.cpp, wide enough for truncated inputs) accepts 256 and 256.1875 too, so it
// cannot tell whether the inputs were converted. What the tensor cores do with an unconverted float
// is not documented (the CUDA guide asks for converted inputs); they have been seen to drop the low
// 13 bits (x -> 1, C = 256), and keeping all of them would give 256.1875. Either is at least k
// 2^-12 = 0.0625 away; allowed here: half of that. Checked with x in A and in B, so that converting
// one alone fails.
constexpr int kRoundingSide = 64;
constexpr int kRoundingDepth = 256;

void check_tf32_rounding(bool x_in_a) {
  const float x = 1.0f + 3.0f / 4096.0f;
  const double expected = kRoundingDepth * (1.0 + 1.0 / 1024.0);  // 256.25
  const double allowed = kRoundingDepth / 8192.0;                 // k 2^-13 = 0.03125
  const std::size_t a_count = static_cast<std::size_t>(kRoundingSide) * kRoundingDepth;
  const std::vector<float> a(a_count, x_in_a ? x : 1.0f);
  const std::vector<float> b(a_count, x_in_a ? 1.0f : x);
  const course::DeviceArray<float> device_a = course::to_device(a);
  const course::DeviceArray<float> device_b = course::to_device(b);
  course::DeviceArray<float> device_c(static_cast<std::size_t>(kRoundingSide) * kRoundingSide);
  device_c.fill_bytes(0);
  wmma(kRoundingSide, kRoundingSide, kRoundingDepth, 1.0f, device_a.data(), device_b.data(), 0.0f,
       device_c.data());
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here
  const std::vector<float> c = device_c.to_host();
  std::size_t wrong = 0;
  float first = 0;
  for (const float value : c) {
    if (!(std::fabs(static_cast<double>(value) - expected) <= allowed) && wrong++ == 0)
      first = value;
  }
  std::ostringstream message;
  message.precision(9);
  message << "4.6 sgemm_wmma_tf32 rounds its inputs to TF32 wrongly: m = n = " << kRoundingSide
          << ", k = " << kRoundingDepth << ", every element of " << (x_in_a ? "A" : "B")
          << " is 1 + 3 * 2^-12 and every element of " << (x_in_a ? "B" : "A") << " is 1: " << wrong
          << " of " << c.size() << " elements of C are not " << expected << " (first: " << first
          << "; allowed +-" << allowed
          << "). Rounded to nearest TF32, 1 + 3 * 2^-12 is 1 + 2^-10, and C = k (1 + 2^-10); "
             "256 means the low 13 bits were dropped, 256.1875 that nothing was rounded. Convert "
             "every element of the A and B fragments with wmma::__float_to_tf32 after "
             "load_matrix_sync: what the tensor cores do with unconverted floats is not "
             "documented";
  course::grading::require_that(wrong == 0, message.str());
}

}  // namespace

TEST_CASE("4.6 sgemm_wmma_tf32 is right on every case (TF32)", "[4.6][correctness]") {
  COURSE_REQUIRE_GPU();
  if (!chapter4_grading::tf32_tensor_cores_or_not_graded("4.6"))
    return;
  chapter4_grading::check_all_cases("4.6 sgemm_wmma_tf32", wmma, Precision::tf32);
  chapter4_grading::check_rejects_bad_arguments("4.6 sgemm_wmma_tf32", wmma);
  check_tf32_rounding(true);
  check_tf32_rounding(false);
}

TEST_CASE("4.6 sgemm_wmma_tf32 reaches a share of cuBLAS TF32", "[4.6][speed]") {
  COURSE_REQUIRE_GPU();
  if (!chapter4_grading::tf32_tensor_cores_or_not_applicable("4.6 speed check"))
    return;
  chapter4_grading::check_case("4.6 sgemm_wmma_tf32", wmma, {64, 64, 64, 1.0f, 0.0f},
                               Precision::tf32);
  if (course::grading::under_sanitizer()) {
    course::grading::note_not_run("4.6 speed: not measured under a sanitizer");
    return;
  }
  chapter4_grading::SpeedOperands operands(4096);
  // Against cuBLAS with TF32 only, timed interleaved with it: the same units doing the same work.
  // Not against the student's FP32 kernel (4.4): how much TF32 gains over FP32 is the GPU's TF32
  // rate over its FP32 rate (several times on an A100 or an H100, 1x on an RTX 4090).
  const auto measured =
      operands.time_student_against_cublas_ms("4.6 sgemm_wmma_tf32", wmma, Precision::tf32, true);
  const auto speed = [&](double ms) {
    return chapter4_grading::describe_speed(operands.tflops(ms), ms);
  };
  // Measured on 2026-11-22, reference solution, timed in blocks: 70.5 TFLOP/s on an H100 and 70
  // on an H200, 18.3% and 18.1% of cuBLAS TF32 at 385 TFLOP/s. 12% required: a margin of 1.5x.
  // The H100 and H200 are the hardest case: their cuBLAS uses Hopper's wgmma instructions, which
  // WMMA cannot reach (it compiles to the older mma.sync); on an A100, an L4 or an RTX 4090
  // cuBLAS itself uses mma.sync, and the share is larger. Interleaved: not yet run on a GPU.
  course::grading::require_at_least(
      "4.6 sgemm_wmma_tf32 as % of cuBLAS SGEMM with TF32 at 4096^3 (" +
          speed(measured.student_ms) + " vs " + speed(measured.cublas_ms) + ")",
      100.0 * measured.cublas_ms / measured.student_ms, course::grading::kCublasTf32Share_4_6, "%",
      "each warp several 16 x 16 accumulator fragments (e.g. 4 x 2), fragments of A and B loaded "
      "from shared-memory tiles whose rows are padded, tiles double-buffered as in 4.4, fewer "
      "__syncthreads per step of k, float4 loads of the tiles");
}
