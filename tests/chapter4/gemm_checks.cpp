// Chapter 4's shared grader code: cases, FP64 references, tolerances, timing, cuBLAS yardsticks.
#include "gemm_checks.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "call_checks.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"

namespace chapter4_grading {
namespace {

// ---- tolerances ---------------------------------------------------------------------------------
//
// u = 2^-24, the unit roundoff of float. For one element, write S = sum_p |a_ip b_pj| (the scale
// of the dot product: its terms' magnitudes) and T = sqrt(sum_p (a_ip b_pj)^2).
//
// FP32. Any order of the k additions (a chain, a tree, chunks of a split k, with or without
// FMA) computes the dot product with an error of at most k u S (Higham, Accuracy and Stability of
// Numerical Algorithms, 2nd ed., eq. 3.5: gamma_k S): that bound is rigorous but reached only if
// every rounding goes the same way. The roundings of products of random-sign data behave like a
// random walk instead, and the observed error is a few u S whatever k is (the partial sums stay
// small). The graders allow
//     (2 sqrt(k) + 8) u (|alpha| S + |beta c|)
// which grows with k as a chain of additions of same-sign data would (its error grows like
// sqrt(k) u S when its roundings are independent), covers alpha * sum + beta * c (3 more
// roundings: 8 u at k = 1), and is still far below what a wrong kernel produces: a product
// missing one term of size about 1/4 (inputs uniform in [-1, 1)) misses by far more than
// (2 sqrt(k) + 8) u k / 4 for every k up to 2^16 (0.008 at k = 4096).
//
// TF32. The inputs are rounded to 10 mantissa bits: a product a b becomes a b (1 + d), |d| <=
// 2^-9 when both are truncated (2^-10 when rounded to nearest), on top of the FP32 accumulation.
// Worst case that is 2^-9 S, too loose to catch a missing term at large k. Truncation's errors
// are biased (towards zero, about 2^-10 |AB| in all) and their random part has a standard
// deviation near 0.4 * 2^-10 T; over a million elements the largest is about 5 of those. The
// graders allow
//     |alpha| (2^-9 |AB| + 2^-8 T + (2 sqrt(k) + 8) u S) + (2 sqrt(k) + 8) u |beta c|
// twice the bias plus about 10 standard deviations, plus the FP32 allowance. At k = 1024 that is
// about 0.06 for inputs in [-1, 1), against 0.25 for a missing term.
constexpr double kU = 1.0 / 16777216.0;  // 2^-24

double fp32_allowance(int k) {
  return (2.0 * std::sqrt(static_cast<double>(k)) + 8.0) * kU;
}

// The FP64 reference of one case: A B, |A| |B| and A.^2 B.^2, each m x n.
struct Products {
  std::vector<double> ab;
  std::vector<double> s;   // sum_p |a_ip b_pj|
  std::vector<double> t2;  // sum_p (a_ip b_pj)^2
};

Products cpu_products(const Case& c, const std::vector<float>& a, const std::vector<float>& b) {
  const std::size_t mn = static_cast<std::size_t>(c.m) * c.n;
  Products p{std::vector<double>(mn), std::vector<double>(mn), std::vector<double>(mn)};
  for (int i = 0; i < c.m; ++i) {
    double* ab = &p.ab[static_cast<std::size_t>(i) * c.n];
    double* s = &p.s[static_cast<std::size_t>(i) * c.n];
    double* t2 = &p.t2[static_cast<std::size_t>(i) * c.n];
    for (int q = 0; q < c.k; ++q) {
      const double x = a[static_cast<std::size_t>(i) * c.k + q];
      const float* row = &b[static_cast<std::size_t>(q) * c.n];
      for (int j = 0; j < c.n; ++j) {
        const double term = x * row[j];
        ab[j] += term;
        s[j] += std::fabs(term);
        t2[j] += term * term;
      }
    }
  }
  return p;
}

// C = A B in FP64 with cuBLAS's DGEMM. cuBLAS stores matrices column-major, so the row-major
// operands are copied into column-major order on the host first, multiplied in cuBLAS's own
// convention, and the column-major result read back into row-major order.
std::vector<double> column_major(const std::vector<double>& row_major, int rows, int cols) {
  std::vector<double> out(row_major.size());
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      out[static_cast<std::size_t>(j) * rows + i] =
          row_major[static_cast<std::size_t>(i) * cols + j];
  return out;
}

std::vector<double> dgemm(const Case& c, const std::vector<double>& a,
                          const std::vector<double>& b) {
  const course::DeviceArray<double> device_a(column_major(a, c.m, c.k));      // m x k, ld m
  const course::DeviceArray<double> device_b(column_major(b, c.k, c.n));      // k x n, ld k
  course::DeviceArray<double> device_c(static_cast<std::size_t>(c.m) * c.n);  // m x n, ld m
  const double one = 1.0;
  const double zero = 0.0;
  COURSE_CUBLAS_CHECK(cublasSetMathMode(grader_cublas().get(), CUBLAS_DEFAULT_MATH));
  COURSE_CUBLAS_CHECK(cublasDgemm(grader_cublas().get(), CUBLAS_OP_N, CUBLAS_OP_N, c.m, c.n, c.k,
                                  &one, device_a.data(), c.m, device_b.data(), c.k, &zero,
                                  device_c.data(), c.m));
  const std::vector<double> result = device_c.to_host();
  std::vector<double> row_major(result.size());
  for (int j = 0; j < c.n; ++j)
    for (int i = 0; i < c.m; ++i)
      row_major[static_cast<std::size_t>(i) * c.n + j] =
          result[static_cast<std::size_t>(j) * c.m + i];
  return row_major;
}

Products gpu_products(const Case& c, const std::vector<float>& a, const std::vector<float>& b) {
  const auto convert = [](const std::vector<float>& x, int power) {
    std::vector<double> out(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double v = x[i];
      out[i] = power == 0 ? v : (power == 1 ? std::fabs(v) : v * v);
    }
    return out;
  };
  Products p{dgemm(c, convert(a, 0), convert(b, 0)), dgemm(c, convert(a, 1), convert(b, 1)),
             dgemm(c, convert(a, 2), convert(b, 2))};
  // The grader's own check of its reference: a few elements recomputed on the CPU. A failure here
  // is the grader's bug, not the student's.
  for (int e = 0; e < 16; ++e) {
    const int i = static_cast<int>((static_cast<long long>(e) * 7919) % c.m);
    const int j = static_cast<int>((static_cast<long long>(e) * 104729) % c.n);
    double sum = 0;
    for (int q = 0; q < c.k; ++q)
      sum += static_cast<double>(a[static_cast<std::size_t>(i) * c.k + q]) *
             b[static_cast<std::size_t>(q) * c.n + j];
    const double gpu = p.ab[static_cast<std::size_t>(i) * c.n + j];
    if (!(std::fabs(gpu - sum) <= 1e-9 * (1.0 + std::fabs(sum)))) {
      throw std::logic_error(
          "the grader's FP64 reference (cublasDgemm) disagrees with the CPU at (" +
          std::to_string(i) + ", " + std::to_string(j) + ") for " + describe(c) +
          ": a bug in the grader, not in your code");
    }
  }
  return p;
}

constexpr double kGpuReferenceAbove = 134217728.0;  // 2^27 multiply-adds: DGEMM beyond

bool is_large(const Case& c) {
  return static_cast<double>(c.m) * c.n * c.k > kGpuReferenceAbove;
}

std::size_t guard_for(const Case& c) {
  // Enough to see a store without its column check (it lands up to a tile's width into the next
  // rows, or past the end) and a wrong tile index at the edge.
  const std::size_t guard = 2 * static_cast<std::size_t>(c.n) + 1024;
  return (guard + 63) / 64 * 64;
}

float poison() {
  float value;
  const std::uint32_t bits = 0xFFFFFFFFu;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Device copy of `host` at `offset` floats into an allocation followed by `guard` poisoned floats.
struct Placed {
  course::DeviceArray<float> storage;
  float* data = nullptr;
};

Placed place(const std::vector<float>& host, std::size_t before, std::size_t after) {
  Placed placed{course::DeviceArray<float>(before + host.size() + after), nullptr};
  placed.storage.fill_bytes(0xFF);
  placed.data = placed.storage.data() + before;
  if (!host.empty()) {
    COURSE_CUDA_CHECK(
        cudaMemcpy(placed.data, host.data(), host.size() * sizeof(float), cudaMemcpyHostToDevice));
  }
  return placed;
}

}  // namespace

std::string describe(const Case& c) {
  std::ostringstream text;
  text << "m = " << c.m << ", n = " << c.n << ", k = " << c.k << ", alpha = " << c.alpha
       << ", beta = " << c.beta;
  if (c.offset != 0)
    text << ", pointers offset by " << c.offset << " float" << (c.offset == 1 ? "" : "s");
  return text.str();
}

std::vector<Case> correctness_cases() {
  return {
      {0, 0, 0, 1.5f, -0.75f},
      {0, 5, 3, 1.5f, -0.75f},
      {5, 0, 3, 1.5f, -0.75f},
      {33, 33, 33, 1.5f, -0.75f},  // square: A and B swapped computes B A and fails here
      {1, 1, 1, 1.5f, -0.5f},
      {17, 33, 65, 1.5f, -0.75f},
      {1, 1000, 7, 0.5f, 2.0f},
      {1000, 1, 7, 0.5f, 2.0f},
      {1, 1, 4097, -1.25f, 0.5f},
      {64, 64, 1, -1.25f, 0.5f},     // k = 1
      {31, 33, 0, 2.0f, 0.25f},      // k = 0: C = beta C
      {128, 128, 128, 0.75f, 0.0f},  // beta = 0: C starts as NaN and must not be read
      {127, 129, 255, -1.25f, 0.5f},
      {257, 255, 33, 1.5f, -0.75f, 1},  // no pointer 16-byte aligned
      {256, 256, 64, 1.5f, -0.75f, 1},  // aligned sizes, misaligned pointers
      {1000, 1001, 999, 1.5f, -0.75f},
      {1024, 1024, 1024, 1.0f, 0.5f},
      {2049, 2047, 1001, 0.75f, 1.25f},
      {2048, 2048, 2048, 1.5f, -0.75f, 0, 2},  // twice: a race shows only now and then
  };
}

Outcome run_case(const Gemm& gemm, const Case& c, Precision precision, std::uint64_t seed) {
  const std::size_t mk = static_cast<std::size_t>(c.m) * c.k;
  const std::size_t kn = static_cast<std::size_t>(c.k) * c.n;
  const std::size_t mn = static_cast<std::size_t>(c.m) * c.n;
  const std::uint64_t case_seed = seed ^ (static_cast<std::uint64_t>(c.m) * 1000003u +
                                          static_cast<std::uint64_t>(c.n) * 1009u + c.k);
  const std::vector<float> a = course::random_floats(mk, case_seed);
  const std::vector<float> b = course::random_floats(kn, case_seed + 1);
  std::vector<float> c0 = course::random_floats(mn, case_seed + 2);
  if (c.beta == 0.0f)
    std::fill(c0.begin(), c0.end(), poison());  // never read: NaN in C must not matter

  const Products products = is_large(c) ? gpu_products(c, a, b) : cpu_products(c, a, b);

  const std::size_t guard = guard_for(c);
  const std::size_t offset = static_cast<std::size_t>(c.offset);
  const Placed device_a = place(a, offset, 64);
  const Placed device_b = place(b, offset, 64);
  const Placed device_c = place(c0, offset + guard, guard);
  gemm(c.m, c.n, c.k, c.alpha, device_a.data, device_b.data, c.beta, device_c.data);
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here
  const std::vector<float> all = device_c.storage.to_host();

  Outcome outcome;
  outcome.count = mn;
  const double fp32 = fp32_allowance(c.k);
  std::ostringstream first;
  first.precision(9);  // enough digits to tell two floats apart
  for (std::size_t e = 0; e < mn; ++e) {
    const double expected = c.alpha * products.ab[e] + (c.beta == 0.0f ? 0.0 : c.beta * c0[e]);
    const double beta_part = c.beta == 0.0f ? 0.0 : std::fabs(c.beta * c0[e]);
    double tolerance = fp32 * (std::fabs(c.alpha) * products.s[e] + beta_part);
    const double t = std::sqrt(products.t2[e]);
    if (precision == Precision::tf32) {
      tolerance +=
          std::fabs(c.alpha) * (std::ldexp(std::fabs(products.ab[e]), -9) + std::ldexp(t, -8));
    }
    const float got = all[offset + guard + e];
    const double error = std::fabs(static_cast<double>(got) - expected);
    const bool finite = std::isfinite(got);
    if (finite) {
      if (tolerance > 0)
        outcome.max_error_over_tolerance =
            std::max(outcome.max_error_over_tolerance, error / tolerance);
      if (t > 0)
        outcome.max_error_over_t =
            std::max(outcome.max_error_over_t, error / (std::fabs(c.alpha) * t));
    }
    if (finite && error <= tolerance)
      continue;
    if (course::is_poison(got))
      ++outcome.untouched;
    if (outcome.mismatches < 3) {
      first << (outcome.mismatches == 0 ? "" : ", ") << "C[" << e / c.n << "][" << e % c.n
            << "] = " << got << ", expected " << expected << " (tolerance " << tolerance << ")";
    }
    ++outcome.mismatches;
  }
  for (std::size_t e = 0; e < offset + guard; ++e)
    outcome.guard_writes += course::is_poison(all[e]) ? 0 : 1;
  for (std::size_t e = offset + guard + mn; e < all.size(); ++e)
    outcome.guard_writes += course::is_poison(all[e]) ? 0 : 1;
  outcome.first = first.str();
  return outcome;
}

void check_case(const std::string& what, const Gemm& gemm, const Case& c, Precision precision) {
  const std::uint64_t seed = course::grading::seed();
  for (int run = 0; run < c.runs; ++run) {
    INFO(what << ", " << describe(c) << ", seed = " << seed << " (replay: COURSE_SEED=" << seed
              << ")");
    const Outcome outcome = run_case(gemm, c, precision, seed);
    const std::string where =
        what + ", " + describe(c) +
        (c.runs > 1 ? " (run " + std::to_string(run + 1) + " of " + std::to_string(c.runs) + ")"
                    : "");
    course::grading::require_that(
        outcome.mismatches == 0,
        where + ": " + std::to_string(outcome.mismatches) + " of " + std::to_string(outcome.count) +
            " elements differ (" + std::to_string(outcome.untouched) +
            " never written); first: " + outcome.first + ". Tolerance: " +
            (precision == Precision::fp32 ? "FP32, (2 sqrt(k) + 8) 2^-24 sum_p |a_ip b_pj|"
                                          : "TF32 (see gemm_checks.cpp)") +
            ". Wrong values only on large sizes often mean a thread read a tile before the whole "
            "block had written it, or overwrote it while others still read it");
    course::grading::require_that(
        outcome.guard_writes == 0,
        where + " wrote outside C: " + std::to_string(outcome.guard_writes) +
            " floats before or after C changed (is every store guarded by row < m and col < n?)");
  }
}

void check_all_cases(const std::string& what, const Gemm& gemm, Precision precision) {
  for (const Case& c : correctness_cases()) {
    if (course::grading::under_sanitizer() && is_large(c)) {
      course::grading::note_not_run(what + ": the " + std::to_string(c.m) + " x " +
                                    std::to_string(c.n) + " x " + std::to_string(c.k) +
                                    " case is not run under a sanitizer (too slow there)");
      continue;
    }
    check_case(what, gemm, c, precision);
  }
}

void check_rejects_bad_arguments(const std::string& what, const Gemm& gemm) {
  course::DeviceArray<float> a(64);
  course::DeviceArray<float> b(64);
  course::DeviceArray<float> c(64);
  struct Bad {
    const char* call;
    int m, n, k;
    const float* a;
    const float* b;
    float* c;
  };
  const Bad bad[] = {
      {"(m = -1, n = 8, k = 8)", -1, 8, 8, a.data(), b.data(), c.data()},
      {"(m = 8, n = -1, k = 8)", 8, -1, 8, a.data(), b.data(), c.data()},
      {"(m = 8, n = 8, k = -1)", 8, 8, -1, a.data(), b.data(), c.data()},
      {"(a = nullptr, k = 8)", 8, 8, 8, nullptr, b.data(), c.data()},
      {"(b = nullptr, k = 8)", 8, 8, 8, a.data(), nullptr, c.data()},
      {"(c = nullptr)", 8, 8, 8, a.data(), b.data(), nullptr},
  };
  for (const Bad& call : bad) {
    INFO(what << call.call << " must throw std::invalid_argument");
    REQUIRE_THROWS_AS(gemm(call.m, call.n, call.k, 1.0f, call.a, call.b, 0.0f, call.c),
                      std::invalid_argument);
  }
  {
    INFO(what << "(m = 0, n = 8, k = 8, all pointers null): C is empty, nothing to do, no "
                 "exception");
    REQUIRE_NOTHROW(gemm(0, 8, 8, 1.0f, nullptr, nullptr, 0.0f, nullptr));
  }
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
}

course::CublasHandle& grader_cublas() {
  // Created on first use and deliberately never destroyed: a static's destructor would call
  // cublasDestroy after main returns, when the CUDA runtime may already be shutting down. The
  // process's exit releases it.
  static course::CublasHandle* const handle = new course::CublasHandle;
  return *handle;
}

Gemm cublas_yardstick(cublasMath_t mode) {
  return [mode](int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                float* c) {
    // Column-major C (m x n) = A (m x k) B (k x n): the same 2 m n k FLOPs and the same bytes as
    // the exercises' product, cuBLAS's own convention, a different result. The buffers hold m k,
    // k n and m n floats, as this call reads and writes. A column of A or C is m floats, one of
    // B k floats (cuBLAS wants at least 1, even for an empty product).
    const int rows_a = std::max(1, m);
    const int rows_b = std::max(1, k);
    cublasHandle_t handle = grader_cublas().get();
    COURSE_CUBLAS_CHECK(cublasSetMathMode(handle, mode));
    COURSE_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, m, n, k, &alpha, a, rows_a, b,
                                    rows_b, &beta, c, rows_a));
  };
}

