/// @file chapter4.hpp
/// @brief Chapter 4's exercises: what you implement, and what the graders call.
///
/// Do not change these declarations: the graders are compiled against them. Every function of
/// this chapter computes the same thing, a single-precision general matrix product (SGEMM):
///
///     C = alpha * A * B + beta * C
///
/// for row-major matrices of floats in device memory: A is m x k (element (i, p) at a[i * k + p]),
/// B is k x n (element (p, j) at b[p * n + j]) and C is m x n (element (i, j) at c[i * n + j]).
/// The rows are packed: there is no padding between them. Any sizes work, not only multiples of
/// a tile: 1 x n, m x 1, k = 1, 17 x 33 x 65, 1000 x 1001 x 999. k == 0 leaves C = beta * C. When
/// beta is 0, C is only written, never read (as in BLAS): whatever it held before, NaN included,
/// does not matter. The kernels queue their work on `stream` and return without waiting.
///
/// Every launcher starts with check_gemm_arguments() (given below), so all of them reject the
/// same bad arguments with the same std::invalid_argument.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace chapter4 {

/// The tallest C the chapter's launchers accept: 65535 blocks (the grid's y limit) of 8 rows.
inline constexpr int kMaxRows = 65535 * 8;

/// Given (complete in the skeleton): the argument check every launcher of this chapter starts
/// with. `function` names the caller in the messages. Returns false when there is nothing to do
/// (m == 0 or n == 0: C is empty; launch nothing), true otherwise (k == 0 included: C = beta * C
/// still has to be computed).
/// @throws std::invalid_argument when m, n or k is negative; when m > kMaxRows; when m * k,
///         k * n or m * n is 2^31 or more (the kernels may index with int); when c is null, or a
///         or b is null while k > 0 (for a non-empty C).
inline bool check_gemm_arguments(const char* function, int m, int n, int k, const float* a,
                                 const float* b, const float* c) {
  const std::string name(function);
  if (m < 0 || n < 0 || k < 0) {
    throw std::invalid_argument(name + ": m, n and k must be >= 0, got m = " + std::to_string(m) +
                                ", n = " + std::to_string(n) + ", k = " + std::to_string(k));
  }
  if (m > kMaxRows) {
    throw std::invalid_argument(name + ": m = " + std::to_string(m) + " is more than " +
                                std::to_string(kMaxRows) +
                                " rows (65535 blocks of 8 rows in the grid's y)");
  }
  const std::int64_t limit = std::int64_t{1} << 31;
  if (std::int64_t{m} * k >= limit || std::int64_t{k} * n >= limit ||
      std::int64_t{m} * n >= limit) {
    throw std::invalid_argument(name +
                                ": a matrix of 2^31 elements or more (m = " + std::to_string(m) +
                                ", n = " + std::to_string(n) + ", k = " + std::to_string(k) +
                                "): this chapter's kernels index with int");
  }
  if (m == 0 || n == 0)
    return false;
  if (c == nullptr)
    throw std::invalid_argument(name + ": c must not be null for a non-empty C");
  if (k > 0 && (a == nullptr || b == nullptr))
    throw std::invalid_argument(name + ": a and b must not be null when k > 0");
  return true;
}

// ---- 4.1 (matmul_naive.cu) --------------------------------------------------------------------

/// Given (not an exercise): one thread per element of C, with consecutive threads of a warp on
/// consecutive *rows* of C (threadIdx.x walks down a column). Each thread reads a row of A while
/// its neighbours read other rows, k floats apart: a warp's 32 loads of A touch 32 sectors. The
/// speed grader of 4.1 times it as the baseline. Its grid's y runs along the columns of C: it
/// also throws std::invalid_argument when n > kMaxRows.
void sgemm_naive_uncoalesced(int m, int n, int k, float alpha, const float* a, const float* b,
                             float beta, float* c, cudaStream_t stream = nullptr);

