/// @file chapter2.hpp
/// @brief Chapter 2's exercises: what you implement, and what the graders call.
///
/// Do not change these declarations: the graders are compiled against them.
///
/// Two kinds of functions. The launchers (saxpy, rgb_to_gray, box_blur, mandelbrot,
/// saxpy_with_config, thrust_saxpy) take device pointers, queue their work on `stream` (Thrust's
/// on the default stream) and return without waiting for it; thrust_norm waits, because it
/// returns a value computed on the GPU. Arguments are checked before anything else: a launcher
/// that rejects its arguments throws std::invalid_argument and launches nothing, even when there
/// would have been nothing to do.
///
/// The per-element functions (grid_stride_start, grid_stride_step, gray_value, blur_pixel,
/// escape_time) are COURSE_HOST_DEVICE, that is `__host__ __device__` under nvcc
/// (course/host_device.hpp): nvcc compiles each of them twice, once for the GPU, where your
/// kernels call them, and once for the CPU, where the `cpu` graders (ch2.1-cpu, ch2.2-cpu,
/// ch2.3-cpu) call them on a machine without a GPU. They take everything as arguments (the CPU
/// copy has no threadIdx or blockIdx); blur_pixel reads through a plain pointer, to host memory
/// when the CPU calls it and to device memory when a kernel does.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "course/host_device.hpp"
#include "course/launch.hpp"

