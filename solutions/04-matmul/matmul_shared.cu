// 4.2 — SGEMM tiled through shared memory.
//
// Idea: in the naive kernel every thread reads its whole row of A and column of B from global
// memory: 2 loads per multiply-add, and each element of A is read by n threads, each of B by m.
// Here a block of 32 x 32 threads computes a 32 x 32 tile of C and walks k one 32-wide step at a
// time: the block copies a 32 x 32 tile of A and one of B into shared memory (each thread one
// element of each, coalesced), waits until both tiles are complete (__syncthreads), and each
// thread does 32 multiply-adds reading a row of the A tile and a column of the B tile from shared
// memory. Then it waits again before the next step overwrites the tiles. Global memory is read
// 32 times less; shared memory is still read twice per multiply-add (one of the two a broadcast),
// which is what limits this kernel.
// Edges: a tile that sticks out of A or B is filled with zeros (they add nothing), and only
// elements inside C are written.
// Launch shape: blocks of 32 x 32 threads (x along the columns of C), a grid of ceil(n / 32) x
// ceil(m / 32) blocks, 8 KiB of shared memory per block.
// What changed from the previous step (4.1): shared-memory tiles; global reads / 32.
#include "chapter4.hpp"
#include "course/error.hpp"

namespace {

constexpr int kTile = 32;

__device__ __forceinline__ float scale(float alpha, float sum, float beta, const float* c) {
  return beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
}

__global__ void shared_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                              const float* __restrict__ b, float beta, float* __restrict__ c) {
  __shared__ float a_tile[kTile][kTile];  // a_tile[r][p]: A[row0 + r][p0 + p]
  __shared__ float b_tile[kTile][kTile];  // b_tile[p][s]: B[p0 + p][col0 + s]

  const int tx = threadIdx.x;  // column inside the tile
  const int ty = threadIdx.y;  // row inside the tile
  const int row = blockIdx.y * kTile + ty;
  const int col = blockIdx.x * kTile + tx;

  float sum = 0.0f;
  for (int p0 = 0; p0 < k; p0 += kTile) {
    // Thread (ty, tx) loads A[row][p0 + tx] and B[p0 + ty][col]: a warp (fixed ty) reads 32
    // consecutive floats of one row of each matrix. Zeros outside the matrices.
    a_tile[ty][tx] = (row < m && p0 + tx < k) ? a[row * k + p0 + tx] : 0.0f;
    b_tile[ty][tx] = (p0 + ty < k && col < n) ? b[(p0 + ty) * n + col] : 0.0f;
    // Every thread reads tile elements that other warps loaded.
    __syncthreads();
#pragma unroll
    for (int p = 0; p < kTile; ++p)
      sum += a_tile[ty][p] * b_tile[p][tx];  // a_tile: broadcast; b_tile: 32 banks
    // The next step overwrites the tiles: nobody may still be reading them.
    __syncthreads();
  }
  if (row < m && col < n)
    c[row * n + col] = scale(alpha, sum, beta, &c[row * n + col]);
}

}  // namespace

namespace chapter4 {

void sgemm_shared(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                  float* c, cudaStream_t stream) {
  if (!check_gemm_arguments("sgemm_shared", m, n, k, a, b, c))
    return;
  const dim3 block(kTile, kTile);
  const dim3 grid((n + kTile - 1) / kTile, (m + kTile - 1) / kTile);
  shared_kernel<<<grid, block, 0, stream>>>(m, n, k, alpha, a, b, beta, c);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter4
