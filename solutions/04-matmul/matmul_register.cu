// 4.3 — SGEMM with register blocking: several elements of C per thread.
//
// Idea: in 4.2 every multiply-add needs two shared-memory reads. A thread that computes several
// elements of C reuses what it read: a value of B held in a register serves every element of C
// in its column that the thread owns, and a value of A every element in its row.
//   - sgemm_1d_tile (step 1): a block of 512 threads computes a 64 x 64 tile of C; each thread 8
//     consecutive rows of one column. Per step p it reads one value of B from shared memory
//     (b_tile[p][col]) and 8 of A (a broadcast across the warp), for 8 multiply-adds: 9 reads
//     per 8 multiply-adds instead of 16.
//   - sgemm_2d_tile (step 2): a block of 256 threads computes a 128 x 128 tile of C; each thread
//     an 8 x 8 square. Per step p it reads 8 values of A and 8 of B into registers and does 64
//     multiply-adds (their outer product): 16 reads per 64 multiply-adds, and each element of A
//     or B loaded from global memory serves 128 multiply-adds in the block.
// Both walk k in steps of 8 with tiles in shared memory as in 4.2 (a_tile BM x 8, b_tile 8 x BN),
// zeros outside the matrices, and write only elements inside C.
// Launch shape: sgemm_1d_tile: blocks of 512 threads (one dimension), a grid of ceil(n / 64) x
// ceil(m / 64); 4 KiB of shared memory. sgemm_2d_tile: blocks of 256 threads, a grid of
// ceil(n / 128) x ceil(m / 128); 8 KiB of shared memory, 64 accumulators per thread.
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

__global__ void __launch_bounds__(k1dThreads)
    tile_1d_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                   const float* __restrict__ b, float beta, float* __restrict__ c) {
  __shared__ float a_tile[k1dBM][k1dBK];
  __shared__ float b_tile[k1dBK][k1dBN];

  const int row0 = blockIdx.y * k1dBM;
  const int col0 = blockIdx.x * k1dBN;
  const int tid = threadIdx.x;
  // This thread's outputs: rows thread_row * 8 .. + 7 of the tile, column thread_col. The 32
  // threads of a warp share thread_row (a broadcast from a_tile) and take 32 consecutive columns
  // (32 banks of b_tile).
  const int thread_col = tid % k1dBN;
  const int thread_row = tid / k1dBN;
  // Loading: one element of each tile per thread. A: 8 threads per row of the tile (a warp reads
  // 4 rows of 32 bytes); B: 64 threads per row (a warp reads 128 consecutive bytes).
  const int a_row = tid / k1dBK;
  const int a_col = tid % k1dBK;
  const int b_row = tid / k1dBN;
  const int b_col = tid % k1dBN;

  float sum[k1dTM] = {};
  for (int p0 = 0; p0 < k; p0 += k1dBK) {
    a_tile[a_row][a_col] =
        (row0 + a_row < m && p0 + a_col < k) ? a[(row0 + a_row) * k + p0 + a_col] : 0.0f;
    b_tile[b_row][b_col] =
        (p0 + b_row < k && col0 + b_col < n) ? b[(p0 + b_row) * n + col0 + b_col] : 0.0f;
    __syncthreads();
#pragma unroll
    for (int p = 0; p < k1dBK; ++p) {
      const float b_value = b_tile[p][thread_col];  // one read, 8 multiply-adds
#pragma unroll
      for (int i = 0; i < k1dTM; ++i)
        sum[i] += a_tile[thread_row * k1dTM + i][p] * b_value;
    }
    __syncthreads();
  }
  const int col = col0 + thread_col;
#pragma unroll
  for (int i = 0; i < k1dTM; ++i) {
    const int row = row0 + thread_row * k1dTM + i;
    if (row < m && col < n)
      c[row * n + col] = scale(alpha, sum[i], beta, &c[row * n + col]);
  }
}

// ---- step 2: an 8 x 8 square per thread --------------------------------------------------------

constexpr int k2dBM = 128;
constexpr int k2dBN = 128;
constexpr int k2dBK = 8;
constexpr int k2dTM = 8;                                       // rows of C per thread
constexpr int k2dTN = 8;                                       // columns of C per thread
constexpr int k2dThreads = (k2dBM / k2dTM) * (k2dBN / k2dTN);  // 256

