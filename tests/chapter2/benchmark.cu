/// @file benchmark.cu
/// @brief Chapter 2 benchmarks: a memory-bound kernel (SAXPY) written by hand, with Thrust and on
///        one CPU core; a compute-bound one (Mandelbrot) on the GPU and on one CPU core; the blur.
///
///   BM_cpu_saxpy          y = a x + y on one CPU core (wall time), 2^20 .. 2^26 floats
///   BM_gpu_saxpy          chapter2::saxpy, grid-stride, 4 blocks per SM of 256 threads
///   BM_thrust_saxpy       chapter2::thrust_saxpy
///   BM_cpu_mandelbrot     escape times on one CPU core, 512^2 .. 2048^2 pixels, 256 iterations
///   BM_gpu_mandelbrot     chapter2::mandelbrot
///   BM_gpu_box_blur       chapter2::box_blur, 3x3, 1024^2 .. 4096^2 pixels
///
/// Memory-bound benchmarks report bytes_per_second (12 bytes per SAXPY element, 2 per blur pixel);
/// Mandelbrot reports items_per_second (pixels/s). GPU times come from CUDA events. Compare the
/// GPU/CPU ratio of SAXPY with that of Mandelbrot: that is the lesson's memory-bound against
/// compute-bound.
///
/// After timing, every benchmark checks its result against the rule of chapter2.hpp computed on
/// the CPU (course::bench::check_result: in full up to 2^20 elements, on a sample above), and a
/// wrong result ends it with "wrong result: ..." instead of a rate. SAXPY updates y in place, so
/// after k timed runs y holds y0 + k a x rounded k times; its check is one more run from y0,
/// against a x + y0 in double. Mandelbrot counts may differ on up to 1% of the pixels (an FMA
/// changes the rounding, and near the set's boundary the count; tests/chapter2/grade_mandelbrot.cpp
/// says more); the blur must match exactly. The program exits with 1 when any benchmark reported
/// an error, 4 when the only errors were "no GPU", 0 otherwise. Run, for example:
///
///   build/student/benchmarks/chapter2_benchmarks --benchmark_out=ch2.json
///   --benchmark_out_format=json
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench_support.hpp"
#include "chapter2.hpp"
#include "course/course.hpp"

