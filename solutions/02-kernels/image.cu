// 2.2 — 2D image kernels: grayscale and box blur.
//
// Idea: one thread per output pixel, on a 2D grid laid over the image: thread (x, y) computes
// pixel (x, y), x being the column and y the row. What one pixel gets is a __host__ __device__
// function of its own (gray_value, blur_pixel, declared in chapter2.hpp): the kernels call their
// device copies, the CPU grader (ch2.2-cpu) checks their host copies. rgb_to_gray reads its
// pixel's 3 bytes and writes one; box_blur reads the up to 9 pixels of its 3x3 neighbourhood that
// lie inside the image and writes their mean, rounded to nearest.
// Launch shape (2D): blocks of 32 x 8 threads (32 columns by 8 rows) and
// ceil(width / 32) x ceil(height / 8) blocks, so that the partly filled blocks on the right and
// bottom edges cover the last columns and rows. The bounds check on both x and y stops their
// extra threads.
// Changed from chapter 1: 2D indexing. x comes from the .x fields because threadIdx.x is the
// fastest-varying index within a warp: the 32 threads of a warp are 32 consecutive columns of one
// row, so they read and write consecutive bytes (coalesced). With x and y the other way round, a
// warp would walk down a column, width bytes between neighbours, one memory segment per thread.
#include <stdexcept>
#include <string>

#include "chapter2.hpp"
#include "course/error.hpp"

namespace chapter2 {

COURSE_HOST_DEVICE std::uint8_t gray_value(std::uint8_t r, std::uint8_t g, std::uint8_t b) {
  // The bytes are promoted to int before the products: at most (256 * 255 + 128) >> 8 = 255,
  // because the weights add up to 256. In std::uint8_t the sum would wrap around at 256.
  return static_cast<std::uint8_t>((77 * r + 150 * g + 29 * b + 128) >> 8);
}

COURSE_HOST_DEVICE std::uint8_t blur_pixel(const std::uint8_t* image, int width, int height, int x,
                                           int y) {
  unsigned sum = 0;
  unsigned count = 0;
  for (int dy = -1; dy <= 1; ++dy) {
    const int row = y + dy;
    if (row < 0 || row >= height)
      continue;  // above the first row or below the last: not in the image
    for (int dx = -1; dx <= 1; ++dx) {
      const int column = x + dx;
      if (column < 0 || column >= width)
        continue;  // left of the first column or right of the last
      // size_t: row * width passes 2^31 for a 50,000 x 50,000 image.
      sum += image[static_cast<std::size_t>(row) * width + column];
      ++count;
    }
  }
  // count is 4 in a corner, 6 on an edge, 9 inside; never 0 (the pixel itself is counted).
  return static_cast<std::uint8_t>((sum + count / 2) / count);
}

}  // namespace chapter2

namespace {

constexpr unsigned kBlockX = 32;  // a whole warp along a row
constexpr unsigned kBlockY = 8;   // 256 threads per block

__global__ void rgb_to_gray_kernel(const std::uint8_t* rgb, std::uint8_t* gray, int width,
                                   int height) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;  // column
  const int y = blockIdx.y * blockDim.y + threadIdx.y;  // row
  if (x < width && y < height) {
    // size_t: width * height passes 2^31 for a 50,000 x 50,000 image.
    const std::size_t i = static_cast<std::size_t>(y) * width + x;
    gray[i] = chapter2::gray_value(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
  }
}

__global__ void box_blur_kernel(const std::uint8_t* input, std::uint8_t* output, int width,
                                int height) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x;  // column
  const int y = blockIdx.y * blockDim.y + threadIdx.y;  // row
  if (x < width && y < height)
    output[static_cast<std::size_t>(y) * width + x] =
        chapter2::blur_pixel(input, width, height, x, y);
}

// Throws std::invalid_argument for a negative size, also when the other one is 0 (-1 x 0 is an
// error, not an empty image); returns false when there are no pixels.
bool has_pixels(const char* function, int width, int height) {
  if (width < 0 || height < 0) {
    throw std::invalid_argument(std::string(function) + ": width and height must be >= 0, got " +
                                std::to_string(width) + " x " + std::to_string(height));
  }
  return width > 0 && height > 0;
}

// The blocks that cover a width x height image, rounded up in x and in y. gridDim.y is limited to
// 65,535 blocks (524,280 rows of 8): COURSE_CHECK_LAUNCH reports a taller image.
dim3 grid_covering(int width, int height, dim3 block) {
  return dim3((static_cast<unsigned>(width) + block.x - 1) / block.x,
              (static_cast<unsigned>(height) + block.y - 1) / block.y);
}

}  // namespace

namespace chapter2 {

void rgb_to_gray(const std::uint8_t* rgb, std::uint8_t* gray, int width, int height,
                 cudaStream_t stream) {
  if (!has_pixels("rgb_to_gray", width, height))
    return;  // an empty image: a grid with 0 blocks in x or y is an invalid launch
  const dim3 block(kBlockX, kBlockY);
  rgb_to_gray_kernel<<<grid_covering(width, height, block), block, 0, stream>>>(rgb, gray, width,
                                                                                height);
  COURSE_CHECK_LAUNCH();
}

void box_blur(const std::uint8_t* input, std::uint8_t* output, int width, int height,
              cudaStream_t stream) {
  if (!has_pixels("box_blur", width, height))
    return;
  const dim3 block(kBlockX, kBlockY);
  box_blur_kernel<<<grid_covering(width, height, block), block, 0, stream>>>(input, output, width,
                                                                             height);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter2