/// Exercise 4.1: one thread per element of C, with consecutive threads of a warp on consecutive
/// *columns* of C, so that a warp's loads of B and its stores of C are coalesced and its loads of
/// A are one address (a broadcast).
void sgemm_naive(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                 float* c, cudaStream_t stream = nullptr);

// ---- 4.2 (matmul_shared.cu) -------------------------------------------------------------------

/// Exercise 4.2: tiled through shared memory. A block computes a square tile of C, one element
/// per thread, walking k one tile at a time: it copies a tile of A and a tile of B into shared
/// memory (each element read from global memory once per block), waits, and every thread reads
/// its row and column of the two tiles from shared memory.
void sgemm_shared(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                  float* c, cudaStream_t stream = nullptr);

// ---- 4.3 (matmul_register.cu) -----------------------------------------------------------------

/// Exercise 4.3, step 1: register blocking in one dimension. Each thread computes several
/// elements of one column of C (8 in the lesson), so that each value of B it reads from shared
/// memory serves several multiply-adds from registers.
void sgemm_1d_tile(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                   float* c, cudaStream_t stream = nullptr);

/// Exercise 4.3, step 2: register blocking in two dimensions. Each thread computes a small
/// square of C (8 x 8 in the lesson) from a column of the A tile and a row of the B tile held in
/// registers: 16 shared-memory reads for 64 multiply-adds.
void sgemm_2d_tile(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                   float* c, cudaStream_t stream = nullptr);

// ---- 4.4 (matmul_fast.cu) ---------------------------------------------------------------------

/// Exercise 4.4: the final kernel, as fast as you can make it (the grader asks for half of
/// cuBLAS at 4096; the lesson's reference reaches more). The lesson's ingredients: 16-byte
/// (float4) loads from global and shared memory, the A tile stored transposed in shared memory,
/// the threads of a warp arranged so that their shared-memory reads do not conflict, and double
/// buffering (the next tiles loaded while the current ones are used).
void sgemm_fast(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                float* c, cudaStream_t stream = nullptr);

// ---- 4.5 (cublas_gemm.cu) ---------------------------------------------------------------------

/// Exercise 4.5, step 1: the same row-major product with cublasSgemm, in full FP32 precision
/// (no tensor cores), whatever math mode `handle` was left in. cuBLAS assumes column-major
/// matrices: the lesson guides you to a row-major C without copying anything. Queued on the
/// handle's stream; returns without waiting. Checks its arguments like the others
/// (check_gemm_arguments), throws std::invalid_argument when `handle` is null, and
/// course::CublasError when cuBLAS fails.
void sgemm_cublas(cublasHandle_t handle, int m, int n, int k, float alpha, const float* a,
                  const float* b, float beta, float* c);

/// Exercise 4.5, step 2: the same with TF32 tensor cores allowed for the FP32 product
/// (CUBLAS_TF32_TENSOR_OP_MATH): inputs rounded to 10 bits of mantissa, products accumulated in
/// FP32. Less accurate (the lesson measures how much), and faster where the TF32 tensor cores
/// outrun the FP32 units: by the published figures several times on an A100, an H100 or an H200,
/// about 2x on an L4 or an A10, not at all on an RTX 3090 or 4090; below compute capability 8.0
/// there are no TF32 tensor cores.
void sgemm_cublas_tf32(cublasHandle_t handle, int m, int n, int k, float alpha, const float* a,
                       const float* b, float beta, float* c);

// ---- 4.6 (matmul_wmma.cu, optional) -----------------------------------------------------------

/// Exercise 4.6 (optional): tensor cores by hand with WMMA (nvcuda::wmma, 16 x 16 x 8 TF32
/// fragments, FP32 accumulators): the inputs rounded to TF32 (wmma::__float_to_tf32), the
/// products accumulated in FP32. Any sizes, like the others.
/// @throws std::runtime_error on a GPU of compute capability below 8.0 (no TF32 tensor cores),
///         or when this build has no code for 8.0 or newer (e.g. built for sm_75 only).
void sgemm_wmma_tf32(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                     float* c, cudaStream_t stream = nullptr);

}  // namespace chapter4