namespace {

using course::bench::check_result;
using course::bench::count_text;
using course::bench::random_inputs;
using course::bench::report_rates;
using course::bench::run_on_gpu;
using course::bench::time_gpu_iterations;

constexpr float kA = 2.5f;
constexpr std::uint64_t kSeedX = 1;
constexpr std::uint64_t kSeedY = 2;

// ---- SAXPY: memory-bound ----------------------------------------------------------------------

/// The CPU loop the CPU benchmark times: y = a x + y.
void cpu_saxpy(float a, const float* x, float* y, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    y[i] = a * x[i] + y[i];
}

/// Checks y (on the host) after one run from y0 against a x + y0 in double.
bool saxpy_is_right(benchmark::State& state, const std::vector<float>& y, std::size_t n) {
  const std::vector<float>& x = random_inputs(n, kSeedX);
  const std::vector<float>& y0 = random_inputs(n, kSeedY);
  return check_result(
      state, "y", n, [&](std::size_t i) { return y[i]; },
      [&](std::size_t i) { return static_cast<double>(kA) * x[i] + y0[i]; });
}

/// 12 bytes per element (x read, y read and written), n items, "2^26 floats".
void report_saxpy(benchmark::State& state, std::size_t n) {
  state.SetLabel(count_text(n) + " floats");
  report_rates(state, 12 * static_cast<std::int64_t>(n), static_cast<std::int64_t>(n));
}

void BM_cpu_saxpy(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<float>& x = random_inputs(n, kSeedX);
  std::vector<float> y = random_inputs(n, kSeedY);
  for (auto _ : state) {
    cpu_saxpy(kA, x.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  y = random_inputs(n, kSeedY);
  cpu_saxpy(kA, x.data(), y.data(), n);
  if (saxpy_is_right(state, y, n))
    report_saxpy(state, n);
}

/// Times `saxpy` (which updates y in place on the default stream), then checks one run from y0.
template <typename Saxpy>
void time_and_check_gpu_saxpy(benchmark::State& state, std::size_t n, Saxpy saxpy) {
  const course::DeviceArray<float> x(random_inputs(n, kSeedX));
  course::DeviceArray<float> y(random_inputs(n, kSeedY));
  time_gpu_iterations(state, [&] { saxpy(x.data(), y.data()); });
  y.copy_from_host(random_inputs(n, kSeedY));
  saxpy(x.data(), y.data());
  if (saxpy_is_right(state, y.to_host(), n))
    report_saxpy(state, n);
}

void BM_gpu_saxpy(benchmark::State& state) {
  run_on_gpu(state, [&] {
    const auto n = static_cast<std::size_t>(state.range(0));
    const unsigned blocks = 4 * static_cast<unsigned>(course::device_info().sm_count);
    time_and_check_gpu_saxpy(
        state, n, [&](const float* x, float* y) { chapter2::saxpy(kA, x, y, n, blocks, 256); });
  });
}

void BM_thrust_saxpy(benchmark::State& state) {
  run_on_gpu(state, [&] {
    const auto n = static_cast<std::size_t>(state.range(0));
    time_and_check_gpu_saxpy(
        state, n, [&](const float* x, float* y) { chapter2::thrust_saxpy(kA, x, y, n); });
  });
}

// ---- Mandelbrot: compute-bound ----------------------------------------------------------------

/// The count of pixel (px, py) of a side x side image by the rule of chapter2.hpp (the pixel's
/// centre in double, rounded to float once, as the exercise takes it), followed in double
/// precision with the real part of z^2 as (x + y)(x - y): the benchmark's own reference and
/// one-core baseline, not the exercise's float code.
int double_precision_count(const chapter2::MandelbrotView& view, int side, int px, int py) {
  const double c_re =
      static_cast<float>(view.x_min + (px + 0.5) * (view.x_max - view.x_min) / side);
  const double c_im =
      static_cast<float>(view.y_max - (py + 0.5) * (view.y_max - view.y_min) / side);
  double x = 0.0, y = 0.0;
  for (int count = 0; count < view.max_iterations; ++count) {
    if (x * x + y * y > 4.0)
      return count;
    const double next_x = (x + y) * (x - y) + c_re;
    y = 2.0 * x * y + c_im;
    x = next_x;
  }
  return view.max_iterations;
}

/// Checks a side x side image of escape times against double_precision_count(). Up to 1% of the
/// pixels may differ: the exercise iterates in float, an FMA (which nvcc uses) rounds once instead
/// of twice, and near the set's boundary that can change a count (about 0.2% of the pixels of
/// this view: tests/chapter2/grade_mandelbrot.cpp).
bool mandelbrot_is_right(benchmark::State& state, const std::vector<std::uint16_t>& image,
                         int side) {
  const chapter2::MandelbrotView view;
  return check_result(
      state, "iterations", image.size(), [&](std::size_t i) { return image[i]; },
      [&](std::size_t i) {
        return double_precision_count(view, side, static_cast<int>(i % side),
                                      static_cast<int>(i / side));
      },
      course::bench::CheckRule{0, 0, 0.01});
}

/// 2 bytes written per pixel, one item per pixel, "2048 x 2048 pixels".
void report_image(benchmark::State& state, int side) {
  const auto pixels = static_cast<std::int64_t>(side) * side;
  state.SetLabel(std::to_string(side) + " x " + std::to_string(side) + " pixels");
  report_rates(state, 2 * pixels, pixels);
}

void BM_cpu_mandelbrot(benchmark::State& state) {
  const int side = static_cast<int>(state.range(0));
  const chapter2::MandelbrotView view;
  std::vector<std::uint16_t> image(static_cast<std::size_t>(side) * side);
  for (auto _ : state) {
    for (int py = 0; py < side; ++py) {
      for (int px = 0; px < side; ++px) {
        image[static_cast<std::size_t>(py) * side + px] =
            static_cast<std::uint16_t>(double_precision_count(view, side, px, py));
      }
    }
    benchmark::DoNotOptimize(image.data());
  }
  if (mandelbrot_is_right(state, image, side))
    report_image(state, side);
}

void BM_gpu_mandelbrot(benchmark::State& state) {
  run_on_gpu(state, [&] {
    const int side = static_cast<int>(state.range(0));
    course::DeviceArray<std::uint16_t> image(static_cast<std::size_t>(side) * side);
    const chapter2::MandelbrotView view;
    time_gpu_iterations(state, [&] { chapter2::mandelbrot(image.data(), side, side, view); });
    if (mandelbrot_is_right(state, image.to_host(), side))
      report_image(state, side);
  });
}

// ---- Box blur ---------------------------------------------------------------------------------

/// A random 8-bit side x side image, generated once per size (the sizes run in order).
const std::vector<std::uint8_t>& random_image(int side) {
  static int cached_side = -1;
  static std::vector<std::uint8_t> image;
  if (cached_side != side) {
    image.resize(static_cast<std::size_t>(side) * side);
    course::Random random(3);
    for (auto& pixel : image)
      pixel = static_cast<std::uint8_t>(random.uniform_int(0, 255));
    cached_side = side;
  }
  return image;
}

/// Output pixel (x, y) by the rule of chapter2.hpp: the mean of the pixels of its 3x3
/// neighbourhood that lie inside the image, rounded to nearest in integer arithmetic.
int blurred_pixel(const std::vector<std::uint8_t>& input, int side, int x, int y) {
  int sum = 0, count = 0;
  for (int row = y - 1; row <= y + 1; ++row) {
    for (int column = x - 1; column <= x + 1; ++column) {
      if (row >= 0 && row < side && column >= 0 && column < side) {
        sum += input[static_cast<std::size_t>(row) * side + column];
        ++count;
      }
    }
  }
  return (sum + count / 2) / count;
}

void BM_gpu_box_blur(benchmark::State& state) {
  run_on_gpu(state, [&] {
    const int side = static_cast<int>(state.range(0));
    const std::vector<std::uint8_t>& host = random_image(side);
    const course::DeviceArray<std::uint8_t> input(host);
    course::DeviceArray<std::uint8_t> output(host.size());
    time_gpu_iterations(state,
                        [&] { chapter2::box_blur(input.data(), output.data(), side, side); });
    const std::vector<std::uint8_t> result = output.to_host();
    const bool right = check_result(
        state, "output", result.size(), [&](std::size_t i) { return result[i]; },
        [&](std::size_t i) {
          return blurred_pixel(host, side, static_cast<int>(i % side), static_cast<int>(i / side));
        },
        course::bench::CheckRule{0, 0, 0});
    if (right)
      report_image(state, side);
  });
}

BENCHMARK(BM_cpu_saxpy)->RangeMultiplier(8)->Range(1 << 20, 1 << 26)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gpu_saxpy)
    ->RangeMultiplier(8)
    ->Range(1 << 20, 1 << 26)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_thrust_saxpy)
    ->RangeMultiplier(8)
    ->Range(1 << 20, 1 << 26)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_cpu_mandelbrot)->RangeMultiplier(4)->Range(512, 2048)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_gpu_mandelbrot)
    ->RangeMultiplier(4)
    ->Range(512, 2048)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gpu_box_blur)
    ->RangeMultiplier(4)
    ->Range(1024, 4096)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  return course::bench::run_benchmarks(argc, argv, "chapter2_benchmarks");
}
