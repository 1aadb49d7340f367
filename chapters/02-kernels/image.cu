// 2.2 — 2D image kernels: grayscale and box blur.
//
// Idea: one thread per output pixel, on a 2D grid laid over the image: thread (x, y) computes
// pixel (x, y), x being the column and y the row.
// Launch shape (2D): blocks of dim3(bx, by) threads, and enough blocks in x and in y to cover
// every column and every row of the image.
#include <stdexcept>
#include <string>

#include "chapter2.hpp"
#include "course/error.hpp"

namespace {

__global__ void rgb_to_gray_kernel(const std::uint8_t* rgb, std::uint8_t* gray, int width,
                                   int height) {
  // TODO(2.2): compute this thread's column x and row y from blockIdx, blockDim and threadIdx.
  // Which of the two should come from the .x fields, so that the threads of a warp touch
  // consecutive bytes? If (x, y) is inside the image, read the pixel's R, G and B (at which index
  // does pixel (x, y) start in the interleaved array?) and store (77 R + 150 G + 29 B + 128) >> 8
  // in gray. Can that sum be computed in std::uint8_t?
}

__global__ void box_blur_kernel(const std::uint8_t* input, std::uint8_t* output, int width,
                                int height) {
  // TODO(2.2): for a pixel (x, y) inside the image, add up the pixels of its 3x3 neighbourhood
  // that lie inside the image, count them, and store (sum + count / 2) / count. How many
  // neighbours does a corner pixel have? Where in memory does input[y * width + x - 1] land when
  // x == 0?
}

}  // namespace

namespace chapter2 {

void rgb_to_gray(const std::uint8_t* rgb, std::uint8_t* gray, int width, int height,
                 cudaStream_t stream) {
  // TODO(2.2): throw std::invalid_argument when width or height is negative. What must happen
  // when either is 0? Pick a 2D block (dim3), compute how many blocks cover the width and the
  // height, launch rgb_to_gray_kernel<<<grid, block, 0, stream>>>(...), then
  // COURSE_CHECK_LAUNCH(). Delete the COURSE_TODO line when you are done.
  COURSE_TODO("2.2", "launch rgb_to_gray_kernel on a 2D grid that covers the image");
}

void box_blur(const std::uint8_t* input, std::uint8_t* output, int width, int height,
              cudaStream_t stream) {
  // TODO(2.2): the same checks and the same launch shape, for box_blur_kernel.
  COURSE_TODO("2.2", "launch box_blur_kernel on a 2D grid that covers the image");
}

}  // namespace chapter2
