// 2.2 — 2D image kernels: grayscale and box blur.
//
// Idea: one thread per output pixel, on a 2D grid laid over the image: thread (x, y) computes
// pixel (x, y), x being the column and y the row. What one pixel gets is a __host__ __device__
// function (gray_value, blur_pixel): the kernels call it on the GPU, and the CPU grader
// (ch2.2-cpu) checks it on the CPU, no GPU needed.
// Launch shape (2D): blocks of dim3(bx, by) threads, and enough blocks in x and in y to cover
// every column and every row of the image.
#include <stdexcept>
#include <string>

#include "chapter2.hpp"
#include "course/error.hpp"

namespace chapter2 {

COURSE_HOST_DEVICE std::uint8_t gray_value(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  // TODO(2.2): return (77 R + 150 G + 29 B + 128) >> 8. Can that sum be computed in
  // std::uint8_t? In which type are r, g and b promoted when you multiply them? Delete the
  // COURSE_TODO_HOST_DEVICE line when you are done (it throws only in the CPU's copy).
  COURSE_TODO_HOST_DEVICE("2.2", "gray_value: the lesson's integer rule");
  return 0;
}

COURSE_HOST_DEVICE std::uint8_t blur_pixel(const std::uint8_t* image, int width, int height, int x,
                                           int y) {
  // TODO(2.2): add up the pixels of the 3x3 neighbourhood of (x, y) that lie inside the image,
  // count them, and return (sum + count / 2) / count. How many neighbours does a corner pixel
  // have? Where in memory does image[y * width + x - 1] land when x == 0?
  COURSE_TODO_HOST_DEVICE("2.2", "blur_pixel: the mean of the in-image neighbours");
  return 0;
}

}  // namespace chapter2

namespace {

__global__ void rgb_to_gray_kernel(const std::uint8_t* rgb, std::uint8_t* gray, int width,
                                   int height) {
  // TODO(2.2): compute this thread's column x and row y from blockIdx, blockDim and threadIdx.
  // Which of the two should come from the .x fields, so that the threads of a warp touch
  // consecutive bytes? If (x, y) is inside the image, store chapter2::gray_value(R, G, B) of the
  // pixel in gray: at which index does pixel (x, y) start in the interleaved array?
}

__global__ void box_blur_kernel(const std::uint8_t* input, std::uint8_t* output, int width,
                                int height) {
  // TODO(2.2): for a pixel (x, y) inside the image, store chapter2::blur_pixel(...) in output.
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
