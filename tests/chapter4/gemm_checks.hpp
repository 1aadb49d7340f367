// What chapter 4's graders share: the correctness cases, the references and tolerances they are
// checked against, the speed measurements, and the grader's own cuBLAS calls (the yardstick).
//
// The reference is FP64: on the CPU for small products, with cuBLAS's DGEMM on the GPU for large
// ones (three of them: A B, |A| |B| and A.^2 B.^2, each exact to far below what float can show),
// on column-major copies of the operands made on the host: cuBLAS's own convention.
// Why the tolerances are what they are is written next to them in gemm_checks.cpp.
#pragma once

#include <cublas_v2.h>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "course/cublas.hpp"
#include "course/memory.hpp"
#include "course/timer.hpp"

namespace chapter4_grading {

/// A chapter-4 product as the graders call it: C = alpha A B + beta C, row-major, device
/// pointers, queued on the default stream (or the handle's), returning without waiting.
using Gemm = std::function<void(int m, int n, int k, float alpha, const float* a, const float* b,
                                float beta, float* c)>;

/// One correctness case. `offset` shifts a, b and c by that many floats from a 256-byte aligned
/// allocation (1: no pointer is 16-byte aligned, so float4 code must not be used on them).
struct Case {
  int m = 0;
  int n = 0;
  int k = 0;
  float alpha = 1.0f;
  float beta = 0.0f;
  int offset = 0;
  int runs = 1;  ///< how often it is run (a race shows only now and then)
};

/// "m = 17, n = 33, k = 65, alpha = 1.5, beta = -0.75" (and ", pointers offset by 1 float").
std::string describe(const Case& c);

/// The precision a result is checked at.
enum class Precision {
  fp32,  ///< FP32 inputs and arithmetic: the FP32 tolerance
  tf32,  ///< inputs rounded to TF32 (10 mantissa bits), FP32 accumulation: the TF32 tolerance
};

/// The cases every product of the chapter must get right, in this order: nothing to do, a square
/// one first (A and B swapped shows there, before any case where it would read out of bounds),
/// 1 x 1 x 1, sizes that are no multiple of any tile, 1 x n, m x 1, k = 1, k = 0, beta = 0 with
/// C full of NaN, misaligned pointers, 1000 x 1001 x 999, and large ones (2048^3 twice, 2049 x
/// 2047 x 1001, 1024^3) where a missing __syncthreads shows.
std::vector<Case> correctness_cases();

/// What one run of a product gave, against the FP64 reference.
struct Outcome {
  std::size_t count = 0;         ///< elements of C
  std::size_t mismatches = 0;    ///< outside the tolerance, NaN or Inf
  std::size_t untouched = 0;     ///< of those, still the poison (all bits set: never written)
  std::size_t guard_writes = 0;  ///< floats changed before or after C
  double max_error_over_tolerance = 0;  ///< max |c - ref| / tolerance (finite elements)
  double max_error_over_t = 0;  ///< max |c - ref| / sqrt(sum_p (a_ip b_pj)^2): precision's scale
  std::string first;            ///< up to 3 mismatches, "C[i][j] = x, expected y (tolerance t)"
};

/// Runs `gemm` once on case `c` (inputs from `seed`, C and its guards poisoned first) and compares
/// the result with the FP64 reference. `runs` is not used here.
Outcome run_case(const Gemm& gemm, const Case& c, Precision precision, std::uint64_t seed);

/// Runs `gemm` on case `c` (c.runs times) and requires every element within the tolerance and
/// no write outside C. `what` starts every message ("4.2 sgemm_shared").
void check_case(const std::string& what, const Gemm& gemm, const Case& c, Precision precision);

/// check_case on every correctness case; the large ones are noted as not run under a sanitizer.
void check_all_cases(const std::string& what, const Gemm& gemm, Precision precision);

/// Requires that `gemm` throws std::invalid_argument for negative sizes and for null pointers a
/// non-empty product needs, and does nothing for an empty C (null pointers allowed).
void check_rejects_bad_arguments(const std::string& what, const Gemm& gemm);

/// The grader's own cuBLAS handle (created once, default stream).
course::CublasHandle& grader_cublas();

/// The speed graders' yardstick: cuBLAS SGEMM in math mode `mode` (CUBLAS_DEFAULT_MATH: FP32;
/// CUBLAS_TF32_TENSOR_OP_MATH: TF32 tensor cores) doing the work of an m x n x k product on the
/// same buffers, in cuBLAS's own column-major convention. Its result is not the row-major product
/// the exercises compute (for square matrices it is B A), and no grader uses it: only its time
/// counts. Correctness is checked against the FP64 reference.
Gemm cublas_yardstick(cublasMath_t mode);

/// A chapter-4 function (its last parameter the stream, defaulted) as a Gemm on the default
/// stream: chapter4_grading::on_default_stream(&chapter4::sgemm_naive).
template <typename Launcher>
Gemm on_default_stream(Launcher launcher) {
  return [launcher](int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                    float* c) { launcher(m, n, k, alpha, a, b, beta, c, nullptr); };
}

/// True when this GPU has TF32 tensor cores (compute capability 8.0 or newer). Otherwise the
/// part of the test that needs them is not graded (course::grading::not_graded_here: the grader
/// exits 4, never 0) and `what` says which part.
bool tf32_tensor_cores_or_not_graded(const std::string& what);

/// True when this GPU has TF32 tensor cores (compute capability 8.0 or newer). Otherwise the
/// check `what` does not apply to this GPU: noted on the scoreboard ("FIGURE: <what>: not
/// applicable, <GPU> has no TF32 tensor cores ...") and NOT counted as a skip, so the exercise's
/// points rest on the parts that apply. For checks of what TF32 tensor cores would add (speed,
/// rounding), never for a function that cannot run at all without them.
bool tf32_tensor_cores_or_not_applicable(const std::string& what);

/// How far the student's product may beat the grader's cuBLAS of the same precision on the same
/// operands before its time is impossible: cuBLAS reaches 77% of the H100's FP32 peak at 4096^3
/// (docs/results/chapter4-h100.md), so twice its speed would be 154% of the peak.
inline constexpr double kFasterThanCublasAtMost = 2.0;

/// Square n x n operands on the GPU, filled once, for timing products against each other.
class SpeedOperands {
 public:
  explicit SpeedOperands(int n);
  /// The median time of C = A B (alpha 1, beta 0) in ms, CUDA events after warm-up
  /// (course::grading::time_student: nothing may keep running after the call). For the grader's
  /// yardsticks and the given kernels; the student's products go through time_student_ms.
  double time_ms(const Gemm& gemm, const course::TimingOptions& options = {}) const;
  /// A student's product `what` ("4.4 sgemm_fast"), timed as time_ms, then checked: not faster
  /// than the memory allows (A and B read, C written) nor more than kFasterThanCublasAtMost times
  /// faster than the grader's cuBLAS in `precision` on these operands (timed once, on first use);
  /// then once more on new A and B in the same buffers with C poisoned, spot-checked against an
  /// FP64 reference (no result memoised or replayed), A and B unchanged, and with
  /// `own_kernels_only` only the student's own kernels launched. Returns the median time in ms.
  double time_student_ms(const std::string& what, const Gemm& gemm, Precision precision,
                         bool own_kernels_only, const course::TimingOptions& options = {});
  /// A student's product and the grader's cuBLAS in `precision` (cublas_yardstick), timed
  /// interleaved (course::grading::time_interleaved: cuBLAS, the student's, cuBLAS, ...), so that
  /// the ratio of the two sees the same clocks; then the student's checked as time_student_ms
  /// checks it. Both medians in ms.
  struct AgainstCublas {
    double student_ms = 0;
    double cublas_ms = 0;
  };
  AgainstCublas time_student_against_cublas_ms(const std::string& what, const Gemm& gemm,
                                               Precision precision, bool own_kernels_only,
                                               const course::TimingOptions& options = {});
  /// A student's product timed interleaved with `others` (the grader's yardsticks, the student's
  /// earlier kernels: named products, each one run in turn), then checked as time_student_ms
  /// checks it. The medians in ms: the student's first, then those of `others` in their order.
  std::vector<double> time_student_interleaved_ms(
      const std::string& what, const Gemm& gemm, Precision precision, bool own_kernels_only,
      const std::vector<std::pair<std::string, Gemm>>& others,
      const course::TimingOptions& options = {});
  /// time_student_ms's checks after the timing, for a student's product timed among `others` of
  /// time_student_interleaved_ms: a fresh result, its kernels, a possible time `ms`.
  void check_student(const std::string& what, const Gemm& gemm, Precision precision,
                     bool own_kernels_only, double ms);
  /// 2 n^3 / time, in TFLOP/s.
  double tflops(double ms) const;
  int n() const { return n_; }

 private:
  double cublas_ms(Precision precision);

  int n_;
  course::DeviceArray<float> a_;
  course::DeviceArray<float> b_;
  mutable course::DeviceArray<float> c_;
  double cublas_fp32_ms_ = 0;  // 0: not timed yet
  double cublas_tf32_ms_ = 0;
};

/// "12.3 TFLOP/s (11.2 ms)".
std::string describe_speed(double tflops, double ms);

}  // namespace chapter4_grading
