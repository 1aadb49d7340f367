// The grader's own kernels for the roofline of 5.3 (see the header): kernels that do the work of
// the course's (a grid-stride vector add and SAXPY, a Mandelbrot image, a tiled transpose, a sum
// of float4 loads) and the first two SGEMM steps: one thread per element of C reading A and B
// straight from global memory, then 32 x 32 tiles of A and B staged in shared memory. Only their
// times count; where an exercise's answer would do, they do the work another way: the sum combines
// its partial sums without a tree or warp shuffles (3.3's steps), and the FP32 peak's kernel, on
// the idea the lesson gives for 5.3 (independent FMA chains), is written another way.
// Launch shapes: 1D kernels fill the GPU once (occupancy API x SMs) with 256-thread blocks and
// grid-stride loops; 2D ones use one thread per output element in 32 x 8 (transpose) or 32 x 32
// (SGEMM) blocks, 16 x 16 for the Mandelbrot image.
#include "roofline_kernels.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <numeric>
#include <vector>

#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/memory.hpp"
#include "course/timer.hpp"

namespace roofline_probe {
namespace {

constexpr int kThreads = 256;

__global__ void vector_add_kernel(const float* a, const float* b, float* c, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    c[i] = a[i] + b[i];
}

__global__ void saxpy_kernel(float a, const float* x, float* y, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    y[i] = fmaf(a, x[i], y[i]);
}

__global__ void mandelbrot_kernel(std::uint16_t* counts, int width, int height,
                                  int max_iterations) {
  const int px = blockIdx.x * blockDim.x + threadIdx.x;
  const int py = blockIdx.y * blockDim.y + threadIdx.y;
  if (px >= width || py >= height)
    return;
  const float cr = static_cast<float>(-2.0 + (px + 0.5) * 2.6 / width);
  const float ci = static_cast<float>(1.3 - (py + 0.5) * 2.6 / height);
  float zr = 0.0f, zi = 0.0f;
  int i = 0;
  while (i < max_iterations && zr * zr + zi * zi <= 4.0f) {
    const float next = zr * zr - zi * zi + cr;
    zi = 2.0f * zr * zi + ci;
    zr = next;
    ++i;
  }
  counts[static_cast<std::size_t>(py) * width + px] = static_cast<std::uint16_t>(i);
}

constexpr int kTile = 32;

__global__ void transpose_kernel(const float* in, float* out, int rows, int cols) {
  __shared__ float tile[kTile][kTile + 1];
  const int x = blockIdx.x * kTile + threadIdx.x;
  const int y0 = blockIdx.y * kTile + threadIdx.y;
  for (int k = 0; k < kTile; k += 8) {
    if (x < cols && y0 + k < rows)
      tile[threadIdx.y + k][threadIdx.x] = in[static_cast<std::size_t>(y0 + k) * cols + x];
  }
  __syncthreads();
  const int ox = blockIdx.y * kTile + threadIdx.x;
  const int oy0 = blockIdx.x * kTile + threadIdx.y;
  for (int k = 0; k < kTile; k += 8) {
    if (ox < rows && oy0 + k < cols)
      out[static_cast<std::size_t>(oy0 + k) * rows + ox] = tile[threadIdx.x][threadIdx.y + k];
  }
}

// The sum of x (n4 float4) added to *result. Each thread streams its share of float4 loads into a
// float4 of partial sums; then thread 0 of the block adds up the block's partial sums one after
// the other from shared memory, in four independent chains, and adds the block's sum to *result.
// That last step is slow as reductions go (256 float4 additions by one thread, a microsecond or
// so), but it runs once per block at the very end, after about a megabyte per block has streamed:
// well under 1% of the time at 2^28 floats.
__global__ void __launch_bounds__(kThreads)
    sum_kernel(const float4* x, std::size_t n4, float* result) {
  float4 partial = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
  const std::size_t first = static_cast<std::size_t>(blockIdx.x) * kThreads + threadIdx.x;
  const std::size_t step = static_cast<std::size_t>(gridDim.x) * kThreads;
  for (std::size_t v = first; v < n4; v += step) {
    const float4 loaded = x[v];
    partial.x += loaded.x;
    partial.y += loaded.y;
    partial.z += loaded.z;
    partial.w += loaded.w;
  }
  __shared__ float4 partials[kThreads];
  partials[threadIdx.x] = partial;
  __syncthreads();
  if (threadIdx.x == 0) {
    float4 total = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
    for (int t = 0; t < kThreads; ++t) {
      total.x += partials[t].x;
      total.y += partials[t].y;
      total.z += partials[t].z;
      total.w += partials[t].w;
    }
    atomicAdd(result, (total.x + total.y) + (total.z + total.w));
  }
}

// Step 1: one thread per element of C; consecutive threads take consecutive columns, so the
// reads of B and the writes of C are coalesced and every thread of a warp reads the same A.
__global__ void sgemm_naive_kernel(const float* a, const float* b, float* c, int n) {
  const int column = blockIdx.x * blockDim.x + threadIdx.x;
  const int row = blockIdx.y * blockDim.y + threadIdx.y;
  if (row >= n || column >= n)
    return;
  float sum = 0.0f;
  for (int k = 0; k < n; ++k)
    sum = fmaf(a[static_cast<std::size_t>(row) * n + k],
               b[static_cast<std::size_t>(k) * n + column], sum);
  c[static_cast<std::size_t>(row) * n + column] = sum;
}

// Step 2: 32 x 32 tiles of A and B staged in shared memory; each element loaded from global
// memory serves 32 FMAs instead of one.
__global__ void sgemm_tiled_kernel(const float* a, const float* b, float* c, int n) {
  __shared__ float tile_a[kTile][kTile];
  __shared__ float tile_b[kTile][kTile];
  const int column = blockIdx.x * kTile + threadIdx.x;
  const int row = blockIdx.y * kTile + threadIdx.y;
  float sum = 0.0f;
  for (int k0 = 0; k0 < n; k0 += kTile) {
    tile_a[threadIdx.y][threadIdx.x] = (row < n && k0 + threadIdx.x < n)
                                           ? a[static_cast<std::size_t>(row) * n + k0 + threadIdx.x]
                                           : 0.0f;
    tile_b[threadIdx.y][threadIdx.x] =
        (k0 + threadIdx.y < n && column < n)
            ? b[static_cast<std::size_t>(k0 + threadIdx.y) * n + column]
            : 0.0f;
    __syncthreads();
#pragma unroll
    for (int k = 0; k < kTile; ++k)
      sum = fmaf(tile_a[threadIdx.y][k], tile_b[k][threadIdx.x], sum);
    __syncthreads();
  }
  if (row < n && column < n)
    c[static_cast<std::size_t>(row) * n + column] = sum;
}

constexpr int kChains = 8;  // independent FMA chains per thread (the two float4 below)
constexpr int kFmaIterations = 1 << 16;

// One FMA on each of the four lanes of a float4: four independent chains.
__device__ __forceinline__ float4 fma4(float4 v, float scale, float offset) {
  return make_float4(__fmaf_rn(v.x, scale, offset), __fmaf_rn(v.y, scale, offset),
                     __fmaf_rn(v.z, scale, offset), __fmaf_rn(v.w, scale, offset));
}

// The grader's FP32 peak: every thread advances eight independent multiply-add chains, held in
// two float4, `iterations` times; no instruction waits on the one before it, so the FP32 units
// issue every cycle. The result is stored, or the compiler would remove the work.
__global__ void __launch_bounds__(kThreads) fma_peak_kernel(float* out, int iterations) {
  const float start = threadIdx.x * 1e-3f;
  float4 low = make_float4(start, start + 1.0f, start + 2.0f, start + 3.0f);
  float4 high = make_float4(start + 4.0f, start + 5.0f, start + 6.0f, start + 7.0f);
  for (int left = iterations; left > 0; --left) {
    low = fma4(low, 0.9999999f, 1e-7f);
    high = fma4(high, 0.9999999f, 1e-7f);
  }
  out[static_cast<std::size_t>(blockIdx.x) * kThreads + threadIdx.x] =
      ((low.x + low.y) + (low.z + low.w)) + ((high.x + high.y) + (high.z + high.w));
}

unsigned fill_the_gpu(const void* kernel) {
  int per_sm = 0;
  COURSE_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, 0));
  return static_cast<unsigned>(std::max(1, per_sm) * course::device_info().sm_count);
}

