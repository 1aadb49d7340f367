/// @file benchmark.cu
/// @brief Chapter 4 benchmarks: every step of the matrix-product ladder and cuBLAS side by side,
///        on square n x n x n products (C = A B, alpha 1, beta 0).
///
///   BM_cublas_sgemm        cuBLAS SGEMM, FP32, TF32 off: the yardstick      n = 1024 .. 8192
///   BM_cublas_tf32         cuBLAS SGEMM with TF32 tensor cores              n = 1024 .. 8192
///   BM_cublas_fp16         cublasGemmEx, FP16 inputs, FP32 accumulate/out   n = 1024 .. 8192
///                          (the three in cuBLAS's own column-major convention: the same work as
///                          the row-major C = A B of the course's functions; on these buffers
///                          their C, read row-major, is B A, and that is what is checked)
///   BM_naive_uncoalesced   4.1's given kernel (threads down the rows)       n = 1024 .. 4096
///   BM_naive               chapter4::sgemm_naive (4.1)                      n = 1024 .. 4096
///   BM_shared              chapter4::sgemm_shared (4.2)                     n = 1024 .. 4096
///   BM_1d_tile             chapter4::sgemm_1d_tile (4.3)                    n = 1024 .. 4096
///   BM_2d_tile             chapter4::sgemm_2d_tile (4.3)                    n = 1024 .. 8192
///   BM_fast                chapter4::sgemm_fast (4.4)                       n = 1024 .. 8192
///   BM_cublas_exercise     chapter4::sgemm_cublas (4.5)                     n = 4096
///   BM_wmma_tf32           chapter4::sgemm_wmma_tf32 (4.6)                  n = 1024 .. 8192
///   BM_sgemm_fast_config/<c>/<n>   the reference's sgemm_fast forced to tile shape c
///                          (COURSE_SGEMM_FAST_CONFIG, solutions/04-matmul/matmul_fast.cu):
///                          0 128x128x8, 1 128x128x16, 2 128x64x8, 3 64x128x8, 4 64x64x8;
///                          n = 1024 .. 4096. A student's sgemm_fast ignores the variable.
///
/// Each reports items_per_second = FLOP/s (2 n^3 per product) and bytes_per_second for the
/// 12 n^2 bytes a product must move at least, and its label names the step. The context records
/// the GPU's FP32 peak (fp32_peak_TFLOPS: its datasheet's, from tests/support/published_peaks.hpp;
/// absent for an architecture that table does not have), which benchmarks/figures.py's `steps`
/// block divides by. GPU times come from CUDA events.
///
/// After timing, every benchmark checks C against an FP64 dot product on the CPU at
/// course::bench::indices_to_check (all elements up to 2^20, a sample above): each element's
/// error divided by its tolerance, (2 sqrt(n) + 8) 2^-24 sum_p |a_ip b_pj| for FP32 and, for
/// TF32 and FP16 inputs, 2^-8 sqrt(sum_p (a_ip b_pj)^2) + 2^-9 |c| on top (tests/chapter4/
/// gemm_checks.cpp says why), must be at most 1; a wrong C ends the benchmark with "wrong result:
/// C (error / tolerance)[i] = ..." instead of a rate. Run, for example:
///
///   build/solutions/benchmarks/chapter4_benchmarks --benchmark_out=ch4.json
///   --benchmark_out_format=json
///   build/solutions/benchmarks/chapter4_benchmarks --benchmark_filter='fast_config'
#include <benchmark/benchmark.h>
#include <cublas_v2.h>
#include <cuda_fp16.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "chapter4.hpp"
#include "course/course.hpp"
#include "course/cublas.hpp"
#include "published_peaks.hpp"

