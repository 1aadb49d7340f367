// KNOWN-WRONG VARIANT, kept so the graders are proven to catch it (see
// tests/chapter2/CMakeLists.txt). Everything else is the reference solution; look for WRONG.
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
// Changed from 2.2: the per-pixel work lives in a __device__ function (compiled for the GPU,
// callable only from GPU code), and the kernel computes its input (c) instead of reading it.
// Precision: c is computed in double from the view, exactly as chapter2.hpp writes it, then
// rounded to float once; z and the iteration are float. nvcc fuses a * b + c into one FMA
// instruction (one rounding instead of two) where it can: near the set's boundary, where the
// orbit is chaotic, that can change a pixel's count, and the grader allows for it.
#include <stdexcept>
#include <string>
#include <vector>

#include "chapter2.hpp"
#include "course/error.hpp"

namespace {

// The escape time of c = cr + i ci: the first n for which |z_n|^2 > 4, where z_0 = 0 and
// z_(n+1) = z_n^2 + c, or max_iterations when there is none up to there. A point with |c| > 2
// escapes after 1 iteration; a point of the set never escapes and gets max_iterations.
// WRONG: a host function, called from a loop on the host (see mandelbrot below).
int escape_time(float cr, float ci, int max_iterations) {
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

}  // namespace

namespace chapter2 {

void mandelbrot(std::uint16_t* iterations, int width, int height, const MandelbrotView& view,
                cudaStream_t stream) {
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
  // WRONG: the image is computed on the host, one pixel after another on one core, then copied to
  // the GPU. The counts are right, but the work that thousands of GPU threads share is done by
  // one CPU thread: no faster than the grader's own CPU reference.
  std::vector<std::uint16_t> host(static_cast<std::size_t>(width) * height);
  for (int py = 0; py < height; ++py) {
    for (int px = 0; px < width; ++px) {
      const double x = view.x_min + (px + 0.5) * (view.x_max - view.x_min) / width;
      const double y = view.y_max - (py + 0.5) * (view.y_max - view.y_min) / height;
      const int n = escape_time(static_cast<float>(x), static_cast<float>(y), view.max_iterations);
      host[static_cast<std::size_t>(py) * width + px] = static_cast<std::uint16_t>(n);
    }
  }
  COURSE_CUDA_CHECK(cudaMemcpyAsync(iterations, host.data(), host.size() * sizeof(std::uint16_t),
                                    cudaMemcpyDefault, stream));
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream));  // `host` is freed on return
}

}  // namespace chapter2
