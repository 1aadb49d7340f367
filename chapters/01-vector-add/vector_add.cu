// 1.2 — The vector-add kernel and its launch.
//
// Idea: one thread per element; thread i computes c[i] = a[i] + b[i].
// Launch shape: 1D blocks of a fixed size, and enough blocks to cover all n elements.
#include "chapter1.hpp"
#include "course/error.hpp"

namespace {

__global__ void vector_add_kernel(const float* a, const float* b, float* c, std::size_t n) {
  // TODO(1.2): compute this thread's global index i from blockIdx.x, blockDim.x and
  // threadIdx.x, and store a[i] + b[i] in c[i] -- but only if i is inside the array.
}

}  // namespace

namespace chapter1 {

void vector_add(const float* a, const float* b, float* c, std::size_t n, cudaStream_t stream) {
  // TODO(1.2): pick a block size, compute how many blocks cover n elements, launch
  // vector_add_kernel<<<blocks, threads, 0, stream>>>(...), then COURSE_CHECK_LAUNCH().
  // What must happen when n == 0? Delete the COURSE_TODO line when you are done.
  COURSE_TODO("1.2", "launch vector_add_kernel so that every c[i] is written");
}

// Given: the device-array form checks the sizes, then calls yours.
void vector_add(const course::DeviceArray<float>& a, const course::DeviceArray<float>& b,
                course::DeviceArray<float>& c) {
  course::require_same_size(a.size(), b.size(), "vector_add: a vs b");
  course::require_same_size(a.size(), c.size(), "vector_add: a vs c");
  vector_add(a.data(), b.data(), c.data(), c.size());
}

}  // namespace chapter1
