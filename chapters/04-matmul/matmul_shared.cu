// 4.2 — SGEMM tiled through shared memory.
//
// Idea: in the naive kernel every thread reads its whole row of A and column of B from global
// memory, and each element of A is read by n threads, each of B by m. Here a block of 32 x 32
// threads computes a 32 x 32 tile of C and walks k one 32-wide step at a time: the block copies
// a 32 x 32 tile of A and one of B into shared memory (each thread one element of each), waits
// until both tiles are complete, and each thread does 32 multiply-adds from shared memory. Then
// it waits again before the next step overwrites the tiles.
// Launch shape: blocks of 32 x 32 threads (x along the columns of C), one block per 32 x 32 tile
// of C, 8 KiB of shared memory per block.
// What changed from the previous step (4.1): shared-memory tiles; global reads / 32.
#include "chapter4.hpp"
#include "course/error.hpp"

namespace {

constexpr int kTile = 32;

__device__ __forceinline__ float scale(float alpha, float sum, float beta, const float* c) {
  return beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
}

// TODO(4.2): two __shared__ kTile x kTile tiles, one of A and one of B. For each step p0 of k:
// thread (ty, tx) loads A[row][p0 + tx] and B[p0 + ty][col] (0 outside the matrices: the edges
// are not multiples of 32), the block waits, every thread adds its 32 products from the tiles,
// and the block waits again. Finally write C (only inside it) with scale().
__global__ void shared_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                              const float* __restrict__ b, float beta, float* __restrict__ c) {}

}  // namespace

namespace chapter4 {

void sgemm_shared(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                  float* c, cudaStream_t stream) {
  // TODO(4.2): check_gemm_arguments("sgemm_shared", ...), launch shared_kernel with one block of
  // kTile x kTile threads per tile of C, then COURSE_CHECK_LAUNCH(). Delete the COURSE_TODO line.
  COURSE_TODO("4.2", "sgemm_shared: 32 x 32 tiles of A and B in shared memory");
}

}  // namespace chapter4
