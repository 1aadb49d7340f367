// 4.5 — SGEMM with cuBLAS: row-major C = alpha * A * B + beta * C through a column-major library,
// in FP32 and with TF32 tensor cores.
//
// Idea: cuBLAS follows Fortran BLAS: a matrix is column-major, element (i, j) of an m x n matrix
// with leading dimension ld at [i + j * ld]. A row-major m x n matrix read as column-major is an
// n x m matrix: its transpose. So the row-major buffers A (m x k), B (k x n) and C (m x n) are,
// to cuBLAS, A^T (k x m), B^T (n x k) and C^T (n x m), and since
//     (A B)^T = B^T A^T,
// asking cuBLAS for the column-major product B^T A^T (B first: n x k times k x m, leading
// dimensions n, k and n) writes C^T in column-major order, which is C in row-major order. No copy,
// no transpose: only the order of the operands and the sizes change. Passing (m, n, k, A, B) as
// if the buffers were column-major computes something else (for square matrices, (B A)^T).
// The math mode is part of the handle: CUBLAS_DEFAULT_MATH computes FP32 products in FP32;
// CUBLAS_TF32_TENSOR_OP_MATH lets cuBLAS round the inputs to TF32 (10 mantissa bits) and use the
// tensor cores. A handle keeps the mode it was last given, so each function sets the one it
// needs, every time.
// Launch shape: cuBLAS chooses its own kernels; the work is queued on the handle's stream.
// What changed from the previous step: the product comes from NVIDIA's library, the yardstick
// for 4.1 to 4.4.
#include <algorithm>

#include "chapter4.hpp"
#include "course/cublas.hpp"
#include "course/error.hpp"

namespace {

void row_major_sgemm(cublasHandle_t handle, cublasMath_t mode, int m, int n, int k, float alpha,
                     const float* a, const float* b, float beta, float* c) {
  COURSE_CUBLAS_CHECK(cublasSetMathMode(handle, mode));
  // C^T (n x m, column-major) = B^T (n x k) * A^T (k x m). Leading dimensions are at least 1,
  // even for k == 0 (cuBLAS rejects 0); with k == 0 cuBLAS computes C = beta * C.
  COURSE_CUBLAS_CHECK(cublasSgemm(handle, CUBLAS_OP_N, CUBLAS_OP_N, n, m, k, &alpha, b,
                                  std::max(1, n), a, std::max(1, k), &beta, c, std::max(1, n)));
}

}  // namespace

namespace chapter4 {

void sgemm_cublas(cublasHandle_t handle, int m, int n, int k, float alpha, const float* a,
                  const float* b, float beta, float* c) {
  if (handle == nullptr)
    throw std::invalid_argument("sgemm_cublas: handle must not be null");
  if (!check_gemm_arguments("sgemm_cublas", m, n, k, a, b, c))
    return;
  row_major_sgemm(handle, CUBLAS_DEFAULT_MATH, m, n, k, alpha, a, b, beta, c);
}

void sgemm_cublas_tf32(cublasHandle_t handle, int m, int n, int k, float alpha, const float* a,
                       const float* b, float beta, float* c) {
  if (handle == nullptr)
    throw std::invalid_argument("sgemm_cublas_tf32: handle must not be null");
  if (!check_gemm_arguments("sgemm_cublas_tf32", m, n, k, a, b, c))
    return;
  row_major_sgemm(handle, CUBLAS_TF32_TENSOR_OP_MATH, m, n, k, alpha, a, b, beta, c);
}

}  // namespace chapter4
