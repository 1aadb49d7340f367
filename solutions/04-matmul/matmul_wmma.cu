// 4.6 (optional) — SGEMM on the tensor cores by hand, with WMMA: TF32 inputs, FP32 accumulators.
//
// Idea: a tensor core multiplies small matrices in one instruction. Through nvcuda::wmma, a warp
// holds 16 x 8 tiles of A and 8 x 16 tiles of B in "fragments" (registers spread over its 32
// lanes, in a layout only the hardware knows) and mma_sync computes acc += a * b for a 16 x 16
// accumulator fragment, all 32 lanes together. With precision::tf32 the inputs are rounded to
// TF32 (8 exponent bits, 10 mantissa bits: wmma::__float_to_tf32, round to nearest) and the
// products accumulated in FP32. Around it, the same block tiling as 4.4: a block of 8 warps
// computes a 128 x 128 tile of C, walking k in steps of 16 through double-buffered shared-memory
// tiles (row-major, rows padded by 4 floats against bank conflicts); warp w computes a 64 x 32
// piece (4 x 2 accumulator fragments) at warp row w / 4, warp column w % 4. At the end each warp
// stores one accumulator fragment at a time into a 16 x 16 staging area of its own in shared
// memory and writes C = alpha * acc + beta * C from there, element by element, only inside C:
// a fragment's layout in registers is unspecified, so C cannot be combined with it directly.
// Edges: tiles sticking out of A or B are filled with zeros, as in 4.4 (float4 loads when k and
// n are multiples of 4 and the pointers 16-byte aligned, element by element otherwise).
// Launch shape: blocks of 256 threads (8 warps), a grid of ceil(n / 128) x ceil(m / 128), 44.5
// KiB of static shared memory. Needs compute capability 8.0 or newer (TF32 tensor cores) and
// code built for it: the launcher checks both and throws otherwise.
// What changed from the previous step (4.4): the multiply-adds run on tensor cores, 16 x 16 x 8
// per instruction per warp, instead of one FFMA per thread.
#include <mma.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "chapter4.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"

namespace {

constexpr int kBM = 128;                              // rows of C per block
constexpr int kBN = 128;                              // columns of C per block
constexpr int kBK = 16;                               // k per step: two 8-deep fragments
constexpr int kWarpRows = 2;                          // warps along the rows of the tile
constexpr int kWarpCols = 4;                          // warps along its columns
constexpr int kWM = kBM / kWarpRows;                  // 64 rows per warp
constexpr int kWN = kBN / kWarpCols;                  // 32 columns per warp
constexpr int kFragM = kWM / 16;                      // 4 accumulator fragments down
constexpr int kFragN = kWN / 16;                      // 2 across
constexpr int kThreads = 32 * kWarpRows * kWarpCols;  // 256
constexpr int kLdA = kBK + 4;  // padded rows: a multiple of 4 floats, as load_matrix_sync needs
constexpr int kLdB = kBN + 4;
constexpr int kALoads = kBM * kBK / 4 / kThreads;  // float4s of A per thread per tile: 2
constexpr int kBLoads = kBK * kBN / 4 / kThreads;  // float4s of B per thread per tile: 2

__device__ __forceinline__ float scale(float alpha, float sum, float beta, const float* c) {
  return beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
}

template <bool kVector>
__global__ void __launch_bounds__(kThreads)
    wmma_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                const float* __restrict__ b, float beta, float* __restrict__ c) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
  // No TF32 tensor cores before compute capability 8.0: the launcher never launches this.
