// 5.3 — The roofline: what a kernel can reach at most, from its arithmetic intensity and the
// GPU's two roofs.
//
// Idea: a kernel that does F floating-point operations while moving B bytes of DRAM traffic has
// the arithmetic intensity I = F / B. It cannot go faster than the SMs compute (the peak P) nor
// than memory delivers its bytes (the bandwidth W, which allows I x W FLOP/s): attainable =
// min(P, I x W). Below the ridge point I = P / W a kernel is memory-bound, above it
// compute-bound. You measure the two roofs with two small kernels of your own: one that does
// nothing but independent FMAs, one that does nothing but stream bytes.
// Launch shape: both kernels fill the GPU once (blocks per SM from the occupancy API times the
// SMs), 256 threads per block, each thread looping (grid-stride for the copy).
// Changed from 1.1: the roofs are measured, not computed from the datasheet.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "chapter5.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/memory.hpp"
#include "course/stream.hpp"
#include "course/timer.hpp"

namespace {

constexpr int kThreads = 256;
constexpr int kChains = 8;               // independent FMA chains per thread
constexpr int kFmaIterations = 1 << 16;  // per thread and chain, per launch

// kChains independent chains per thread: while one FMA waits for its result (about 4 cycles),
// the others issue, so every FP32 unit is busy every cycle.
__global__ void __launch_bounds__(kThreads)
    fma_kernel(float* __restrict__ out, int iterations, float scale, float offset) {
  float chain[kChains];
#pragma unroll
  for (int c = 0; c < kChains; ++c)
    chain[c] = threadIdx.x * 1e-3f + c;
  for (int i = 0; i < iterations; ++i) {
#pragma unroll
    for (int c = 0; c < kChains; ++c)
      chain[c] = fmaf(chain[c], scale, offset);
  }
  float sum = 0.0f;
#pragma unroll
  for (int c = 0; c < kChains; ++c)
    sum += chain[c];
  out[static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x] = sum;  // keeps the work
}

// A grid-stride copy with 16-byte loads and stores: every byte read once and written once.
__global__ void __launch_bounds__(kThreads)
    stream_copy_kernel(const float4* __restrict__ in, float4* __restrict__ out, std::size_t n4) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n4;
       i += stride)
    out[i] = in[i];
}

unsigned blocks_filling_the_gpu(const void* kernel) {
  int per_sm = 0;
  COURSE_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, 0));
  return static_cast<unsigned>(std::max(1, per_sm) * course::device_info().sm_count);
}

void require_cost(const chapter5::KernelCost& cost, const char* who) {
  if (!std::isfinite(cost.flops) || !std::isfinite(cost.bytes) || cost.flops < 0 ||
      cost.bytes <= 0) {
    throw std::invalid_argument(std::string(who) + ": the cost (" + std::to_string(cost.flops) +
                                " FLOPs, " + std::to_string(cost.bytes) +
                                " bytes) needs finite FLOPs >= 0 and bytes > 0");
  }
}

void require_roof(double intensity, const chapter5::Roof& roof, const char* who) {
  if (!(intensity >= 0) || !std::isfinite(intensity) || !std::isfinite(roof.peak_flops) ||
      !std::isfinite(roof.bandwidth) || roof.peak_flops <= 0 || roof.bandwidth <= 0) {
    throw std::invalid_argument(std::string(who) +
                                ": needs an intensity >= 0 and positive, "
                                "finite roofs (intensity " +
                                std::to_string(intensity) + ", peak " +
                                std::to_string(roof.peak_flops) + ", bandwidth " +
                                std::to_string(roof.bandwidth) + ")");
  }
}

}  // namespace

