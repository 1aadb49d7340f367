// 1.3 — The whole round trip: host arrays to the GPU, add there, result back.
#include <vector>

#include "chapter1.hpp"
#include "course/error.hpp"

namespace chapter1 {

std::vector<float> add_with_raw_cuda(const std::vector<float>& a, const std::vector<float>& b) {
  // TODO(1.3): with the raw runtime API only, wrapping every call in COURSE_CUDA_CHECK:
  //   check that a and b have the same size (course::require_same_size),
  //   cudaMalloc three device arrays, cudaMemcpy a and b to the device,
  //   call vector_add (1.2), cudaMemcpy the result back, cudaFree all three.
  // Every cudaMalloc needs its cudaFree, even when a later call throws.
  COURSE_TODO("1.3", "implement add_with_raw_cuda");
}

std::vector<float> add_with_device_arrays(const std::vector<float>& a,
                                          const std::vector<float>& b) {
  // TODO(1.3): the same with course::to_device, course::DeviceArray and .to_host().
  // Count the lines you no longer need.
  COURSE_TODO("1.3", "implement add_with_device_arrays");
}

}  // namespace chapter1
