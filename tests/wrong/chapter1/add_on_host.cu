// KNOWN-WRONG VARIANT, kept so the graders are proven to catch it (see
// tests/chapter1/CMakeLists.txt). Everything else is the reference solution; look for WRONG. WRONG
// for 1.2: the additions are done on the host. The result is right, but every call copies both
// operands to the host and the result back: far below the memory bandwidth.
#include <vector>

#include "chapter1.hpp"
#include "course/error.hpp"

namespace chapter1 {

void vector_add(const float* a, const float* b, float* c, std::size_t n, cudaStream_t stream) {
  if (n == 0)
    return;
  std::vector<float> host_a(n), host_b(n), host_c(n);
  COURSE_CUDA_CHECK(
      cudaMemcpyAsync(host_a.data(), a, n * sizeof(float), cudaMemcpyDefault, stream));
  COURSE_CUDA_CHECK(
      cudaMemcpyAsync(host_b.data(), b, n * sizeof(float), cudaMemcpyDefault, stream));
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream));
  for (std::size_t i = 0; i < n; ++i)
    host_c[i] = host_a[i] + host_b[i];
  COURSE_CUDA_CHECK(
      cudaMemcpyAsync(c, host_c.data(), n * sizeof(float), cudaMemcpyDefault, stream));
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream));
}

void vector_add(const course::DeviceArray<float>& a, const course::DeviceArray<float>& b,
                course::DeviceArray<float>& c) {
  course::require_same_size(a.size(), b.size(), "vector_add: a vs b");
  course::require_same_size(a.size(), c.size(), "vector_add: a vs c");
  vector_add(a.data(), b.data(), c.data(), c.size());
}

}  // namespace chapter1
