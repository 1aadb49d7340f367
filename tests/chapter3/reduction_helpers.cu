// What grade_reduction.cpp needs from nvcc: CUB's sum, timed with its temporary storage
// allocated once outside the timed region, and a device-side fill of the 1 GiB speed array
// (filling it on the host would take seconds).
#include <cub/device/device_reduce.cuh>

#include <climits>
#include <stdexcept>

#include "course/error.hpp"
#include "course/memory.hpp"
#include "course/timer.hpp"
#include "reduction_helpers.hpp"

namespace {

__global__ void fill_pattern_kernel(float* x, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    x[i] = 1.0f + static_cast<float>(i % 8) * 0.125f;
}

}  // namespace

namespace chapter3_grading {

double time_cub_sum_ms(const float* x, std::size_t n, float* result) {
  if (n > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument("time_cub_sum_ms: n must fit in an int");
  const int count = static_cast<int>(n);
  std::size_t temp_bytes = 0;
  COURSE_CUDA_CHECK(cub::DeviceReduce::Sum(nullptr, temp_bytes, x, result, count));
  course::DeviceArray<unsigned char> temp(temp_bytes > 0 ? temp_bytes : 1);
  void* temp_storage = temp.data();
  const course::Timing timing = course::time_gpu(
      [&] {
        COURSE_CUDA_CHECK(cub::DeviceReduce::Sum(temp_storage, temp_bytes, x, result, count));
      },
      {3, 20});
  return timing.median_ms;
}

void fill_pattern(float* x, std::size_t n) {
  if (n == 0)
    return;
  fill_pattern_kernel<<<1024, 256>>>(x, n);
  COURSE_CHECK_LAUNCH();
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
}

double pattern_sum(std::size_t n) {
  // Whole rounds of 8 sum to 8 + (0 + 1 + ... + 7) / 8 = 11.5; then the partial round.
  double sum = static_cast<double>(n / 8) * 11.5;
  for (std::size_t k = 0; k < n % 8; ++k)
    sum += 1.0 + 0.125 * static_cast<double>(k);
  return sum;
}

}  // namespace chapter3_grading