namespace chapter5 {

KernelCost vector_add_cost(std::size_t n) {
  const double elements = static_cast<double>(n);
  return {elements, 3 * 4 * elements};  // one addition; read a and b, write c
}

KernelCost saxpy_cost(std::size_t n) {
  const double elements = static_cast<double>(n);
  return {2 * elements, 3 * 4 * elements};  // one FMA; read x and y, write y
}

KernelCost mandelbrot_cost(std::size_t pixels, double iterations) {
  return {8 * iterations, 2 * static_cast<double>(pixels)};  // a 16-bit count per pixel
}

KernelCost transpose_cost(std::size_t rows, std::size_t cols) {
  const double elements = static_cast<double>(rows) * static_cast<double>(cols);
  return {0, 2 * 4 * elements};  // every float read once and written once
}

KernelCost sum_cost(std::size_t n) {
  const double elements = static_cast<double>(n);
  return {elements, 4 * elements + 4};
}

KernelCost sgemm_cost(std::size_t n) {
  const double size = static_cast<double>(n);
  return {2 * size * size * size, 3 * 4 * size * size};  // n^3 FMAs; A, B read, C written
}

KernelCost sgemm_tiled_traffic(std::size_t n, std::size_t tile) {
  if (tile < 1 || n % tile != 0) {
    throw std::invalid_argument("sgemm_tiled_traffic: tile = " + std::to_string(tile) +
                                " must be at least 1 and divide n = " + std::to_string(n));
  }
  const double size = static_cast<double>(n);
  // Each of the (n / tile)^2 output tiles reads n / tile tiles of A and as many of B, tile^2
  // floats each: 2 n^3 / tile floats in all.
  return {2 * size * size * size, 4 * (2 * size * size * size / tile) + 4 * size * size};
}

double arithmetic_intensity(const KernelCost& cost) {
  require_cost(cost, "arithmetic_intensity");
  return cost.flops / cost.bytes;  // FLOPs per byte, not per element
}

double attainable_flops(double intensity, const Roof& roof) {
  require_roof(intensity, roof, "attainable_flops");
  return std::min(roof.peak_flops, intensity * roof.bandwidth);
}

Bound bound_of(double intensity, const Roof& roof) {
  require_roof(intensity, roof, "bound_of");
  return intensity < roof.peak_flops / roof.bandwidth ? Bound::memory : Bound::compute;
}

double measure_peak_flops() {
  const unsigned blocks = blocks_filling_the_gpu(reinterpret_cast<const void*>(fma_kernel));
  course::DeviceArray<float> out(static_cast<std::size_t>(blocks) * kThreads);
  const auto launch = [&] {
    fma_kernel<<<blocks, kThreads>>>(out.data(), kFmaIterations, 0.9999999f, 1e-7f);
    COURSE_CHECK_LAUNCH();
  };
  const double ms = course::time_gpu(launch, {2, 5}).median_ms;
  // Every thread runs kChains chains of kFmaIterations FMAs, and an FMA is 2 FLOPs.
  const double flops = 2.0 * kChains * kFmaIterations * static_cast<double>(blocks) * kThreads;
  return flops / (ms * 1e-3);
}

double measure_bandwidth() {
  // 2 x 512 MiB: ten times and more the L2 cache of an H100 or H200, so every byte comes from
  // DRAM. Less on a GPU with little free memory.
  std::size_t free_bytes = 0, total_bytes = 0;
  COURSE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  std::size_t bytes = std::size_t{512} << 20;
  while (bytes > (std::size_t{16} << 20) && 2 * bytes > free_bytes / 2)
    bytes /= 2;
  const std::size_t n4 = bytes / sizeof(float4);
  course::DeviceArray<float4> in(n4), out(n4);
  in.fill_bytes(0);
  const unsigned blocks = blocks_filling_the_gpu(reinterpret_cast<const void*>(stream_copy_kernel));
  const auto launch = [&] {
    stream_copy_kernel<<<blocks, kThreads>>>(in.data(), out.data(), n4);
    COURSE_CHECK_LAUNCH();
  };
  const double ms = course::time_gpu(launch, {3, 20}).median_ms;
  return 2.0 * n4 * sizeof(float4) / (ms * 1e-3);  // read + written
}

}  // namespace chapter5