namespace {

using course::bench::random_inputs;
using course::bench::run_on_gpu;
using course::bench::time_gpu_iterations;

constexpr std::uint64_t kSeedA = 41;
constexpr std::uint64_t kSeedB = 42;

using Product = void (*)(int n, const float* a, const float* b, float* c);

enum class Precision { fp32, reduced };

course::CublasHandle& handle() {
  // Never destroyed: a static's destructor would call cublasDestroy after main returns, when the
  // CUDA runtime may already be shutting down.
  static course::CublasHandle* const instance = new course::CublasHandle;
  return *instance;
}

// Column-major C = A B, cuBLAS's own convention (exercise 4.5 is the row-major product).
void cublas_square(cublasMath_t mode, int n, const float* a, const float* b, float* c) {
  const float one = 1.0f;
  const float zero = 0.0f;
  COURSE_CUBLAS_CHECK(cublasSetMathMode(handle().get(), mode));
  COURSE_CUBLAS_CHECK(cublasSgemm(handle().get(), CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, n, b,
                                  n, &zero, c, n));
}

/// Which product a result holds, read row-major: the course's functions compute A B; cuBLAS in
/// its own column-major convention computes, on the same buffers, B A.
enum class Holds { a_times_b, b_times_a };

// FP16 copies of the current inputs, made once per size (outside the timed region).
__global__ void to_half(const float* in, __half* out, std::size_t count) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < count)
    out[i] = __float2half_rn(in[i]);
}

/// The right operand transposed, made once per size and seed: the check's dot products then read
/// its columns as contiguous rows (down a column, every term is a cache miss: at n = 8192 the
/// check took minutes instead of about a second).
const std::vector<float>& transposed_inputs(int n, std::uint64_t seed) {
  static std::map<std::pair<int, std::uint64_t>, std::vector<float>> cache;
  std::vector<float>& transposed = cache[{n, seed}];
  if (transposed.empty()) {
    const std::size_t size = static_cast<std::size_t>(n);
    const std::vector<float>& b = random_inputs(size * size, seed);
    transposed.resize(size * size);
    for (std::size_t p = 0; p < size; ++p)
      for (std::size_t j = 0; j < size; ++j)
        transposed[j * size + p] = b[p * size + j];
  }
  return transposed;
}

/// The checked reference: for each sampled element, (C - FP64 A B) / tolerance (B A when the
/// product holds that).
bool product_is_right(benchmark::State& state, int n, const std::vector<float>& c,
                      Precision precision, Holds holds) {
  const bool swapped = holds == Holds::b_times_a;
  const std::vector<float>& a =
      random_inputs(static_cast<std::size_t>(n) * n, swapped ? kSeedB : kSeedA);
  const std::vector<float>& b_t = transposed_inputs(n, swapped ? kSeedA : kSeedB);
  const double fp32 = (2.0 * std::sqrt(static_cast<double>(n)) + 8.0) / 16777216.0;
  course::bench::ResultCheck check("C (error / tolerance)", c.size(),
                                   course::bench::CheckRule{1.0, 0.0, 0.0});
  for (const std::size_t e : course::bench::indices_to_check(c.size())) {
    const std::size_t i = e / n;
    const std::size_t j = e % n;
    double sum = 0, s = 0, t2 = 0;
    for (int p = 0; p < n; ++p) {
      const double term = static_cast<double>(a[i * n + p]) * b_t[j * n + p];
      sum += term;
      s += std::fabs(term);
      t2 += term * term;
    }
    double tolerance = fp32 * s;
    if (precision == Precision::reduced)
      tolerance += std::ldexp(std::sqrt(t2), -8) + std::ldexp(std::fabs(sum), -9);
    const double error = static_cast<double>(c[e]) - sum;
    check.compare(e, std::isfinite(c[e]) ? error / tolerance : c[e], 0.0);
  }
  return check.passed(state);
}

/// Times `product` on n x n x n (label `step`), checks it, reports FLOP/s.
void run_product(benchmark::State& state, const std::string& step, Product product,
                 Precision precision = Precision::fp32, bool tensor_cores = false,
                 int size_argument = 0, Holds holds = Holds::a_times_b) {
  run_on_gpu(state, [&] {
    const int n = static_cast<int>(state.range(size_argument));
    const std::size_t count = static_cast<std::size_t>(n) * n;
    const course::DeviceArray<float> a(random_inputs(count, kSeedA));
    const course::DeviceArray<float> b(random_inputs(count, kSeedB));
    course::DeviceArray<float> c(count);
    time_gpu_iterations(state, [&] { product(n, a.data(), b.data(), c.data()); });
    if (!product_is_right(state, n, c.to_host(), precision, holds))
      return;
    const auto side = static_cast<std::int64_t>(n);
    course::bench::report_rates(state, 12 * side * side, 2 * side * side * side);
    state.SetLabel(step);
    state.counters["tensor_cores"] = tensor_cores ? 1 : 0;
  });
}