bool tf32_tensor_cores_or_not_graded(const std::string& what) {
  const course::DeviceInfo& info = course::device_info();
  if (info.compute_major >= 8)
    return true;
  course::grading::not_graded_here(what + ": " + info.name +
                                   " has no TF32 tensor cores (compute capability 8.0 or newer)");
  return false;
}

bool tf32_tensor_cores_or_not_applicable(const std::string& what) {
  const course::DeviceInfo& info = course::device_info();
  if (info.compute_major >= 8)
    return true;
  course::grading::note_not_run(what + ": not applicable, " + info.name +
                                " has no TF32 tensor cores (compute capability " +
                                std::to_string(info.compute_major) + "." +
                                std::to_string(info.compute_minor) + "; 8.0 or newer has them)");
  return false;
}

SpeedOperands::SpeedOperands(int n)
    : n_(n),
      a_(course::random_floats(static_cast<std::size_t>(n) * n, 11)),
      b_(course::random_floats(static_cast<std::size_t>(n) * n, 12)),
      c_(static_cast<std::size_t>(n) * n) {}

double SpeedOperands::time_ms(const Gemm& gemm, const course::TimingOptions& options) const {
  return course::grading::time_student(
             "a " + std::to_string(n_) + "^3 product",
             [&] { gemm(n_, n_, n_, 1.0f, a_.data(), b_.data(), 0.0f, c_.data()); }, options)
      .median_ms;
}

