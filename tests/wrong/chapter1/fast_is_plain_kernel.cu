// KNOWN-WRONG VARIANT, kept so the graders are proven to catch it (see
// tests/chapter1/CMakeLists.txt). Everything else is the reference solution; look for WRONG. 1.2 —
// The vector-add kernel and its launch.
//
// Idea: one thread per element; thread i computes c[i] = a[i] + b[i].
// Launch shape: 1D blocks of 256 threads (a multiple of the warp size, 32) and
// ceil(n / 256) blocks, so that the last, partly filled block covers the tail. The bounds check
// in the kernel stops that block's extra threads from touching memory past the end.
// First step of the course: no earlier version.
#include "chapter1.hpp"
#include "course/error.hpp"

namespace {

__global__ void vector_add_fast_kernel(const float* a, const float* b, float* c, std::size_t n) {
  // size_t arithmetic: blockIdx.x * blockDim.x overflows 32 bits past 4 billion elements.
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) {
    c[i] = a[i] + b[i];
  }
}

}  // namespace

namespace chapter1 {

// WRONG for 1.5: the plain one-element-per-thread kernel of 1.2, which does not reach 95%.
void vector_add_fast(const float* a, const float* b, float* c, std::size_t n, cudaStream_t stream) {
  if (n == 0)
    return;
  const unsigned threads_per_block = 256;
  const std::size_t blocks = (n + threads_per_block - 1) / threads_per_block;
  vector_add_fast_kernel<<<static_cast<unsigned>(blocks), threads_per_block, 0, stream>>>(a, b, c,
                                                                                          n);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter1