double seconds_of(const std::function<void()>& launch) {
  return course::time_gpu(launch, {2, 5}).median_ms * 1e-3;
}

}  // namespace

std::vector<Measured> measure_course_kernels() {
  std::vector<Measured> results;
  {
    const std::size_t n = std::size_t{1} << 26;
    course::DeviceArray<float> a(n), b(n), c(n);
    a.fill_bytes(0);
    b.fill_bytes(0);
    const unsigned blocks = fill_the_gpu(reinterpret_cast<const void*>(vector_add_kernel));
    results.push_back({"vector add (1.2)", "vector_add_cost(2^26)", seconds_of([&] {
                         vector_add_kernel<<<blocks, kThreads>>>(a.data(), b.data(), c.data(), n);
                         COURSE_CHECK_LAUNCH();
                       }),
                       n, 0, 0});
    const unsigned saxpy_blocks = fill_the_gpu(reinterpret_cast<const void*>(saxpy_kernel));
    results.push_back({"SAXPY (2.1)", "saxpy_cost(2^26)", seconds_of([&] {
                         saxpy_kernel<<<saxpy_blocks, kThreads>>>(2.0f, a.data(), c.data(), n);
                         COURSE_CHECK_LAUNCH();
                       }),
                       n, 0, 0});
  }
  {
    const int width = 4096, height = 4096, max_iterations = 1024;
    const std::size_t pixels = static_cast<std::size_t>(width) * height;
    course::DeviceArray<std::uint16_t> counts(pixels);
    const dim3 block(16, 16);
    const dim3 grid((width + 15) / 16, (height + 15) / 16);
    const double seconds = seconds_of([&] {
      mandelbrot_kernel<<<grid, block>>>(counts.data(), width, height, max_iterations);
      COURSE_CHECK_LAUNCH();
    });
    const std::vector<std::uint16_t> host = counts.to_host();
    const double iterations = std::accumulate(host.begin(), host.end(), 0.0);
    results.push_back(
        {"Mandelbrot (2.3)", "mandelbrot_cost(4096^2 pixels)", seconds, pixels, 0, iterations});
  }
  {
    const int side = 8192;
    const std::size_t elements = static_cast<std::size_t>(side) * side;
    course::DeviceArray<float> in(elements), out(elements);
    in.fill_bytes(0);
    const dim3 block(kTile, 8);
    const dim3 grid(side / kTile, side / kTile);
    results.push_back({"transpose (3.2)", "transpose_cost(8192, 8192)", seconds_of([&] {
                         transpose_kernel<<<grid, block>>>(in.data(), out.data(), side, side);
                         COURSE_CHECK_LAUNCH();
                       }),
                       static_cast<std::size_t>(side), static_cast<std::size_t>(side), 0});
  }
  {
    const std::size_t n = std::size_t{1} << 28;
    course::DeviceArray<float> x(n), result(1);
    x.fill_bytes(0);
    const unsigned blocks = fill_the_gpu(reinterpret_cast<const void*>(sum_kernel));
    results.push_back({"sum (3.3)", "sum_cost(2^28)", seconds_of([&] {
                         COURSE_CUDA_CHECK(cudaMemsetAsync(result.data(), 0, sizeof(float)));
                         sum_kernel<<<blocks, kThreads>>>(reinterpret_cast<const float4*>(x.data()),
                                                          n / 4, result.data());
                         COURSE_CHECK_LAUNCH();
                       }),
                       n, 0, 0});
  }
  {
    const int n = 2048;
    const std::size_t elements = static_cast<std::size_t>(n) * n;
    course::DeviceArray<float> a(elements), b(elements), c(elements);
    a.fill_bytes(0);
    b.fill_bytes(0);
    const dim3 block(kTile, kTile);
    const dim3 grid(n / kTile, n / kTile);
    results.push_back({"SGEMM naive", "sgemm_cost(2048)", seconds_of([&] {
                         sgemm_naive_kernel<<<grid, block>>>(a.data(), b.data(), c.data(), n);
                         COURSE_CHECK_LAUNCH();
                       }),
                       static_cast<std::size_t>(n), 0, 0});
    results.push_back({"SGEMM tiled 32x32", "sgemm_cost(2048)", seconds_of([&] {
                         sgemm_tiled_kernel<<<grid, block>>>(a.data(), b.data(), c.data(), n);
                         COURSE_CHECK_LAUNCH();
                       }),
                       static_cast<std::size_t>(n), 0, 0});
  }
  return results;
}

double grader_peak_flops() {
  const unsigned blocks = fill_the_gpu(reinterpret_cast<const void*>(fma_peak_kernel));
  course::DeviceArray<float> out(static_cast<std::size_t>(blocks) * kThreads);
  const double seconds = seconds_of([&] {
    fma_peak_kernel<<<blocks, kThreads>>>(out.data(), kFmaIterations);
    COURSE_CHECK_LAUNCH();
  });
  return 2.0 * kChains * kFmaIterations * static_cast<double>(blocks) * kThreads / seconds;
}

}  // namespace roofline_probe