double SpeedOperands::cublas_ms(Precision precision) {
  double& cached = precision == Precision::fp32 ? cublas_fp32_ms_ : cublas_tf32_ms_;
  if (cached == 0) {
    cached = time_ms(cublas_yardstick(precision == Precision::fp32 ? CUBLAS_DEFAULT_MATH
                                                                   : CUBLAS_TF32_TENSOR_OP_MATH));
  }
  return cached;
}

namespace {

// Up to 3 of `samples` elements of C = A B (n x n, row-major) outside the tolerance of
// `precision`, described; empty when all are within it. An FP64 dot product per element on the
// host: a few hundred of them are enough to tell a fresh product from a stale one, whose every
// element is wrong.
std::string spot_check(const std::vector<float>& a, const std::vector<float>& b,
                       const std::vector<float>& c, int n, Precision precision, int samples,
                       std::uint64_t seed) {
  const double fp32 = fp32_allowance(n);
  std::ostringstream text;
  text.precision(9);
  int wrong = 0;
  course::Random random(seed);
  for (int sample = 0; sample < samples; ++sample) {
    const std::size_t i = random.next_u64() % static_cast<std::uint64_t>(n);
    const std::size_t j = random.next_u64() % static_cast<std::uint64_t>(n);
    double ab = 0;
    double s = 0;
    double t2 = 0;
    for (std::size_t p = 0; p < static_cast<std::size_t>(n); ++p) {
      const double term = static_cast<double>(a[i * n + p]) * b[p * n + j];
      ab += term;
      s += std::fabs(term);
      t2 += term * term;
    }
    double tolerance = fp32 * s;
    if (precision == Precision::tf32)
      tolerance += std::ldexp(std::fabs(ab), -9) + std::ldexp(std::sqrt(t2), -8);
    const float got = c[i * n + j];
    if (std::isfinite(got) && std::fabs(got - ab) <= tolerance)
      continue;
    if (wrong++ < 3) {
      text << (wrong == 1 ? "" : ", ") << "C[" << i << "][" << j << "] = " << got << ", expected "
           << ab << (course::is_poison(got) ? " (never written)" : "");
    }
  }
  if (wrong == 0)
    return "";
  return std::to_string(wrong) + " of " + std::to_string(samples) +
         " elements checked differ: " + text.str();
}

}  // namespace

