// 4.6 (optional) — SGEMM on the tensor cores by hand, with WMMA: TF32 inputs, FP32 accumulators.
//
// Idea: through nvcuda::wmma (#include <mma.h>), a warp holds 16 x 8 tiles of A and 8 x 16 tiles
// of B in fragments, and wmma::mma_sync computes acc += a * b for a 16 x 16 FP32 accumulator
// fragment, the 32 lanes together. With wmma::precision::tf32 the inputs must be rounded to TF32
// (wmma::__float_to_tf32 on every element of a loaded fragment). Around it, the block tiling of
// 4.4: tiles of A and B in shared memory, each warp a piece of the block's tile of C. A fragment's
// layout in registers is unspecified: to compute alpha * acc + beta * C and to stay inside C at
// the edges, store it to shared memory first (wmma::store_matrix_sync) and write C from there.
// Launch shape: yours (the lesson's reference: 256 threads, 128 x 128 tiles of C, each warp
// 64 x 32 of it).
// Needs compute capability 8.0 or newer, and code built for it: wrap the kernel's body in
// #if !defined(__CUDA_ARCH__) || __CUDA_ARCH__ >= 800 (a build for sm_75 compiles it too), and
// check both in the launcher (the lesson says how).
// What changed from the previous step (4.4): the multiply-adds run on tensor cores.
#include "chapter4.hpp"
#include "course/error.hpp"

namespace chapter4 {

void sgemm_wmma_tf32(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                     float* c, cudaStream_t stream) {
  // TODO(4.6): check_gemm_arguments("sgemm_wmma_tf32", ...); throw std::runtime_error on a GPU
  // below compute capability 8.0 or when the kernel was not built for 8.0 or newer; launch your
  // WMMA kernel. Delete the COURSE_TODO line when you are done.
  COURSE_TODO("4.6", "sgemm_wmma_tf32: tensor cores by hand with WMMA");
}

}  // namespace chapter4