void BM_cublas_sgemm(benchmark::State& state) {
  run_product(
      state, "cuBLAS SGEMM, FP32 (TF32 off)",
      [](int n, const float* a, const float* b, float* c) {
        cublas_square(CUBLAS_DEFAULT_MATH, n, a, b, c);
      },
      Precision::fp32, false, 0, Holds::b_times_a);
}

void BM_cublas_tf32(benchmark::State& state) {
  run_product(
      state, "cuBLAS SGEMM, TF32 tensor cores",
      [](int n, const float* a, const float* b, float* c) {
        cublas_square(CUBLAS_TF32_TENSOR_OP_MATH, n, a, b, c);
      },
      Precision::reduced, true, 0, Holds::b_times_a);
}

// FP16 copies of A and B for BM_cublas_fp16, made before timing.
__half* g_a_half = nullptr;
__half* g_b_half = nullptr;

void BM_cublas_fp16(benchmark::State& state) {
  run_on_gpu(state, [&] {
    const int n = static_cast<int>(state.range(0));
    const std::size_t count = static_cast<std::size_t>(n) * n;
    course::DeviceArray<__half> a_half(count);
    course::DeviceArray<__half> b_half(count);
    {
      const course::DeviceArray<float> a(random_inputs(count, kSeedA));
      const course::DeviceArray<float> b(random_inputs(count, kSeedB));
      const unsigned blocks = static_cast<unsigned>((count + 255) / 256);
      to_half<<<blocks, 256>>>(a.data(), a_half.data(), count);
      COURSE_CHECK_LAUNCH();
      to_half<<<blocks, 256>>>(b.data(), b_half.data(), count);
      COURSE_CHECK_LAUNCH();
      COURSE_CUDA_CHECK(cudaDeviceSynchronize());
    }
    g_a_half = a_half.data();
    g_b_half = b_half.data();
    run_product(
        state, "cuBLAS GEMM, FP16 inputs, FP32 accumulation",
        [](int n, const float*, const float*, float* c) {
          const float one = 1.0f;
          const float zero = 0.0f;
          COURSE_CUBLAS_CHECK(cublasSetMathMode(handle().get(), CUBLAS_DEFAULT_MATH));
          COURSE_CUBLAS_CHECK(cublasGemmEx(handle().get(), CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one,
                                           g_a_half, CUDA_R_16F, n, g_b_half, CUDA_R_16F, n, &zero,
                                           c, CUDA_R_32F, n, CUBLAS_COMPUTE_32F,
                                           CUBLAS_GEMM_DEFAULT));
        },
        Precision::reduced, true, 0, Holds::b_times_a);
  });
}

void BM_naive_uncoalesced(benchmark::State& state) {
  run_product(state, "4.1 given: naive, threads down the rows",
              [](int n, const float* a, const float* b, float* c) {
                chapter4::sgemm_naive_uncoalesced(n, n, n, 1.0f, a, b, 0.0f, c);
              });
}

void BM_naive(benchmark::State& state) {
  run_product(state, "4.1 naive, coalesced", [](int n, const float* a, const float* b, float* c) {
    chapter4::sgemm_naive(n, n, n, 1.0f, a, b, 0.0f, c);
  });
}

void BM_shared(benchmark::State& state) {
  run_product(state, "4.2 shared-memory tiles",
              [](int n, const float* a, const float* b, float* c) {
                chapter4::sgemm_shared(n, n, n, 1.0f, a, b, 0.0f, c);
              });
}

void BM_1d_tile(benchmark::State& state) {
  run_product(state, "4.3 1D register tile (8 per thread)",
              [](int n, const float* a, const float* b, float* c) {
                chapter4::sgemm_1d_tile(n, n, n, 1.0f, a, b, 0.0f, c);
              });
}

void BM_2d_tile(benchmark::State& state) {
  run_product(state, "4.3 2D register tile (8 x 8 per thread)",
              [](int n, const float* a, const float* b, float* c) {
                chapter4::sgemm_2d_tile(n, n, n, 1.0f, a, b, 0.0f, c);
              });
}