#else
  using namespace nvcuda;
  // load_matrix_sync needs 32-byte aligned addresses: every fragment's first element is.
  __shared__ __align__(32) float a_tile[2][kBM][kLdA];  // a_tile[s][r][p] = A[row0 + r][p0 + p]
  __shared__ __align__(32) float b_tile[2][kBK][kLdB];  // b_tile[s][p][j] = B[p0 + p][col0 + j]
  __shared__ __align__(32) float staging[kThreads / 32][16 * 16];

  const int tid = threadIdx.x;
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int warp_row = warp / kWarpCols;
  const int warp_col = warp % kWarpCols;
  const int row0 = blockIdx.y * kBM;
  const int col0 = blockIdx.x * kBN;

  float4 a_next[kALoads];
  float4 b_next[kBLoads];
  const float4 zero = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  // A: float4 f is row f / 4, k offset 4 * (f % 4). B: row f / 32, column 4 * (f % 32).
  auto load_tiles = [&](int p0) {
#pragma unroll
    for (int i = 0; i < kALoads; ++i) {
      const int f = tid + i * kThreads;
      const int row = row0 + f / (kBK / 4);
      const int p = p0 + 4 * (f % (kBK / 4));
      if constexpr (kVector) {
        a_next[i] = (row < m && p < k) ? *reinterpret_cast<const float4*>(a + row * k + p) : zero;
      } else {
        const bool in = row < m;
        a_next[i].x = (in && p < k) ? a[row * k + p] : 0.0f;
        a_next[i].y = (in && p + 1 < k) ? a[row * k + p + 1] : 0.0f;
        a_next[i].z = (in && p + 2 < k) ? a[row * k + p + 2] : 0.0f;
        a_next[i].w = (in && p + 3 < k) ? a[row * k + p + 3] : 0.0f;
      }
    }
#pragma unroll
    for (int i = 0; i < kBLoads; ++i) {
      const int f = tid + i * kThreads;
      const int p = p0 + f / (kBN / 4);
      const int col = col0 + 4 * (f % (kBN / 4));
      if constexpr (kVector) {
        b_next[i] = (p < k && col < n) ? *reinterpret_cast<const float4*>(b + p * n + col) : zero;
      } else {
        const bool in = p < k;
        b_next[i].x = (in && col < n) ? b[p * n + col] : 0.0f;
        b_next[i].y = (in && col + 1 < n) ? b[p * n + col + 1] : 0.0f;
        b_next[i].z = (in && col + 2 < n) ? b[p * n + col + 2] : 0.0f;
        b_next[i].w = (in && col + 3 < n) ? b[p * n + col + 3] : 0.0f;
      }
    }
  };
  auto store_tiles = [&](int s) {
#pragma unroll
    for (int i = 0; i < kALoads; ++i) {
      const int f = tid + i * kThreads;
      *reinterpret_cast<float4*>(&a_tile[s][f / (kBK / 4)][4 * (f % (kBK / 4))]) = a_next[i];
    }
#pragma unroll
    for (int i = 0; i < kBLoads; ++i) {
      const int f = tid + i * kThreads;
      *reinterpret_cast<float4*>(&b_tile[s][f / (kBN / 4)][4 * (f % (kBN / 4))]) = b_next[i];
    }
  };

  wmma::fragment<wmma::accumulator, 16, 16, 8, float> acc[kFragM][kFragN];
