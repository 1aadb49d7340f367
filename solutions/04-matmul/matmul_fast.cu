// 4.4 — The final SGEMM: 128 x 128 block tiles, 8 x 8 thread tiles, float4 loads, a transposed A
// tile, conflict-free shared-memory reads, and double buffering.
//
// Idea (the lesson's tiling picture, tiling.svg): a block of 256 threads computes a 128 x 128
// tile of C, walking k in steps of 8. Each thread owns 64 elements of C, in registers: rows
// {4 tr .. 4 tr + 3} and {64 + 4 tr .. 64 + 4 tr + 3}, columns {4 tc .. 4 tc + 3} and
// {64 + 4 tc .. 64 + 4 tc + 3} of the tile (four 4 x 4 squares, 64 rows or columns apart). Per
// step p it reads 8 values of A and 8 of B from shared memory with four 16-byte loads (LDS.128)
// and does 64 fused multiply-adds: 16 FFMA per load instruction. What 4.3's 2D tile did not have:
//   1. A is stored transposed in shared memory (a_tile[p][row]), so the 8 values of A a thread
//      needs at step p are two float4s instead of 8 scalar loads 8 rows apart;
//   2. global memory is read with float4 loads (LDG.128), and B is stored with float4 stores;
//   3. the 32 threads of a warp form a 4 x 8 grid (tr = 4 * warp_row + lane / 8,
//      tc = 8 * warp_col + lane % 8): at every shared-memory load the warp reads 4 distinct
//      float4s of A (64 bytes) and 8 consecutive float4s of B (128 bytes), each a single
//      conflict-free wavefront. (The 4 x 4 squares 64 apart are what keeps the 8 float4s of B
//      contiguous: with 8 consecutive columns per thread they would be 32 bytes apart, a 2-way
//      conflict on every load.) The A tile's rows are padded by 4 floats so that the transposing
//      stores do not conflict either;
//   4. double buffering: two copies of each tile in shared memory. While the block computes on
//      one, each thread has already issued the global loads of the next tile into registers
//      (their latency hides behind 512 FFMA) and stores them into the other copy afterwards; one
//      __syncthreads per step instead of two.
// Edges and alignment: when k and n are multiples of 4 and a, b, c are 16-byte aligned, every
// float4 is either wholly inside its matrix or wholly outside it, and is loaded (or stored) whole
// or replaced by zeros (not stored). Otherwise a second instantiation loads and stores element by
// element, with the same tiles, the same arithmetic and the same results.
// Launch shape: blocks of (BM / 8) * (BN / 8) threads (one dimension), a grid of ceil(n / BN) x
// ceil(m / BM) blocks, 2 * BK * (BM + 4 + BN) * 4 bytes of static shared memory (16.6 KiB for the
// default 128 x 128 x 8), at most 128 registers per thread (__launch_bounds__: two blocks of 256
// threads per SM). When 128 x 128 tiles would not give every SM a block (C smaller than about
// 1500 x 1500 on 132 SMs), 64 x 64 x 8 tiles (64 threads) are used instead.
// Tuning: COURSE_SGEMM_FAST_CONFIG=<BM>x<BN>x<BK> (one of kConfigs below) forces a tile shape, for
// the benchmark's sweep (tests/chapter4/benchmark.cu, BM_sgemm_fast_config); unset, the rule above
// decides. An unknown value throws std::invalid_argument.
// What changed from the previous step (4.3's 2D tile): points 1 to 4 above.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "chapter4.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"

namespace {

constexpr int kThreadTile = 8;  // 8 x 8 elements of C per thread, as four 4 x 4 squares
constexpr int kPadA = 4;        // floats of padding per row of the transposed A tile

template <int BM, int BN, int BK>
struct Shape {
  static constexpr int kThreads = (BM / kThreadTile) * (BN / kThreadTile);
  static constexpr int kThreadRows = BM / kThreadTile;    // threads along the rows of the tile
  static constexpr int kThreadCols = BN / kThreadTile;    // threads along its columns
  static constexpr int kWarpCols = kThreadCols / 8;       // warps of 4 x 8 threads, side by side
  static constexpr int kALoads = BM * BK / 4 / kThreads;  // float4s of A per thread per tile
  static constexpr int kBLoads = BK * BN / 4 / kThreads;  // float4s of B per thread per tile
  // Registers: 64 accumulators, 16 operands, the prefetched float4s and addresses must fit in
  // 65536 / 512 = 128 per thread, so that 512 threads (two blocks of 256) fit on an SM.
  static constexpr int kMinBlocksPerSm = 512 / kThreads;

