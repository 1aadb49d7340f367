// The grader's measurements for the roofline of 5.3 (see the header). The course's operations are
// done here by the libraries a professional would call, never by an exercise's answer (the graders
// ship to students): Thrust for the vector add and SAXPY, cuBLAS for the transpose (cublasSgeam)
// and the matrix product (cublasSgemm in FP32, no tensor cores), CUB for the sum. Only their times
// count, as points on the student's roofline; their results are never used. The grader's own FP32
// peak, to judge the student's, is an FMA-only kernel written another way than the idea the lesson
// gives for 5.3 (independent FMA chains held in float4 lanes).
// Launch shape: the FMA kernel fills the GPU once (occupancy API x SMs) with 256-thread blocks;
// the libraries choose their own.
#include "roofline_kernels.hpp"

#include <thrust/execution_policy.h>
#include <thrust/transform.h>

#include <algorithm>
#include <cstdint>
#include <cub/device/device_reduce.cuh>
#include <functional>
#include <vector>

#include "course/cublas.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/memory.hpp"
#include "course/timer.hpp"

namespace roofline_probe {
namespace {

constexpr int kThreads = 256;

struct Plus {
  __device__ float operator()(float x, float y) const { return x + y; }
};

struct ScaleAndAdd {
  float a;
  __device__ float operator()(float x, float y) const { return fmaf(a, x, y); }
};

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
  // thrust::cuda::par_nosync: the algorithm is queued on the default stream and not waited for,
  // so that the events around it time the GPU's work alone.
  const auto queued = thrust::cuda::par_nosync;
  {
    const std::size_t n = std::size_t{1} << 26;
    course::DeviceArray<float> a(n), b(n), c(n);
    a.fill_bytes(0);
    b.fill_bytes(0);
    results.push_back({"vector add (1.2), Thrust", "vector_add_cost(2^26)", seconds_of([&] {
                         thrust::transform(queued, a.data(), a.data() + n, b.data(), c.data(),
                                           Plus{});
                         COURSE_CHECK_LAUNCH();
                       }),
                       n, 0});
    results.push_back({"SAXPY (2.1), Thrust", "saxpy_cost(2^26)", seconds_of([&] {
                         thrust::transform(queued, a.data(), a.data() + n, c.data(), c.data(),
                                           ScaleAndAdd{2.0f});
                         COURSE_CHECK_LAUNCH();
                       }),
                       n, 0});
  }
  course::CublasHandle cublas;
  COURSE_CUBLAS_CHECK(cublasSetMathMode(cublas.get(), CUBLAS_DEFAULT_MATH));
  {
    // Column-major, as cuBLAS counts: out (side x side) = in^T. B is C itself with beta 0 and no
    // transpose, the in-place form cuBLAS documents, so that no third array is needed.
    const int side = 8192;
    const std::size_t elements = static_cast<std::size_t>(side) * side;
    course::DeviceArray<float> in(elements), out(elements);
    in.fill_bytes(0);
    out.fill_bytes(0);
    const float one = 1.0f, zero = 0.0f;
    results.push_back({"transpose (3.2), cuBLAS", "transpose_cost(8192, 8192)", seconds_of([&] {
                         COURSE_CUBLAS_CHECK(cublasSgeam(cublas.get(), CUBLAS_OP_T, CUBLAS_OP_N,
                                                         side, side, &one, in.data(), side, &zero,
                                                         out.data(), side, out.data(), side));
                       }),
                       static_cast<std::size_t>(side), static_cast<std::size_t>(side)});
  }
  {
    const std::size_t n = std::size_t{1} << 28;
    course::DeviceArray<float> x(n), result(1);
    x.fill_bytes(0);
    std::size_t scratch_bytes = 0;
    COURSE_CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, scratch_bytes, x.data(), result.data(), n));
    course::DeviceArray<unsigned char> scratch(std::max<std::size_t>(scratch_bytes, 1));
    results.push_back({"sum (3.3), CUB", "sum_cost(2^28)", seconds_of([&] {
                         COURSE_CUDA_CHECK(cub::DeviceReduce::Sum(scratch.data(), scratch_bytes,
                                                                  x.data(), result.data(), n));
                         COURSE_CHECK_LAUNCH();
                       }),
                       n, 0});
  }
  {
    const int n = 2048;
    const std::size_t elements = static_cast<std::size_t>(n) * n;
    course::DeviceArray<float> a(elements), b(elements), c(elements);
    a.fill_bytes(0);
    b.fill_bytes(0);
    const float one = 1.0f, zero = 0.0f;
    results.push_back({"SGEMM (4.x), cuBLAS FP32", "sgemm_cost(2048)", seconds_of([&] {
                         COURSE_CUBLAS_CHECK(cublasSgemm(cublas.get(), CUBLAS_OP_N, CUBLAS_OP_N, n,
                                                         n, n, &one, a.data(), n, b.data(), n,
                                                         &zero, c.data(), n));
                       }),
                       static_cast<std::size_t>(n), 0});
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