namespace chapter2 {

// ---- 2.1 (saxpy.cu) ---------------------------------------------------------------------------

/// The first index that thread `thread` of block `block` handles in a grid-stride loop, when
/// every block has `threads_per_block` threads: its global index,
/// block * threads_per_block + thread, computed in std::size_t (exact for every grid CUDA can
/// launch; the product of two unsigned values wraps around at 2^32).
COURSE_HOST_DEVICE std::size_t grid_stride_start(unsigned block, unsigned thread,
                                                 unsigned threads_per_block);

/// How far every thread of a grid of `blocks` blocks of `threads_per_block` threads steps in a
/// grid-stride loop: the number of threads in the whole grid, blocks * threads_per_block,
/// computed in std::size_t. With these two, the grid visits every index below n exactly once.
COURSE_HOST_DEVICE std::size_t grid_stride_step(unsigned blocks, unsigned threads_per_block);

/// y[i] = a * x[i] + y[i] for every i < n, with a grid-stride loop, launched with exactly
/// `blocks` blocks of `threads_per_block` threads, whatever n is (one block of one warp included).
/// The configuration is checked first, with course::validate_launch: 0 blocks or 0 threads throws
/// std::invalid_argument, even when n == 0. A valid configuration with n == 0 launches nothing.
void saxpy(float a, const float* x, float* y, std::size_t n, unsigned blocks,
           unsigned threads_per_block, cudaStream_t stream = nullptr);

/// Given (not an exercise): the address of the SAXPY kernel, for the occupancy API in 2.4.
const void* saxpy_kernel_address();

// ---- 2.2 (image.cu) ---------------------------------------------------------------------------

/// The gray value of one RGB pixel with the lesson's rule: (77 r + 150 g + 29 b + 128) >> 8, in
/// integer arithmetic (the weights add up to 256, so the result is at most 255).
COURSE_HOST_DEVICE std::uint8_t gray_value(std::uint8_t r, std::uint8_t g, std::uint8_t b);

/// Pixel (x, y) of the 3x3 box blur of `image` (width x height, 8 bits, row-major, no padding):
/// the mean of the pixels of its 3x3 neighbourhood that lie inside the image, and only those,
/// rounded to nearest: (sum + count / 2) / count, in integer arithmetic. Reads only pixels inside
/// the image. Needs 0 <= x < width and 0 <= y < height.
COURSE_HOST_DEVICE std::uint8_t blur_pixel(const std::uint8_t* image, int width, int height, int x,
                                           int y);

/// Interleaved 8-bit RGB (3 bytes per pixel, row-major, no padding) to 8-bit grayscale, every
/// pixel with gray_value. A negative width or height throws std::invalid_argument (also when the
/// other one is 0: -1 x 0 is an error, not an empty image); an empty image (0 x h, w x 0) is
/// nothing to do: no launch, nothing written.
void rgb_to_gray(const std::uint8_t* rgb, std::uint8_t* gray, int width, int height,
                 cudaStream_t stream = nullptr);

/// 3x3 box blur of an 8-bit image, every pixel with blur_pixel. `input` and `output` are two
/// different buffers. Sizes as for rgb_to_gray.
void box_blur(const std::uint8_t* input, std::uint8_t* output, int width, int height,
              cudaStream_t stream = nullptr);

// ---- 2.3 (mandelbrot.cu) ----------------------------------------------------------------------

/// The escape time of the point c = cr + i ci: iterate z = z^2 + c in float from z = 0; the
/// result is the number of iterations done before |z|^2 = zr^2 + zi^2 > 4 (checked before each
/// iteration), at most max_iterations. A point with |c| > 2 gives 1 (for max_iterations >= 1), a
/// point of the set max_iterations, and max_iterations == 0 gives 0.
COURSE_HOST_DEVICE int escape_time(float cr, float ci, int max_iterations);

/// The region of the complex plane to draw.
struct MandelbrotView {
  double x_min = -2.0, x_max = 0.6;  ///< real axis, left to right
  double y_min = -1.3, y_max = 1.3;  ///< imaginary axis, bottom to top
  int max_iterations = 256;          ///< in [0, 65535]: the counts are 16-bit
};

/// The escape time of the point at the centre of every pixel: pixel (px, py) is
/// c = (x_min + (px + 0.5) * (x_max - x_min) / width) + i (y_max - (py + 0.5) * (y_max - y_min) /
/// height), computed in double and converted to float, row 0 at the top; its count is
/// escape_time(c, max_iterations). Throws std::invalid_argument for a negative width or height
/// and for max_iterations outside [0, 65535], whatever the size (an empty image included);
/// max_iterations == 0 is valid (every count is 0). An empty image is nothing to do.
void mandelbrot(std::uint16_t* iterations, int width, int height, const MandelbrotView& view,
                cudaStream_t stream = nullptr);

// ---- 2.4 (launch_config.cu) -------------------------------------------------------------------

/// A 1D configuration for SAXPY on n elements: the block size that the occupancy API suggests for
/// the SAXPY kernel, enough blocks to cover n but no more than fill the GPU once (at least 1, for
/// n == 0 too), and no dynamic shared memory.
course::LaunchConfig saxpy_occupancy_config(std::size_t n);

/// Checks `config` with course::validate_launch (which throws on an impossible configuration),
/// then runs 2.1's saxpy with it. SAXPY is 1D: a configuration with grid.y, grid.z, block.y or
/// block.z other than 1 throws std::invalid_argument. The kernel uses no dynamic shared memory:
/// `shared_bytes` is checked against the device's limit by validate_launch, and otherwise ignored.
void saxpy_with_config(float a, const float* x, float* y, std::size_t n,
                       const course::LaunchConfig& config, cudaStream_t stream = nullptr);

// ---- 2.5 (thrust_ops.cu) ----------------------------------------------------------------------

/// y = a * x + y with thrust::transform, on the default stream. Returns without waiting, like the
/// other launchers: the policy is thrust::cuda::par_nosync (thrust::cuda::par and thrust::device
/// would wait for the GPU before returning).
void thrust_saxpy(float a, const float* x, float* y, std::size_t n);

/// The Euclidean norm sqrt(sum x[i]^2) with thrust::transform_reduce, the squares summed in
/// double. Waits for the result: it returns a number computed on the GPU. n == 0 gives 0.
double thrust_norm(const float* x, std::size_t n);

}  // namespace chapter2