#pragma unroll
  for (int i = 0; i < kFragM; ++i) {
#pragma unroll
    for (int j = 0; j < kFragN; ++j)
      wmma::fill_fragment(acc[i][j], 0.0f);
  }

  const int tiles = (k + kBK - 1) / kBK;
  if (tiles > 0) {
    load_tiles(0);
    store_tiles(0);
    __syncthreads();
  }
  for (int t = 0; t < tiles; ++t) {
    const int s = t & 1;
    const bool more = t + 1 < tiles;
    if (more)
      load_tiles((t + 1) * kBK);
#pragma unroll
    for (int kk = 0; kk < kBK; kk += 8) {
      wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major>
          a_frag[kFragM];
      wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major>
          b_frag[kFragN];
#pragma unroll
      for (int i = 0; i < kFragM; ++i) {
        wmma::load_matrix_sync(a_frag[i], &a_tile[s][warp_row * kWM + 16 * i][kk], kLdA);
#pragma unroll
        for (int e = 0; e < a_frag[i].num_elements; ++e)
          a_frag[i].x[e] = wmma::__float_to_tf32(a_frag[i].x[e]);
      }
#pragma unroll
      for (int j = 0; j < kFragN; ++j) {
        wmma::load_matrix_sync(b_frag[j], &b_tile[s][kk][warp_col * kWN + 16 * j], kLdB);
#pragma unroll
        for (int e = 0; e < b_frag[j].num_elements; ++e)
          b_frag[j].x[e] = wmma::__float_to_tf32(b_frag[j].x[e]);
      }
#pragma unroll
      for (int i = 0; i < kFragM; ++i) {
#pragma unroll
        for (int j = 0; j < kFragN; ++j)
          wmma::mma_sync(acc[i][j], a_frag[i], b_frag[j], acc[i][j]);
      }
    }
    if (more) {
      store_tiles(s ^ 1);  // the copy read in step t - 1: every warp has left it (barrier)
      __syncthreads();
    }
  }

  // C = alpha * acc + beta * C through this warp's staging area, 8 elements per lane.
  float* stage = staging[warp];
#pragma unroll
  for (int i = 0; i < kFragM; ++i) {
#pragma unroll
    for (int j = 0; j < kFragN; ++j) {
      wmma::store_matrix_sync(stage, acc[i][j], 16, wmma::mem_row_major);
      __syncwarp();
#pragma unroll
      for (int e = lane; e < 16 * 16; e += 32) {
        const int row = row0 + warp_row * kWM + 16 * i + e / 16;
        const int col = col0 + warp_col * kWN + 16 * j + e % 16;
        if (row < m && col < n)
          c[row * n + col] = scale(alpha, stage[e], beta, &c[row * n + col]);
      }
      __syncwarp();  // before the next fragment overwrites the staging area
    }
  }
#endif
}

// True when the kernel that would run was compiled from code for compute capability 8.0 or
// newer: a build for sm_75 only (this course's default on a machine without a GPU) JIT-compiles
// the empty sm_75 version instead, which must not run.
template <bool kVector>
bool built_for_tensor_cores() {
  cudaFuncAttributes attributes{};
  COURSE_CUDA_CHECK(cudaFuncGetAttributes(&attributes, wmma_kernel<kVector>));
  return attributes.ptxVersion >= 80;
}

}  // namespace

namespace chapter4 {

void sgemm_wmma_tf32(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                     float* c, cudaStream_t stream) {
  if (!check_gemm_arguments("sgemm_wmma_tf32", m, n, k, a, b, c))
    return;
  const course::DeviceInfo& device = course::device_info();
  if (device.compute_major < 8) {
    throw std::runtime_error("sgemm_wmma_tf32: " + device.name + " has compute capability " +
                             std::to_string(device.compute_major) + "." +
                             std::to_string(device.compute_minor) +
                             ": TF32 tensor cores need 8.0 or newer");
  }
  const auto aligned = [](const void* pointer) {
    return reinterpret_cast<std::uintptr_t>(pointer) % 16 == 0;
  };
  const bool vector = k % 4 == 0 && n % 4 == 0 && aligned(a) && aligned(b) && aligned(c);
  if (!(vector ? built_for_tensor_cores<true>() : built_for_tensor_cores<false>())) {
    throw std::runtime_error(
        "sgemm_wmma_tf32: this build has no code for compute capability 8.0 or newer (configure "
        "with -DCMAKE_CUDA_ARCHITECTURES=native, or 80, 90, ..., on the GPU machine)");
  }
  const dim3 grid((n + kBN - 1) / kBN, (m + kBM - 1) / kBM);
  if (vector)
    wmma_kernel<true><<<grid, kThreads, 0, stream>>>(m, n, k, alpha, a, b, beta, c);
  else
    wmma_kernel<false><<<grid, kThreads, 0, stream>>>(m, n, k, alpha, a, b, beta, c);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter4