__global__ void __launch_bounds__(k2dThreads)
    tile_2d_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                   const float* __restrict__ b, float beta, float* __restrict__ c) {
  __shared__ float a_tile[k2dBM][k2dBK];
  __shared__ float b_tile[k2dBK][k2dBN];

  const int row0 = blockIdx.y * k2dBM;
  const int col0 = blockIdx.x * k2dBN;
  const int tid = threadIdx.x;
  // This thread's outputs: rows thread_row * 8 .. + 7, columns thread_col * 8 .. + 7 of the tile.
  const int thread_col = tid % (k2dBN / k2dTN);
  const int thread_row = tid / (k2dBN / k2dTN);
  // Loading: each tile is 1024 floats, 4 per thread. A: 8 threads per row, 32 rows per pass;
  // B: 128 threads per row, 2 rows per pass.
  const int a_row = tid / k2dBK;
  const int a_col = tid % k2dBK;
  constexpr int kARowsPerPass = k2dThreads / k2dBK;  // 32
  const int b_row = tid / k2dBN;
  const int b_col = tid % k2dBN;
  constexpr int kBRowsPerPass = k2dThreads / k2dBN;  // 2

  float sum[k2dTM][k2dTN] = {};
  float a_reg[k2dTM];
  float b_reg[k2dTN];
  for (int p0 = 0; p0 < k; p0 += k2dBK) {
#pragma unroll
    for (int r = 0; r < k2dBM; r += kARowsPerPass) {
      const int row = row0 + a_row + r;
      a_tile[a_row + r][a_col] = (row < m && p0 + a_col < k) ? a[row * k + p0 + a_col] : 0.0f;
    }
#pragma unroll
    for (int r = 0; r < k2dBK; r += kBRowsPerPass) {
      const int p = p0 + b_row + r;
      b_tile[b_row + r][b_col] = (p < k && col0 + b_col < n) ? b[p * n + col0 + b_col] : 0.0f;
    }
    __syncthreads();
#pragma unroll
    for (int p = 0; p < k2dBK; ++p) {
      // 16 shared-memory reads into registers, then 64 multiply-adds from registers.
#pragma unroll
      for (int i = 0; i < k2dTM; ++i)
        a_reg[i] = a_tile[thread_row * k2dTM + i][p];
#pragma unroll
      for (int j = 0; j < k2dTN; ++j)
        b_reg[j] = b_tile[p][thread_col * k2dTN + j];
#pragma unroll
      for (int i = 0; i < k2dTM; ++i) {
#pragma unroll
        for (int j = 0; j < k2dTN; ++j)
          sum[i][j] += a_reg[i] * b_reg[j];
      }
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < k2dTM; ++i) {
    const int row = row0 + thread_row * k2dTM + i;
#pragma unroll
    for (int j = 0; j < k2dTN; ++j) {
      const int col = col0 + thread_col * k2dTN + j;
      if (row < m && col < n)
        c[row * n + col] = scale(alpha, sum[i][j], beta, &c[row * n + col]);
    }
  }
}

}  // namespace

namespace chapter4 {

void sgemm_1d_tile(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                   float* c, cudaStream_t stream) {
  if (!check_gemm_arguments("sgemm_1d_tile", m, n, k, a, b, c))
    return;
  const dim3 grid((n + k1dBN - 1) / k1dBN, (m + k1dBM - 1) / k1dBM);
  tile_1d_kernel<<<grid, k1dThreads, 0, stream>>>(m, n, k, alpha, a, b, beta, c);
  COURSE_CHECK_LAUNCH();
}

void sgemm_2d_tile(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                   float* c, cudaStream_t stream) {
  if (!check_gemm_arguments("sgemm_2d_tile", m, n, k, a, b, c))
    return;
  const dim3 grid((n + k2dBN - 1) / k2dBN, (m + k2dBM - 1) / k2dBM);
  tile_2d_kernel<<<grid, k2dThreads, 0, stream>>>(m, n, k, alpha, a, b, beta, c);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter4
