// What grade_reduction.cpp needs from nvcc: CUB's sum, with its temporary storage allocated
// once outside the timed region, and a device-side fill of the 1 GiB speed array
// (filling it on the host would take seconds).
#include <cub/device/device_reduce.cuh>

#include <climits>
#include <cstdint>
#include <stdexcept>

#include "course/error.hpp"
#include "course/memory.hpp"
#include "reduction_helpers.hpp"

namespace {

// A hash of i (SplitMix64's finaliser) turned into a float in [0.5, 1.5) with 24 random bits:
// exact in float and in double. Not a short period: with a periodic pattern, every block's
// partial sum would be the same number, and its rounding when added to a large running sum the
// same every time (a bias, not noise), which no tolerance for random rounding allows.
__host__ __device__ float pattern_value(std::size_t i) {
  std::uint64_t z = static_cast<std::uint64_t>(i) + 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return 0.5f + static_cast<float>(z >> 40) * (1.0f / 16777216.0f);
}

__global__ void fill_pattern_kernel(float* x, std::size_t n, float scale) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    x[i] = scale * pattern_value(i);
}

}  // namespace

namespace chapter3_grading {

namespace {

int checked_count(std::size_t n) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument("CubSum: n must fit in an int");
  return static_cast<int>(n);
}

std::size_t cub_temp_bytes(const float* x, int count, float* result) {
  std::size_t bytes = 0;
  COURSE_CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, bytes, x, result, count));
  return bytes;
}

}  // namespace

CubSum::CubSum(const float* x, std::size_t n, float* result)
    : x_(x),
      count_(checked_count(n)),
      result_(result),
      temp_bytes_(cub_temp_bytes(x, count_, result)),
      temp_(temp_bytes_ > 0 ? temp_bytes_ : 1) {}

void CubSum::operator()() {
  COURSE_CUDA_CHECK(cub::DeviceReduce::Sum(temp_.data(), temp_bytes_, x_, result_, count_));
}

void fill_pattern(float* x, std::size_t n, float scale) {
  if (n == 0)
    return;
  fill_pattern_kernel<<<1024, 256>>>(x, n, scale);
  COURSE_CHECK_LAUNCH();
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
}

double pattern_sum(std::size_t n) {
  // In double, on the host: 2^28 terms of 24 bits, so the error is below 2^-20 of the sum.
  double sum = 0.0;
  for (std::size_t i = 0; i < n; ++i)
    sum += pattern_value(i);
  return sum;
}

}  // namespace chapter3_grading
