// 3.1 — Coalescing: the same update on two data layouts.
//
// Idea: a warp's 32 loads (or stores) are served in 32-byte sectors. When the 32 threads touch 32
// consecutive floats, that is 4 sectors and every byte moved is used ("coalesced"). On the
// array-of-structures layout (scale_x_aos, given) thread i touches particles[i].x, 16 bytes after
// thread i - 1's: the warp spans 16 sectors for 128 useful bytes, and the y, z, w that ride along
// in each sector are read from DRAM and written back for nothing: 4x the bytes. On the
// structure-of-arrays layout (scale_x_soa) the x coordinates are one array of their own, and the
// warp's accesses are consecutive.
// Launch shape: 1D, blocks of 256 threads, a grid-stride loop over a grid of a few blocks per SM
// (the loop covers any n; consecutive threads take consecutive elements at every step).
// What changed from 2.1: nothing in the kernel's shape; what changed is where the data lives.
#include <stdexcept>
#include <string>

#include "chapter3.hpp"
#include "course/error.hpp"

namespace {

constexpr unsigned kThreads = 256;

// Given: thread i updates particle i. The load of particles[i].x brings the whole 32-byte sector
// (two particles) into L2; the store dirties it, so the whole sector goes back to DRAM too.
__global__ void scale_x_aos_kernel(chapter3::Particle* particles, std::size_t n, float factor) {
  const std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n)
    particles[i].x *= factor;
}

__global__ void scale_x_soa_kernel(float* __restrict__ x, std::size_t n, float factor) {
  // TODO(3.1): x[i] *= factor for every i < n. Which element should thread threadIdx.x of block
  // blockIdx.x take first, so that the 32 threads of a warp touch 32 consecutive floats? If the
  // grid has fewer threads than n, how far does each thread step (2.1's grid-stride loop)?
}

}  // namespace

namespace chapter3 {

void scale_x_aos(Particle* particles, std::size_t n, float factor, cudaStream_t stream) {
  if (particles == nullptr && n > 0)
    throw std::invalid_argument("scale_x_aos: particles is null but n = " + std::to_string(n));
  if (n == 0)
    return;  // a grid of 0 blocks is an invalid launch
  const std::size_t blocks = (n + kThreads - 1) / kThreads;
  if (blocks > 0x7FFFFFFFu)
    throw std::invalid_argument("scale_x_aos: n = " + std::to_string(n) +
                                " needs more blocks than a grid holds");
  scale_x_aos_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(particles, n, factor);
  COURSE_CHECK_LAUNCH();
}

void scale_x_soa(float* x, std::size_t n, float factor, cudaStream_t stream) {
  // TODO(3.1): throw std::invalid_argument when x is null and n > 0; launch nothing when n == 0;
  // otherwise launch scale_x_soa_kernel on `stream` (blocks of kThreads threads; how many
  // blocks?), then COURSE_CHECK_LAUNCH(). Delete the COURSE_TODO line when you are done.
  COURSE_TODO("3.1", "scale_x_soa: a coalesced kernel on the structure-of-arrays layout");
}

}  // namespace chapter3
