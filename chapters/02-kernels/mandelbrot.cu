// 2.3 — Mandelbrot: a compute-bound 2D kernel.
//
// Idea: one thread per pixel. Each thread maps the centre of its pixel to a point c of the complex
// plane, iterates z = z^2 + c from z = 0 until |z|^2 > 4 or max_iterations, and writes the number
// of iterations done. Nothing is read from memory: the work is all arithmetic. The iteration is
// escape_time, a __host__ __device__ function: the kernel calls it on the GPU, and the CPU grader
// (ch2.3-cpu) checks it on the CPU, no GPU needed.
// Launch shape (2D): 2D blocks and enough of them to cover the image, as in 2.2.
#include <stdexcept>
#include <string>

#include "chapter2.hpp"
#include "course/error.hpp"

namespace chapter2 {

// The escape time of c = cr + i ci: the first n for which |z_n|^2 > 4, where z_0 = 0 and
// z_(n+1) = z_n^2 + c, or max_iterations when there is none up to there.
COURSE_HOST_DEVICE int escape_time(float cr, float ci, int max_iterations) {
  // TODO(2.3): iterate in float. Write z = zr + i zi: what are the real and imaginary parts of
  // z^2 + c? Check |z|^2 = zr^2 + zi^2 before each iteration: how many iterations has a point
  // with |c| > 2 done when it escapes? Both new parts come from the old zr and zi: what goes
  // wrong if the new zr is computed with the zi you have just updated? Delete the
  // COURSE_TODO_HOST_DEVICE line when you are done (it throws only in the CPU's copy).
  COURSE_TODO_HOST_DEVICE("2.3", "escape_time: iterate z = z^2 + c in float");
  return 0;
}

}  // namespace chapter2

namespace {

__global__ void mandelbrot_kernel(std::uint16_t* iterations, int width, int height,
                                  chapter2::MandelbrotView view) {
  // TODO(2.3): compute this thread's pixel (px, py) as in 2.2. If it is inside the image, compute
  // c for the pixel's centre with chapter2.hpp's formula, in double (is row 0 at y_max or at
  // y_min?), convert it to float, and store chapter2::escape_time(...) in
  // iterations[py * width + px].
}

}  // namespace

namespace chapter2 {

void mandelbrot(std::uint16_t* iterations, int width, int height, const MandelbrotView& view,
                cudaStream_t stream) {
  // TODO(2.3): reject a negative width or height and a max_iterations that a 16-bit count cannot
  // hold with std::invalid_argument, before anything else (even for an empty image); do nothing
  // for an empty image. Launch mandelbrot_kernel on a 2D grid that covers the image, passing the
  // view by value (why can the kernel not read `view` through the reference?), then
  // COURSE_CHECK_LAUNCH(). Delete the COURSE_TODO line when you are done.
  COURSE_TODO("2.3", "launch mandelbrot_kernel on a 2D grid that covers the image");
}

}  // namespace chapter2