  static_assert(kThreadRows % 4 == 0 && kThreadCols % 8 == 0,
                "a warp is a 4 x 8 grid of threads: BM must be a multiple of 32, BN of 64");
  static_assert(kThreads % 32 == 0, "whole warps");
  static_assert(BK % 4 == 0, "the A tile is loaded as float4s along k");
  static_assert(kALoads >= 1 && kALoads * 4 * kThreads == BM * BK, "A tile: whole float4s");
  static_assert(kBLoads >= 1 && kBLoads * 4 * kThreads == BK * BN, "B tile: whole float4s");
  static_assert(2 * BK * (BM + kPadA + BN) * 4 <= 48 * 1024, "static shared memory: 48 KiB");
};

__device__ __forceinline__ float scale(float alpha, float sum, float beta, const float* c) {
  return beta == 0.0f ? alpha * sum : alpha * sum + beta * *c;
}

// kVector: k % 4 == 0, n % 4 == 0 and 16-byte aligned a, b, c (float4 loads and stores);
// otherwise element by element.
template <int BM, int BN, int BK, bool kVector>
__global__ void __launch_bounds__(Shape<BM, BN, BK>::kThreads, Shape<BM, BN, BK>::kMinBlocksPerSm)
    fast_kernel(int m, int n, int k, float alpha, const float* __restrict__ a,
                const float* __restrict__ b, float beta, float* __restrict__ c) {
  using S = Shape<BM, BN, BK>;
  // a_tile[s][p][r] = A[row0 + r][p0 + p] (transposed); b_tile[s][p][j] = B[p0 + p][col0 + j].
  __shared__ __align__(16) float a_tile[2][BK][BM + kPadA];
  __shared__ __align__(16) float b_tile[2][BK][BN];

  const int tid = threadIdx.x;
  const int row0 = blockIdx.y * BM;
  const int col0 = blockIdx.x * BN;
  const int warp = tid / 32;
  const int lane = tid % 32;
  const int tr = (warp / S::kWarpCols) * 4 + lane / 8;  // thread row, 0 .. BM / 8 - 1
  const int tc = (warp % S::kWarpCols) * 8 + lane % 8;  // thread column, 0 .. BN / 8 - 1

  // ---- global -> registers -> shared memory -------------------------------------------------
  // Float4 number f of the A tile: row f / (BK / 4), k offset 4 * (f % (BK / 4)); consecutive
  // threads read consecutive 16-byte pieces of a row (whole 32-byte sectors). Of the B tile: row
  // f / (BN / 4), column 4 * (f % (BN / 4)): a warp reads 512 consecutive bytes.
  float4 a_next[S::kALoads];
  float4 b_next[S::kBLoads];
  const float4 zero = make_float4(0.0f, 0.0f, 0.0f, 0.0f);

  auto load_tiles = [&](int p0) {
#pragma unroll
    for (int i = 0; i < S::kALoads; ++i) {
      const int f = tid + i * S::kThreads;
      const int row = row0 + f / (BK / 4);
      const int p = p0 + 4 * (f % (BK / 4));
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
    for (int i = 0; i < S::kBLoads; ++i) {
      const int f = tid + i * S::kThreads;
      const int p = p0 + f / (BN / 4);
      const int col = col0 + 4 * (f % (BN / 4));
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
    for (int i = 0; i < S::kALoads; ++i) {
      const int f = tid + i * S::kThreads;
      const int r = f / (BK / 4);
      const int p = 4 * (f % (BK / 4));
      // Transposed: four scalar stores, one per k.
      a_tile[s][p][r] = a_next[i].x;
      a_tile[s][p + 1][r] = a_next[i].y;
      a_tile[s][p + 2][r] = a_next[i].z;
      a_tile[s][p + 3][r] = a_next[i].w;
    }
#pragma unroll
    for (int i = 0; i < S::kBLoads; ++i) {
      const int f = tid + i * S::kThreads;
      const int p = f / (BN / 4);
      const int j = 4 * (f % (BN / 4));
      *reinterpret_cast<float4*>(&b_tile[s][p][j]) = b_next[i];
    }
  };

  // ---- the main loop: compute on tile t while tile t + 1 travels ------------------------------
  float acc[kThreadTile][kThreadTile] = {};
  const int tiles = (k + BK - 1) / BK;
  if (tiles > 0) {
    load_tiles(0);
    store_tiles(0);
    __syncthreads();
  }
  for (int t = 0; t < tiles; ++t) {
    const int s = t & 1;
    const bool more = t + 1 < tiles;
    if (more)
      load_tiles((t + 1) * BK);  // issued now, waited for only at store_tiles below
#pragma unroll
    for (int p = 0; p < BK; ++p) {
      const float4 a_lo = *reinterpret_cast<const float4*>(&a_tile[s][p][4 * tr]);
      const float4 a_hi = *reinterpret_cast<const float4*>(&a_tile[s][p][BM / 2 + 4 * tr]);
      const float4 b_lo = *reinterpret_cast<const float4*>(&b_tile[s][p][4 * tc]);
      const float4 b_hi = *reinterpret_cast<const float4*>(&b_tile[s][p][BN / 2 + 4 * tc]);
      const float a_reg[kThreadTile] = {a_lo.x, a_lo.y, a_lo.z, a_lo.w,
                                        a_hi.x, a_hi.y, a_hi.z, a_hi.w};
      const float b_reg[kThreadTile] = {b_lo.x, b_lo.y, b_lo.z, b_lo.w,
                                        b_hi.x, b_hi.y, b_hi.z, b_hi.w};
#pragma unroll
      for (int i = 0; i < kThreadTile; ++i) {
#pragma unroll
        for (int j = 0; j < kThreadTile; ++j)
          acc[i][j] = fmaf(a_reg[i], b_reg[j], acc[i][j]);
      }
    }
    if (more) {
      // The other copy was last read in step t - 1, and every thread has passed the barrier
      // that ended step t - 1: nobody reads it any more. The barrier after the stores makes the
      // new tile visible to all before step t + 1 reads it.
      store_tiles(s ^ 1);
      __syncthreads();
    }
  }

  // ---- C = alpha * acc + beta * C ----------------------------------------------------------
#pragma unroll
  for (int i = 0; i < kThreadTile; ++i) {
    const int row = row0 + (i < 4 ? 4 * tr + i : BM / 2 + 4 * tr + (i - 4));
    if (row >= m)
      continue;
#pragma unroll
    for (int half = 0; half < 2; ++half) {
      const int col = col0 + half * (BN / 2) + 4 * tc;
      const float* sum = &acc[i][4 * half];
      float* out = c + row * n + col;
      if constexpr (kVector) {
        if (col < n) {
          float4 value =
              make_float4(alpha * sum[0], alpha * sum[1], alpha * sum[2], alpha * sum[3]);
          if (beta != 0.0f) {
            const float4 old = *reinterpret_cast<const float4*>(out);
            value.x += beta * old.x;
            value.y += beta * old.y;
            value.z += beta * old.z;
            value.w += beta * old.w;
          }
          *reinterpret_cast<float4*>(out) = value;
        }
      } else {
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          if (col + j < n)
            out[j] = scale(alpha, sum[j], beta, out + j);
        }
      }
    }
  }
}

template <int BM, int BN, int BK>
void launch(int m, int n, int k, float alpha, const float* a, const float* b, float beta, float* c,
            cudaStream_t stream) {
  const dim3 grid((n + BN - 1) / BN, (m + BM - 1) / BM);
  const int threads = Shape<BM, BN, BK>::kThreads;
  const auto aligned = [](const void* pointer) {
    return reinterpret_cast<std::uintptr_t>(pointer) % 16 == 0;
  };
  // k == 0 needs no A or B (they may be null): the vector path is as good as any.
  const bool vector = k % 4 == 0 && n % 4 == 0 && aligned(a) && aligned(b) && aligned(c);
  if (vector)
    fast_kernel<BM, BN, BK, true><<<grid, threads, 0, stream>>>(m, n, k, alpha, a, b, beta, c);
  else
    fast_kernel<BM, BN, BK, false><<<grid, threads, 0, stream>>>(m, n, k, alpha, a, b, beta, c);
  COURSE_CHECK_LAUNCH();
}

// The tile shapes this file is built with, for COURSE_SGEMM_FAST_CONFIG.
using Launcher = void (*)(int, int, int, float, const float*, const float*, float, float*,
                          cudaStream_t);
struct Config {
  const char* name;
  Launcher launcher;
};
constexpr Config kConfigs[] = {
    {"128x128x8", launch<128, 128, 8>}, {"128x128x16", launch<128, 128, 16>},
    {"128x64x8", launch<128, 64, 8>},   {"64x128x8", launch<64, 128, 8>},
    {"64x64x8", launch<64, 64, 8>},
};

// The tile shape for this product: COURSE_SGEMM_FAST_CONFIG when set, otherwise 128 x 128 x 8,
// unless that leaves SMs without a block.
Launcher choose(int m, int n) {
  if (const char* forced = std::getenv("COURSE_SGEMM_FAST_CONFIG"); forced && *forced) {
    std::string known;
    for (const Config& config : kConfigs) {
      if (std::string(forced) == config.name)
        return config.launcher;
      known += std::string(known.empty() ? "" : ", ") + config.name;
    }
    throw std::invalid_argument("sgemm_fast: COURSE_SGEMM_FAST_CONFIG=" + std::string(forced) +
                                " is not one of the tile shapes built: " + known);
  }
  const long long big_tiles = static_cast<long long>((m + 127) / 128) * ((n + 127) / 128);
  if (big_tiles < course::device_info().sm_count)
    return launch<64, 64, 8>;
  return launch<128, 128, 8>;
}

}  // namespace

namespace chapter4 {

void sgemm_fast(int m, int n, int k, float alpha, const float* a, const float* b, float beta,
                float* c, cudaStream_t stream) {
  if (!check_gemm_arguments("sgemm_fast", m, n, k, a, b, c))
    return;
  choose(m, n)(m, n, k, alpha, a, b, beta, c, stream);
}

}  // namespace chapter4
