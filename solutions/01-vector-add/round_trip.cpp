// 1.3 — The whole round trip: host arrays to the GPU, add there, result back.
//
// First with the raw runtime API, where every allocation must be freed by hand (on every path,
// exceptions included), then with course::DeviceArray, which frees in its destructor.
#include <vector>

#include "chapter1.hpp"
#include "course/error.hpp"

namespace chapter1 {

std::vector<float> add_with_raw_cuda(const std::vector<float>& a, const std::vector<float>& b) {
  course::require_same_size(a.size(), b.size(), "add_with_raw_cuda: a vs b");
  const std::size_t n = a.size();
  const std::size_t bytes = n * sizeof(float);
  std::vector<float> c(n);
  if (n == 0)
    return c;

  float* device_a = nullptr;
  float* device_b = nullptr;
  float* device_c = nullptr;
  try {
    COURSE_CUDA_CHECK(cudaMalloc(&device_a, bytes));
    COURSE_CUDA_CHECK(cudaMalloc(&device_b, bytes));
    COURSE_CUDA_CHECK(cudaMalloc(&device_c, bytes));
    COURSE_CUDA_CHECK(cudaMemcpy(device_a, a.data(), bytes, cudaMemcpyHostToDevice));
    COURSE_CUDA_CHECK(cudaMemcpy(device_b, b.data(), bytes, cudaMemcpyHostToDevice));
    vector_add(device_a, device_b, device_c, n);
    // cudaMemcpy waits for the kernel (same stream) before copying.
    COURSE_CUDA_CHECK(cudaMemcpy(c.data(), device_c, bytes, cudaMemcpyDeviceToHost));
  } catch (...) {
    cudaFree(device_a);  // cudaFree(nullptr) is a no-op
    cudaFree(device_b);
    cudaFree(device_c);
    throw;
  }
  COURSE_CUDA_CHECK(cudaFree(device_a));
  COURSE_CUDA_CHECK(cudaFree(device_b));
  COURSE_CUDA_CHECK(cudaFree(device_c));
  return c;
}

std::vector<float> add_with_device_arrays(const std::vector<float>& a,
                                          const std::vector<float>& b) {
  course::require_same_size(a.size(), b.size(), "add_with_device_arrays: a vs b");
  const course::DeviceArray<float> device_a = course::to_device(a);
  const course::DeviceArray<float> device_b = course::to_device(b);
  course::DeviceArray<float> device_c(a.size());
  vector_add(device_a, device_b, device_c);
  return device_c.to_host();
}

}  // namespace chapter1
