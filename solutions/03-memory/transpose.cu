// 3.2 — Matrix transpose: out[j][i] = in[i][j], through a tile in shared memory.
//
// Idea: a transpose reads rows and writes columns, so one of the two global accesses is strided
// (transpose_naive: reads coalesced, each warp's 32 writes land `rows` floats apart, one sector
// each). A block first copies a 32 x 32 tile of `in` into shared memory, reading rows of `in`
// (coalesced), waits for the whole tile (__syncthreads), then writes rows of `out`, which are
// columns of the tile (coalesced again): the strided walk happens in shared memory, where it is
// cheap, except for one thing. Shared memory has 32 banks of 4 bytes; tile[r][c] of a
// float[32][32] tile lives in bank c % 32, so a column of it sits in one bank and a warp reading
// it is served one float at a time (a 32-way bank conflict). Padding each row to 33 floats moves
// tile[r][c] to bank (r * 33 + c) % 32 = (r + c) % 32: a column spreads over all 32 banks.
// Launch shape: blocks of 32 x 8 threads. transpose_naive: one thread per element. The tiled
// ones: one block per 32 x 32 tile, grid (ceil(cols / 32), ceil(rows / 32)); each thread moves 4
// elements (rows ty, ty + 8, ty + 16, ty + 24 of the tile). What changed from the previous step:
// transpose_tiled goes through shared memory; transpose_conflict_free pads the tile by one column.
#include <stdexcept>
#include <string>

#include "chapter3.hpp"
#include "course/error.hpp"

namespace {

constexpr int kTile = 32;      // a warp's width: one tile row is one coalesced 128-byte access
constexpr int kBlockRows = 8;  // 32 x 8 = 256 threads; each thread moves kTile / kBlockRows = 4
constexpr int kMaxGridY = 65535;

// Given: one thread per element; thread (x, y) of the grid moves in[y][x] to out[x][y]. A warp
// (32 threads of one row y) reads 32 consecutive floats of `in` but writes 32 floats `rows` apart.
__global__ void transpose_naive_kernel(const float* __restrict__ in, float* __restrict__ out,
                                       int rows, int cols) {
  const int col = blockIdx.x * blockDim.x + threadIdx.x;
  const int row = blockIdx.y * blockDim.y + threadIdx.y;
  if (row < rows && col < cols)
    out[static_cast<std::size_t>(col) * rows + row] =
        in[static_cast<std::size_t>(row) * cols + col];
}

// kPad = 0: the tiled transpose (32-way bank conflicts on the column reads); kPad = 1: the same
// tile padded to 33 floats per row (conflict-free).
template <int kPad>
__global__ void transpose_tile_kernel(const float* __restrict__ in, float* __restrict__ out,
                                      int rows, int cols) {
  __shared__ float tile[kTile][kTile + kPad];

  // Load: thread (tx, ty) reads in[row][col] for 4 rows of the tile; a warp (fixed ty) reads 32
  // consecutive floats of one row of `in`: coalesced. Elements outside the matrix are skipped
  // (their tile slots are never read back, by the same bounds on the store side).
  const int col = blockIdx.x * kTile + threadIdx.x;
  const int row0 = blockIdx.y * kTile + threadIdx.y;
  for (int k = 0; k < kTile; k += kBlockRows) {
    const int row = row0 + k;
    if (row < rows && col < cols)
      tile[threadIdx.y + k][threadIdx.x] = in[static_cast<std::size_t>(row) * cols + col];
  }

  // Each warp stores a column of the tile that all 8 warps of the block loaded: no thread may
  // read the tile before every thread has written its part.
  __syncthreads();

  // Store: the block's tile goes to rows blockIdx.x * 32 + ... of `out` (its columns of `in`)
  // and columns blockIdx.y * 32 + ... (its rows of `in`). A warp writes 32 consecutive floats of
  // one row of `out`: coalesced. It reads them from a column of the tile: tile[tx][ty + k].
  const int out_col = blockIdx.y * kTile + threadIdx.x;   // a row of `in`
  const int out_row0 = blockIdx.x * kTile + threadIdx.y;  // a column of `in`
  for (int k = 0; k < kTile; k += kBlockRows) {
    const int out_row = out_row0 + k;
    if (out_row < cols && out_col < rows)
      out[static_cast<std::size_t>(out_row) * rows + out_col] = tile[threadIdx.x][threadIdx.y + k];
  }
}

// Throws std::invalid_argument for arguments no launch can serve; returns false when the matrix
// is empty (nothing to launch: a grid of 0 blocks is an invalid launch).
bool check_transpose(const char* function, const float* in, const float* out, int rows, int cols) {
  if (rows < 0 || cols < 0) {
    throw std::invalid_argument(std::string(function) + ": rows and cols must be >= 0, got " +
                                std::to_string(rows) + " x " + std::to_string(cols));
  }
  if (rows == 0 || cols == 0)
    return false;
  if (in == nullptr || out == nullptr) {
    throw std::invalid_argument(std::string(function) + ": in and out must not be null for a " +
                                std::to_string(rows) + " x " + std::to_string(cols) + " matrix");
  }
  if ((rows + kBlockRows - 1) / kBlockRows > kMaxGridY) {  // the naive grid's y, the tallest
    throw std::invalid_argument(std::string(function) + ": " + std::to_string(rows) +
                                " rows are more than 65535 blocks of 8 rows in the grid's y");
  }
  return true;
}

dim3 tile_grid(int rows, int cols) {
  return dim3(static_cast<unsigned>((cols + kTile - 1) / kTile),
              static_cast<unsigned>((rows + kTile - 1) / kTile));
}

}  // namespace

namespace chapter3 {

void transpose_naive(const float* in, float* out, int rows, int cols, cudaStream_t stream) {
  if (!check_transpose("transpose_naive", in, out, rows, cols))
    return;
  const dim3 block(kTile, kBlockRows);
  const dim3 grid(static_cast<unsigned>((cols + kTile - 1) / kTile),
                  static_cast<unsigned>((rows + kBlockRows - 1) / kBlockRows));
  transpose_naive_kernel<<<grid, block, 0, stream>>>(in, out, rows, cols);
  COURSE_CHECK_LAUNCH();
}

void transpose_tiled(const float* in, float* out, int rows, int cols, cudaStream_t stream) {
  if (!check_transpose("transpose_tiled", in, out, rows, cols))
    return;
  transpose_tile_kernel<0>
      <<<tile_grid(rows, cols), dim3(kTile, kBlockRows), 0, stream>>>(in, out, rows, cols);
  COURSE_CHECK_LAUNCH();
}

void transpose_conflict_free(const float* in, float* out, int rows, int cols, cudaStream_t stream) {
  if (!check_transpose("transpose_conflict_free", in, out, rows, cols))
    return;
  transpose_tile_kernel<1>
      <<<tile_grid(rows, cols), dim3(kTile, kBlockRows), 0, stream>>>(in, out, rows, cols);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter3
