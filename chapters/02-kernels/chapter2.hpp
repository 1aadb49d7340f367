/// @file chapter2.hpp
/// @brief Chapter 2's exercises: what you implement, and what the graders call.
///
/// Do not change these declarations: the graders are compiled against them. All pointers are
/// device pointers; every function queues its work on `stream` and returns without waiting.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "course/launch.hpp"

namespace chapter2 {

// ---- 2.1 (saxpy.cu) ---------------------------------------------------------------------------

/// y[i] = a * x[i] + y[i] for every i < n, with a grid-stride loop, launched with exactly
/// `blocks` blocks of `threads_per_block` threads, whatever n is (one block of one warp included).
void saxpy(float a, const float* x, float* y, std::size_t n, unsigned blocks,
           unsigned threads_per_block, cudaStream_t stream = nullptr);

/// Given (not an exercise): the address of the SAXPY kernel, for the occupancy API in 2.4.
const void* saxpy_kernel_address();

// ---- 2.2 (image.cu) ---------------------------------------------------------------------------

/// Interleaved 8-bit RGB (3 bytes per pixel, row-major, no padding) to 8-bit grayscale with the
/// lesson's rule: gray = (77 R + 150 G + 29 B + 128) >> 8, in integer arithmetic.
void rgb_to_gray(const std::uint8_t* rgb, std::uint8_t* gray, int width, int height,
                 cudaStream_t stream = nullptr);

/// 3x3 box blur of an 8-bit image with the lesson's border rule: each output pixel is the mean of
/// the pixels of its 3x3 neighbourhood that lie inside the image, rounded to nearest:
/// (sum + count / 2) / count, in integer arithmetic.
void box_blur(const std::uint8_t* input, std::uint8_t* output, int width, int height,
              cudaStream_t stream = nullptr);

// ---- 2.3 (mandelbrot.cu) ----------------------------------------------------------------------

/// The region of the complex plane to draw.
struct MandelbrotView {
  double x_min = -2.0, x_max = 0.6;  ///< real axis, left to right
  double y_min = -1.3, y_max = 1.3;  ///< imaginary axis, bottom to top
  int max_iterations = 256;
};

/// The escape time of the point at the centre of every pixel: pixel (px, py) is
/// c = (x_min + (px + 0.5) * (x_max - x_min) / width) + i (y_max - (py + 0.5) * (y_max - y_min) /
/// height), row 0 at the top. Iterate z = z^2 + c in float from z = 0; the result is the number
/// of iterations done before |z|^2 > 4, at most max_iterations.
void mandelbrot(std::uint16_t* iterations, int width, int height, const MandelbrotView& view,
                cudaStream_t stream = nullptr);

// ---- 2.4 (launch_config.cu) -------------------------------------------------------------------

/// A 1D configuration for SAXPY on n elements: the block size that the occupancy API suggests for
/// the SAXPY kernel, and enough blocks to cover n but no more than fill the GPU once.
course::LaunchConfig saxpy_occupancy_config(std::size_t n);

/// Checks `config` with course::validate_launch (which throws on an impossible configuration),
/// then runs 2.1's saxpy with it.
void saxpy_with_config(float a, const float* x, float* y, std::size_t n,
                       const course::LaunchConfig& config, cudaStream_t stream = nullptr);

// ---- 2.5 (thrust_ops.cu) ----------------------------------------------------------------------

/// y = a * x + y with thrust::transform.
void thrust_saxpy(float a, const float* x, float* y, std::size_t n);

/// The Euclidean norm sqrt(sum x[i]^2) with thrust::transform_reduce. Waits for the result.
double thrust_norm(const float* x, std::size_t n);

}  // namespace chapter2
