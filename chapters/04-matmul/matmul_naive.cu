// 4.1 — The naive SGEMM: one thread per element of C, C = alpha * A * B + beta * C.
//
// Idea: thread (row, col) walks row `row` of A and column `col` of B, k multiply-adds, and writes
// c[row][col]. Which of the two indices follows threadIdx.x decides how fast it runs: a warp is
// 32 consecutive threadIdx.x values, and the 32 loads of one instruction are served together.
// The given sgemm_naive_uncoalesced puts threadIdx.x on the rows of C; you write sgemm_naive with
// threadIdx.x on the columns. The lesson's section on the naive kernel says what each warp then
// reads.
// Launch shape: blocks of 32 x 8 threads, one thread per element of C.
// What changes in the next steps: 4.2 shares tiles through shared memory, 4.3 computes several
// elements per thread, 4.4 everything at once.
#include "chapter4.hpp"
#include "course/error.hpp"

namespace {

constexpr int kBlockX = 32;  // one warp along x
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

// TODO(4.1): the same product with threadIdx.x along the columns of C (and threadIdx.y along its
// rows), so that the 32 threads of a warp read 32 consecutive floats of a row of B and write 32
// consecutive floats of C. Threads outside C do nothing.
__global__ void naive_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                             const float* __restrict__ b, float beta, float* __restrict__ c) {}

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
  // TODO(4.1): start with check_gemm_arguments("sgemm_naive", ...) (return when it says there is
  // nothing to do), launch naive_kernel on blocks of kBlockX x kBlockY threads covering C (how
  // many blocks along the columns? along the rows?), then COURSE_CHECK_LAUNCH(). Delete the
  // COURSE_TODO line when you are done.
  COURSE_TODO("4.1", "sgemm_naive: one thread per element of C, threadIdx.x along the columns");
}

}  // namespace chapter4
