// 4.5 — SGEMM with cuBLAS: row-major C = alpha * A * B + beta * C through a column-major library,
// in FP32 and with TF32 tensor cores.
//
// Idea: cuBLAS follows Fortran BLAS: its matrices are column-major. Your matrices are row-major.
// The lesson's section on cuBLAS guides you to a row-major C from it without copying or
// transposing anything. The math mode is part of the handle (cublasSetMathMode): it decides
// whether cuBLAS may use TF32 tensor cores for an FP32 product, and a handle keeps the mode it was
// last given.
// Launch shape: cuBLAS chooses its own kernels; the work is queued on the handle's stream.
// What changed from the previous step: the product comes from NVIDIA's library, the yardstick
// for 4.1 to 4.4.
#include <algorithm>

#include "chapter4.hpp"
#include "course/cublas.hpp"
#include "course/error.hpp"

namespace chapter4 {

void sgemm_cublas(cublasHandle_t handle, int m, int n, int k, float alpha, const float* a,
                  const float* b, float beta, float* c) {
  // TODO(4.5): throw std::invalid_argument for a null handle; check_gemm_arguments("sgemm_cublas",
  // ...); set the math mode for full FP32 precision; then one cublasSgemm, each call wrapped in
  // COURSE_CUBLAS_CHECK. Leading dimensions must be at least 1, even when k is 0. Delete the
  // COURSE_TODO line when you are done.
  COURSE_TODO("4.5", "sgemm_cublas: cublasSgemm on row-major matrices, FP32");
}

void sgemm_cublas_tf32(cublasHandle_t handle, int m, int n, int k, float alpha, const float* a,
                       const float* b, float beta, float* c) {
  // TODO(4.5): the same with CUBLAS_TF32_TENSOR_OP_MATH.
  COURSE_TODO("4.5", "sgemm_cublas_tf32: the same with TF32 tensor cores allowed");
}

}  // namespace chapter4
