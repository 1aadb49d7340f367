/// @file chapter2.cu
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
/// compute-bound. Run, for example:
///
///   build/student/benchmarks/chapter2_benchmarks --benchmark_format=json --benchmark_out=ch2.json
#include <benchmark/benchmark.h>

#include <complex>
#include <cstdint>
#include <exception>
#include <vector>

#include "bench_support.hpp"
#include "chapter2.hpp"
#include "course/course.hpp"

namespace {

using course::bench::require_gpu;

constexpr float kA = 2.5f;

void report_bytes(benchmark::State& state, std::int64_t bytes_per_iteration, std::int64_t items) {
  const auto iterations = static_cast<std::int64_t>(state.iterations());
  state.SetBytesProcessed(iterations * bytes_per_iteration);
  state.SetItemsProcessed(iterations * items);
}

/// Times `launch` with events; errors (a TODO, a CUDA error) end the benchmark with the message
/// instead of a rate.
template <typename Launch>
void time_on_gpu(benchmark::State& state, Launch launch) {
  try {
    course::bench::time_gpu_iterations(state, launch);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
  }
}

// ---- SAXPY: memory-bound ----------------------------------------------------------------------

void BM_cpu_saxpy(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const std::vector<float> x = course::random_floats(n, 1);
  std::vector<float> y = course::random_floats(n, 2);
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i)
      y[i] = kA * x[i] + y[i];
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  report_bytes(state, 12 * static_cast<std::int64_t>(n), static_cast<std::int64_t>(n));
}

void BM_gpu_saxpy(benchmark::State& state) {
  if (!require_gpu(state))
    return;
  const auto n = static_cast<std::size_t>(state.range(0));
  const course::DeviceArray<float> x = course::to_device(course::random_floats(n, 1));
  course::DeviceArray<float> y = course::to_device(course::random_floats(n, 2));
  const unsigned blocks = 4 * static_cast<unsigned>(course::device_info().sm_count);
  time_on_gpu(state, [&] { chapter2::saxpy(kA, x.data(), y.data(), n, blocks, 256); });
  report_bytes(state, 12 * static_cast<std::int64_t>(n), static_cast<std::int64_t>(n));
}

void BM_thrust_saxpy(benchmark::State& state) {
  if (!require_gpu(state))
    return;
  const auto n = static_cast<std::size_t>(state.range(0));
  const course::DeviceArray<float> x = course::to_device(course::random_floats(n, 1));
  course::DeviceArray<float> y = course::to_device(course::random_floats(n, 2));
  time_on_gpu(state, [&] { chapter2::thrust_saxpy(kA, x.data(), y.data(), n); });
  report_bytes(state, 12 * static_cast<std::int64_t>(n), static_cast<std::int64_t>(n));
}

// ---- Mandelbrot: compute-bound ----------------------------------------------------------------

void BM_cpu_mandelbrot(benchmark::State& state) {
  const int side = static_cast<int>(state.range(0));
  const chapter2::MandelbrotView view;
  std::vector<std::uint16_t> image(static_cast<std::size_t>(side) * side);
  for (auto _ : state) {
    for (int py = 0; py < side; ++py) {
      for (int px = 0; px < side; ++px) {
        const float cx =
            static_cast<float>(view.x_min + (px + 0.5) * (view.x_max - view.x_min) / side);
        const float cy =
            static_cast<float>(view.y_max - (py + 0.5) * (view.y_max - view.y_min) / side);
        float zx = 0.0f, zy = 0.0f;
        int i = 0;
        while (i < view.max_iterations && zx * zx + zy * zy <= 4.0f) {
          const float next = zx * zx - zy * zy + cx;
          zy = 2.0f * zx * zy + cy;
          zx = next;
          ++i;
        }
        image[static_cast<std::size_t>(py) * side + px] = static_cast<std::uint16_t>(i);
      }
    }
    benchmark::DoNotOptimize(image.data());
  }
  report_bytes(state, 2 * static_cast<std::int64_t>(image.size()),
               static_cast<std::int64_t>(image.size()));
}

void BM_gpu_mandelbrot(benchmark::State& state) {
  if (!require_gpu(state))
    return;
  const int side = static_cast<int>(state.range(0));
  course::DeviceArray<std::uint16_t> image(static_cast<std::size_t>(side) * side);
  const chapter2::MandelbrotView view;
  time_on_gpu(state, [&] { chapter2::mandelbrot(image.data(), side, side, view); });
  report_bytes(state, 2 * static_cast<std::int64_t>(image.size()),
               static_cast<std::int64_t>(image.size()));
}

// ---- Box blur ---------------------------------------------------------------------------------

void BM_gpu_box_blur(benchmark::State& state) {
  if (!require_gpu(state))
    return;
  const int side = static_cast<int>(state.range(0));
  const std::size_t pixels = static_cast<std::size_t>(side) * side;
  std::vector<std::uint8_t> host(pixels);
  course::Random random(3);
  for (auto& p : host)
    p = static_cast<std::uint8_t>(random.uniform_int(0, 255));
  const course::DeviceArray<std::uint8_t> input = course::to_device(host);
  course::DeviceArray<std::uint8_t> output(pixels);
  time_on_gpu(state, [&] { chapter2::box_blur(input.data(), output.data(), side, side); });
  report_bytes(state, 2 * static_cast<std::int64_t>(pixels), static_cast<std::int64_t>(pixels));
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