double SpeedOperands::time_student_ms(const std::string& what, const Gemm& gemm,
                                      Precision precision, bool own_kernels_only,
                                      const course::TimingOptions& options) {
  namespace grading = course::grading;
  const std::string size = " at " + std::to_string(n_) + "^3";
  const double ms =
      grading::time_student(
          what + size, [&] { gemm(n_, n_, n_, 1.0f, a_.data(), b_.data(), 0.0f, c_.data()); },
          options)
          .median_ms;
  check_student(what, gemm, precision, own_kernels_only, ms);
  return ms;
}

SpeedOperands::AgainstCublas SpeedOperands::time_student_against_cublas_ms(
    const std::string& what, const Gemm& gemm, Precision precision, bool own_kernels_only,
    const course::TimingOptions& options) {
  const std::string size = " at " + std::to_string(n_) + "^3";
  const Gemm cublas = cublas_yardstick(precision == Precision::fp32 ? CUBLAS_DEFAULT_MATH
                                                                    : CUBLAS_TF32_TENSOR_OP_MATH);
  const std::vector<course::Timing> timings = course::grading::time_interleaved(
      {{"the grader's cuBLAS" + size,
        [&] { cublas(n_, n_, n_, 1.0f, a_.data(), b_.data(), 0.0f, c_.data()); }, nullptr},
       {what + size, [&] { gemm(n_, n_, n_, 1.0f, a_.data(), b_.data(), 0.0f, c_.data()); },
        nullptr}},
      options);
  AgainstCublas measured;
  measured.cublas_ms = timings[0].median_ms;
  measured.student_ms = timings[1].median_ms;
  // The impossible-speed floor below uses this run's cuBLAS time rather than an earlier one.
  (precision == Precision::fp32 ? cublas_fp32_ms_ : cublas_tf32_ms_) = measured.cublas_ms;
  check_student(what, gemm, precision, own_kernels_only, measured.student_ms);
  return measured;
}

