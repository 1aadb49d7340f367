// 4.3 — SGEMM with register blocking: several elements of C per thread.
//
// Idea: in 4.2 every multiply-add needs two shared-memory reads. A thread that computes several
// elements of C reuses what it read: a value of B held in a register serves every element of its
// column that the thread owns, a value of A every element of its row.
//   - sgemm_1d_tile (step 1): a block of 512 threads computes a 64 x 64 tile of C; each thread 8
//     consecutive rows of one column.
//   - sgemm_2d_tile (step 2): a block of 256 threads computes a 128 x 128 tile of C; each thread
//     an 8 x 8 square, from 8 values of A and 8 of B in registers per step of k.
// Both walk k in steps of 8 with tiles in shared memory as in 4.2, zeros outside the matrices.
// Launch shape: sgemm_1d_tile: blocks of 512 threads (one dimension), one per 64 x 64 tile of C.
// sgemm_2d_tile: blocks of 256 threads, one per 128 x 128 tile of C.
// What changed from the previous step (4.2): several outputs per thread, accumulated in
// registers; fewer shared-memory reads per multiply-add.
#include "chapter4.hpp"
#include "course/error.hpp"

namespace {

__device__ __forceinline__ float scale(float alpha, float sum, float beta, const float* c) {
  return beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
}

// ---- step 1: 8 rows of one column per thread ---------------------------------------------------

constexpr int k1dBM = 64;                          // rows of C per block
constexpr int k1dBN = 64;                          // columns of C per block
constexpr int k1dBK = 8;                           // k per step
constexpr int k1dTM = 8;                           // rows of C per thread
constexpr int k1dThreads = k1dBM * k1dBN / k1dTM;  // 512

// TODO(4.3): a_tile (64 x 8) and b_tile (8 x 64) in shared memory, one element of each loaded
// per thread per step. Thread t owns column t % 64 and rows (t / 64) * 8 .. + 7 of the block's
// tile: per step of k, read b_tile[p][its column] once and use it for its 8 sums.
__global__ void __launch_bounds__(k1dThreads)
    tile_1d_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                   const float* __restrict__ b, float beta, float* __restrict__ c) {}

// ---- step 2: an 8 x 8 square per thread --------------------------------------------------------

constexpr int k2dBM = 128;
constexpr int k2dBN = 128;
constexpr int k2dBK = 8;
constexpr int k2dTM = 8;                                       // rows of C per thread
constexpr int k2dTN = 8;                                       // columns of C per thread
constexpr int k2dThreads = (k2dBM / k2dTM) * (k2dBN / k2dTN);  // 256

// TODO(4.3): a_tile (128 x 8) and b_tile (8 x 128), 4 elements of each loaded per thread per
// step. Thread t owns the 8 x 8 square at row (t / 16) * 8, column (t % 16) * 8 of the tile: per
// step p, copy its 8 values of A and 8 of B into register arrays, then 64 multiply-adds.
__global__ void __launch_bounds__(k2dThreads)
    tile_2d_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                   const float* __restrict__ b, float beta, float* __restrict__ c) {}

}  // namespace

namespace chapter4 {

void sgemm_1d_tile(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                   float* c, cudaStream_t stream) {
  // TODO(4.3): check_gemm_arguments("sgemm_1d_tile", ...), then launch tile_1d_kernel: one block
  // of k1dThreads threads per 64 x 64 tile of C. Delete the COURSE_TODO line when you are done.
  COURSE_TODO("4.3", "sgemm_1d_tile: 8 elements of a column of C per thread");
}

void sgemm_2d_tile(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                   float* c, cudaStream_t stream) {
  // TODO(4.3): check_gemm_arguments("sgemm_2d_tile", ...), then launch tile_2d_kernel: one block
  // of k2dThreads threads per 128 x 128 tile of C.
  COURSE_TODO("4.3", "sgemm_2d_tile: an 8 x 8 square of C per thread");
}

}  // namespace chapter4