void BM_fast(benchmark::State& state) {
  run_product(state, "4.4 final kernel", [](int n, const float* a, const float* b, float* c) {
    chapter4::sgemm_fast(n, n, n, 1.0f, a, b, 0.0f, c);
  });
}

void BM_cublas_exercise(benchmark::State& state) {
  run_product(state, "4.5 sgemm_cublas (FP32)",
              [](int n, const float* a, const float* b, float* c) {
                chapter4::sgemm_cublas(handle().get(), n, n, n, 1.0f, a, b, 0.0f, c);
              });
}

void BM_wmma_tf32(benchmark::State& state) {
  run_product(
      state, "4.6 WMMA, TF32 tensor cores",
      [](int n, const float* a, const float* b, float* c) {
        chapter4::sgemm_wmma_tf32(n, n, n, 1.0f, a, b, 0.0f, c);
      },
      Precision::reduced, true);
}

// The reference's tile shapes, in the order BM_sgemm_fast_config numbers them.
const char* const kFastConfigs[] = {"128x128x8", "128x128x16", "128x64x8", "64x128x8", "64x64x8"};

void BM_sgemm_fast_config(benchmark::State& state) {
  const char* config = kFastConfigs[state.range(0)];
  setenv("COURSE_SGEMM_FAST_CONFIG", config, 1);
  run_product(
      state, std::string("4.4 final kernel, tiles ") + config,
      [](int n, const float* a, const float* b, float* c) {
        chapter4::sgemm_fast(n, n, n, 1.0f, a, b, 0.0f, c);
      },
      Precision::fp32, false, 1);
  unsetenv("COURSE_SGEMM_FAST_CONFIG");
}

void square_sizes(benchmark::internal::Benchmark* benchmark, int largest) {
  for (int n = 1024; n <= largest; n *= 2)
    benchmark->Arg(n);
  benchmark->UseManualTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_cublas_sgemm)->Apply([](benchmark::internal::Benchmark* b) { square_sizes(b, 8192); });
BENCHMARK(BM_cublas_tf32)->Apply([](benchmark::internal::Benchmark* b) { square_sizes(b, 8192); });
BENCHMARK(BM_cublas_fp16)->Apply([](benchmark::internal::Benchmark* b) { square_sizes(b, 8192); });
BENCHMARK(BM_naive_uncoalesced)->Apply([](benchmark::internal::Benchmark* b) {
  square_sizes(b, 4096);
});
BENCHMARK(BM_naive)->Apply([](benchmark::internal::Benchmark* b) { square_sizes(b, 4096); });
BENCHMARK(BM_shared)->Apply([](benchmark::internal::Benchmark* b) { square_sizes(b, 4096); });
BENCHMARK(BM_1d_tile)->Apply([](benchmark::internal::Benchmark* b) { square_sizes(b, 4096); });
BENCHMARK(BM_2d_tile)->Apply([](benchmark::internal::Benchmark* b) { square_sizes(b, 8192); });
BENCHMARK(BM_fast)->Apply([](benchmark::internal::Benchmark* b) { square_sizes(b, 8192); });
BENCHMARK(BM_cublas_exercise)->Arg(4096)->UseManualTime()->Unit(benchmark::kMillisecond);
BENCHMARK(BM_wmma_tf32)->Apply([](benchmark::internal::Benchmark* b) { square_sizes(b, 8192); });
BENCHMARK(BM_sgemm_fast_config)
    ->ArgsProduct({{0, 1, 2, 3, 4}, {1024, 2048, 4096}})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  // The FP32 peak the results page divides by: the datasheet's (tests/support/published_peaks.hpp;
  // computing it is exercise 1.1, which this file, shipped to students, must not do).
  if (course::gpu_available()) {
    try {
      const course::grading::PublishedPeaks published =
          course::grading::published_peaks(course::device_info());
      if (published.fp32_flops > 0) {
        char text[32];
        std::snprintf(text, sizeof text, "%.1f", published.fp32_flops / 1e12);
        benchmark::AddCustomContext("fp32_peak_TFLOPS", text);
      } else {
        std::fprintf(stderr, "chapter4_benchmarks: no FP32 peak: %s\n", published.source.c_str());
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "chapter4_benchmarks: no FP32 peak: %s\n", e.what());
    }
  }
  return course::bench::run_benchmarks(argc, argv, "chapter4_benchmarks");
}