std::vector<double> SpeedOperands::time_student_interleaved_ms(
    const std::string& what, const Gemm& gemm, Precision precision, bool own_kernels_only,
    const std::vector<std::pair<std::string, Gemm>>& others, const course::TimingOptions& options) {
  const std::string size = " at " + std::to_string(n_) + "^3";
  std::vector<course::grading::InterleavedCall> calls;
  calls.push_back({what + size,
                   [&] { gemm(n_, n_, n_, 1.0f, a_.data(), b_.data(), 0.0f, c_.data()); },
                   nullptr});
  for (const auto& [name, other] : others) {
    const Gemm& product = other;
    calls.push_back({name + size,
                     [&] { product(n_, n_, n_, 1.0f, a_.data(), b_.data(), 0.0f, c_.data()); },
                     nullptr});
  }
  const std::vector<course::Timing> timings = course::grading::time_interleaved(calls, options);
  std::vector<double> ms;
  ms.reserve(timings.size());
  for (const course::Timing& timing : timings)
    ms.push_back(timing.median_ms);
  check_student(what, gemm, precision, own_kernels_only, ms[0]);
  return ms;
}

void SpeedOperands::check_student(const std::string& what, const Gemm& gemm, Precision precision,
                                  bool own_kernels_only, double ms) {
  namespace grading = course::grading;
  const std::string size = " at " + std::to_string(n_) + "^3";
  // Once more on new A and B in the same buffers, C poisoned.
  const double elements = static_cast<double>(n_) * n_;
  std::vector<float> host_a;
  std::vector<float> host_b;
  const std::uint64_t seed = grading::seed() + 31;
  grading::FreshCall fresh;
  fresh.new_inputs = [&] {
    host_a = course::random_floats(static_cast<std::size_t>(elements), seed);
    host_b = course::random_floats(static_cast<std::size_t>(elements), seed + 1);
    a_.copy_from_host(host_a);
    b_.copy_from_host(host_b);
  };
  fresh.poison_outputs = [&] { c_.fill_bytes(0xFF); };
  fresh.call = [&] { gemm(n_, n_, n_, 1.0f, a_.data(), b_.data(), 0.0f, c_.data()); };
  fresh.mismatch = [&] {
    grading::require_input_unchanged(what, "a", a_.data(), host_a);
    grading::require_input_unchanged(what, "b", b_.data(), host_b);
    return spot_check(host_a, host_b, c_.to_host(), n_, precision, 512, seed + 2);
  };
  fresh.own_kernels_only = own_kernels_only;
  fresh.context = "m = n = k = " + std::to_string(n_);
  grading::require_fresh_result(what + size, fresh);
  // After the fresh call, so that a memoised result is reported as such, not as impossibly fast.
  grading::require_possible_time(what + size, ms, 3.0 * elements * sizeof(float));
  grading::require_not_faster_than(what + size, ms,
                                   std::string("the grader's cuBLAS SGEMM ") +
                                       (precision == Precision::fp32 ? "(FP32)" : "with TF32") +
                                       " on the same operands",
                                   cublas_ms(precision), kFasterThanCublasAtMost);
}

double SpeedOperands::tflops(double ms) const {
  const double n = n_;
  return 2.0 * n * n * n / (ms * 1e-3) / 1e12;
}

std::string describe_speed(double tflops, double ms) {
  std::ostringstream text;
  text.precision(3);
  text << tflops << " TFLOP/s (" << ms << " ms)";
  return text.str();
}

}  // namespace chapter4_grading
