// 3.2 — Matrix transpose: out[j][i] = in[i][j], through a tile in shared memory.
//
// Idea: a transpose reads rows and writes columns, so one of the two global accesses is strided
// (transpose_naive, given: reads coalesced, each warp's 32 writes land `rows` floats apart, one
// sector each). Your tiled versions move a 32 x 32 tile through shared memory so that both global
// accesses are coalesced and the strided walk happens in shared memory, where it is cheap as long
// as a warp does not hit one bank many times (the lesson: shared memory banks).
// Launch shape: blocks of 32 x 8 threads. transpose_naive: one thread per element. The tiled
// ones: one block per 32 x 32 tile, each thread moving 4 elements.
// What changes from step to step: naive -> tiled (shared memory) -> conflict-free (no bank
// conflicts on the tile).
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

// TODO(3.2): the tiled transpose. One block of kTile x kBlockRows threads per kTile x kTile tile
// of `in`; each thread moves kTile / kBlockRows elements. Load the tile from rows of `in`
// (coalesced), wait until the whole block has written it, then write it to rows of `out` (which
// are columns of the tile). Guard each global access with the bounds of its own matrix.
__global__ void transpose_tiled_kernel(const float* __restrict__ in, float* __restrict__ out,
                                       int rows, int cols) {}

// TODO(3.2): the same, with a tile in which a column touches 32 different banks.
__global__ void transpose_conflict_free_kernel(const float* __restrict__ in,
                                               float* __restrict__ out, int rows, int cols) {}

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
  // TODO(3.2): check the arguments as transpose_naive does, launch transpose_tiled_kernel on a
  // grid of tiles (how many tiles cover cols? rows?), then COURSE_CHECK_LAUNCH(). Delete the
  // COURSE_TODO line when you are done.
  COURSE_TODO("3.2", "transpose_tiled: a 32 x 32 tile in shared memory");
}

void transpose_conflict_free(const float* in, float* out, int rows, int cols, cudaStream_t stream) {
  // TODO(3.2): the same launch, with transpose_conflict_free_kernel.
  COURSE_TODO("3.2", "transpose_conflict_free: the tile without bank conflicts");
}

}  // namespace chapter3
