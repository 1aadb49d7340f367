// 4.1 — The naive SGEMM: one thread per element of C, C = alpha * A * B + beta * C.
//
// Idea: thread (row, col) walks row `row` of A and column `col` of B, k multiply-adds, and writes
// c[row][col]. Which of the two indices follows threadIdx.x decides everything: a warp is 32
// consecutive threadIdx.x values, and its 32 loads of one instruction are served together.
//   - threadIdx.x -> col (sgemm_naive): at step p the warp reads a[row][p], one address for all
//     32 threads (a broadcast), and b[p][col .. col + 31], 128 consecutive bytes (coalesced); it
//     writes 32 consecutive floats of C.
//   - threadIdx.x -> row (sgemm_naive_uncoalesced, given): the warp reads a[row .. row + 31][p],
//     32 floats k apart, 32 different 32-byte sectors for 128 useful bytes, at every step p; and
//     its stores of C land n floats apart.
// Launch shape: blocks of 32 x 8 threads (x along the columns of C), a grid of ceil(n / 32) x
// ceil(m / 8) blocks; the uncoalesced baseline the same with the roles of x and y swapped.
// What changed from the previous step: nothing yet; this is the first one.
#include "chapter4.hpp"
#include "course/error.hpp"

namespace {

constexpr int kBlockX = 32;  // one warp along x: 32 consecutive columns of C
constexpr int kBlockY = 8;   // 256 threads per block

// The epilogue every kernel of the chapter shares: C = alpha * sum + beta * C, and when beta is
// 0, C is not read (it may hold anything, NaN included).
__device__ __forceinline__ float scale(float alpha, float sum, float beta, const float* c) {
  return beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
}

// Given: threadIdx.x walks down the rows of C. A warp's loads of A are k floats apart.
__global__ void naive_rows_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                                  const float* __restrict__ b, float beta, float* __restrict__ c) {
  const int row = blockIdx.x * blockDim.x + threadIdx.x;
  const int col = blockIdx.y * blockDim.y + threadIdx.y;
  if (row >= m || col >= n)
    return;
  float sum = 0.0f;
  for (int p = 0; p < k; ++p)
    sum += a[row * k + p] * b[p * n + col];
  c[row * n + col] = scale(alpha, sum, beta, &c[row * n + col]);
}

// threadIdx.x walks along the columns of C: B and C coalesced, A broadcast.
__global__ void naive_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                             const float* __restrict__ b, float beta, float* __restrict__ c) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  const int row = blockIdx.y * blockDim.y + threadIdx.y;
  if (row >= m || col >= n)
    return;
  float sum = 0.0f;
  for (int p = 0; p < k; ++p)
    sum += a[row * k + p] * b[p * n + col];
  c[row * n + col] = scale(alpha, sum, beta, &c[row * n + col]);
}

}  // namespace

namespace chapter4 {

void sgemm_naive_uncoalesced(int m, int n, int k, float alpha, const float* a, const float* b,
                             float beta, float* c, cudaStream_t stream) {
  if (!check_gemm_arguments("sgemm_naive_uncoalesced", m, n, k, a, b, c))
    return;
  // x along the rows of C, y along its columns (grid y is limited to 65535 blocks: 8 columns per
  // block reach 524,280 columns, more than any matrix this chapter's graders use).
  if ((n + kBlockY - 1) / kBlockY > 65535)
    throw std::invalid_argument("sgemm_naive_uncoalesced: n is limited to 65535 * 8 here");
  const dim3 block(kBlockX, kBlockY);
  const dim3 grid((m + kBlockX - 1) / kBlockX, (n + kBlockY - 1) / kBlockY);
  naive_rows_kernel<<<grid, block, 0, stream>>>(m, n, k, alpha, a, b, beta, c);
  COURSE_CHECK_LAUNCH();
}

void sgemm_naive(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                 float* c, cudaStream_t stream) {
  if (!check_gemm_arguments("sgemm_naive", m, n, k, a, b, c))
    return;
  const dim3 block(kBlockX, kBlockY);
  const dim3 grid((n + kBlockX - 1) / kBlockX, (m + kBlockY - 1) / kBlockY);
  naive_kernel<<<grid, block, 0, stream>>>(m, n, k, alpha, a, b, beta, c);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter4
