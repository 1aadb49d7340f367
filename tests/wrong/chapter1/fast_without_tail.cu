// KNOWN-WRONG VARIANT, kept so the graders are proven to catch it (see tests/chapter1/CMakeLists.txt).
// Everything else is the reference solution; look for WRONG.
// 1.5 (optional) — Vector add at the memory ceiling.
//
// Idea: the plain kernel issues one 4-byte load per array per thread. Here each thread moves
// float4s (16-byte loads and stores: a quarter of the memory instructions) and handles several
// of them in a grid-stride loop, so that many loads are in flight at once.
// Launch shape: 256 threads per block, a grid of a few waves of blocks per SM (from the device's
// SM count), independent of n; one extra pass handles the n % 4 tail elements.
// Changed from 1.2: vector loads, grid-stride loop, a grid sized to the GPU rather than to n.
#include <algorithm>

#include "chapter1.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"

namespace {

__global__ void vector_add_float4_kernel(const float4* a, const float4* b, float4* c,
                                         std::size_t quads, const float* a_tail,
                                         const float* b_tail, float* c_tail, unsigned tail) {
  const std::size_t first = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = first; i < quads; i += stride) {
    const float4 x = a[i];
    const float4 y = b[i];
    c[i] = make_float4(x.x + y.x, x.y + y.y, x.z + y.z, x.w + y.w);
  }
  // The last n % 4 elements, which do not fill a float4.
  // WRONG: the n % 4 tail elements are never written.
}

}  // namespace

namespace chapter1 {

void vector_add_fast(const float* a, const float* b, float* c, std::size_t n,
                     cudaStream_t stream) {
  if (n == 0) return;
  const std::size_t quads = n / 4;
  const unsigned tail = static_cast<unsigned>(n % 4);
  const std::size_t done = quads * 4;
  const unsigned threads_per_block = 256;
  const std::size_t blocks_needed = std::max<std::size_t>(1, (quads + threads_per_block - 1) / threads_per_block);
  const std::size_t blocks_cap = static_cast<std::size_t>(course::device_info().sm_count) * 8;
  const unsigned blocks = static_cast<unsigned>(std::min(blocks_needed, blocks_cap));
  vector_add_float4_kernel<<<blocks, threads_per_block, 0, stream>>>(
      reinterpret_cast<const float4*>(a), reinterpret_cast<const float4*>(b),
      reinterpret_cast<float4*>(c), quads, a + done, b + done, c + done, tail);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter1
