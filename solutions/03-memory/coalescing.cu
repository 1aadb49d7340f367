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
#include <algorithm>
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

// Consecutive threads take consecutive elements at every step of the loop: each warp's load and
// store are 128 contiguous bytes, 4 full sectors.
__global__ void scale_x_soa_kernel(float* __restrict__ x, std::size_t n, float factor) {
  const std::size_t step = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += step)
    x[i] *= factor;
}

// A few waves of blocks per SM keep enough loads in flight to cover DRAM latency; more blocks
// than that only add scheduling work. Never more blocks than the elements need.
unsigned grid_stride_blocks(std::size_t n) {
  int device = 0;
  int sms = 0;
  COURSE_CUDA_CHECK(cudaGetDevice(&device));
  COURSE_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device));
  const std::size_t needed = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::min<std::size_t>(needed, static_cast<std::size_t>(sms) * 8));
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
  if (x == nullptr && n > 0)
    throw std::invalid_argument("scale_x_soa: x is null but n = " + std::to_string(n));
  if (n == 0)
    return;  // a grid of 0 blocks is an invalid launch
  scale_x_soa_kernel<<<grid_stride_blocks(n), kThreads, 0, stream>>>(x, n, factor);
  COURSE_CHECK_LAUNCH();
}

}  // namespace chapter3
