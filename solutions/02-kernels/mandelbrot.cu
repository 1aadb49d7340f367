// 2.3 — Mandelbrot: a compute-bound 2D kernel.
//
// Idea: one thread per pixel. Each thread maps the centre of its pixel to a point c of the complex
// plane and iterates z = z^2 + c from z = 0 until |z|^2 > 4 or max_iterations, then writes the
// number of iterations done. Nothing is read from memory and 2 bytes are written per pixel,
// against up to max_iterations iterations of about 8 FLOPs each: hundreds to thousands of FLOPs
// per 2-byte output. The kernel is compute-bound, the opposite of chapter 1's vector add (one
// FLOP per 12 bytes moved), and this is where the GPU's FLOP/s show.
// Launch shape (2D): blocks of 16 x 16 threads, ceil(width / 16) x ceil(height / 16) blocks, a
// bounds check on x and y. Threads of a warp run in lockstep, so a warp takes as long as its
// slowest pixel: 16 x 16 blocks make each warp a compact 16 x 2 tile, whose pixels tend to need
// similar counts.
// Changed from 2.2: the kernel computes its input (c) instead of reading it, and the per-pixel
// work, a loop of up to max_iterations steps, lives in escape_time, a __host__ __device__
// function (chapter2.hpp): the kernel calls its device copy, the CPU grader (ch2.3-cpu) its host
// copy.
// Precision: c is computed in double from the view, exactly as chapter2.hpp writes it, then
// rounded to float once; z and the iteration are float. In the device copy nvcc fuses a * b + c
// into one FMA instruction (one rounding instead of two) where it can; the host copy is compiled
// by the host compiler, which on x86-64 emits no FMA by default. Near the set's boundary, where
// the orbit is chaotic, that can change a pixel's count, and both graders allow for it.
#include <stdexcept>
#include <string>

#include "chapter2.hpp"
#include "course/error.hpp"

namespace chapter2 {

// The first n for which |z_n|^2 > 4, where z_0 = 0 and z_(n+1) = z_n^2 + c, or max_iterations
// when there is none up to there. A point with |c| > 2 escapes after 1 iteration; a point of the
// set never escapes and gets max_iterations.
COURSE_HOST_DEVICE int escape_time(float cr, float ci, int max_iterations) {
  float zr = 0.0f;
  float zi = 0.0f;
  int n = 0;
  while (n < max_iterations) {
    const float zr2 = zr * zr;
    const float zi2 = zi * zi;
    if (zr2 + zi2 > 4.0f)
      break;
    // (zr + i zi)^2 = zr^2 - zi^2 + 2 i zr zi. zi first: it needs the old zr.
    zi = 2.0f * zr * zi + ci;
    zr = zr2 - zi2 + cr;
    ++n;
  }
  return n;
}

}  // namespace chapter2

namespace {

constexpr unsigned kBlockSide = 16;  // 16 x 16 = 256 threads per block

__global__ void mandelbrot_kernel(std::uint16_t* iterations, int width, int height,
                                  chapter2::MandelbrotView view) {
  const int px = blockIdx.x * blockDim.x + threadIdx.x;  // column
  const int py = blockIdx.y * blockDim.y + threadIdx.y;  // row, 0 at the top
  if (px < width && py < height) {
    // The pixel's centre, in double, in the header's order of operations; y decreases downwards.
    const double x = view.x_min + (px + 0.5) * (view.x_max - view.x_min) / width;
    const double y = view.y_max - (py + 0.5) * (view.y_max - view.y_min) / height;
    const int n =
        chapter2::escape_time(static_cast<float>(x), static_cast<float>(y), view.max_iterations);
    iterations[static_cast<std::size_t>(py) * width + px] = static_cast<std::uint16_t>(n);
  }
}

}  // namespace

namespace chapter2 {

void mandelbrot(std::uint16_t* iterations, int width, int height, const MandelbrotView& view,
                cudaStream_t stream) {
  // Both checks before the empty-image case: bad arguments throw whatever the size.
  if (width < 0 || height < 0) {
    throw std::invalid_argument("mandelbrot: width and height must be >= 0, got " +
                                std::to_string(width) + " x " + std::to_string(height));
  }
  if (view.max_iterations < 0 || view.max_iterations > 65535) {
    throw std::invalid_argument(
        "mandelbrot: max_iterations must be in [0, 65535] (the counts are "
        "16-bit), got " +
        std::to_string(view.max_iterations));
  }
  if (width == 0 || height == 0)
    return;  // an empty image: a grid with 0 blocks in x or y is an invalid launch
  const dim3 block(kBlockSide, kBlockSide);
  const dim3 grid((static_cast<unsigned>(width) + block.x - 1) / block.x,
                  (static_cast<unsigned>(height) + block.y - 1) / block.y);
  // The view travels by value, like any kernel argument: the kernel cannot read host memory.
  mandelbrot_kernel<<<grid, block, 0, stream>>>(iterations, width, height, view);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter2
