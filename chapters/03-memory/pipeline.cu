// 3.5 — Pinned memory and streams: a chunked pipeline that overlaps upload, kernel and download.
//
// Idea: process_serial copies everything up, runs the kernel, copies everything down: the copy
// engines and the SMs take turns and each waits for the others. Split the array into chunks and
// give each chunk its own upload -> kernel -> download sequence on one of several streams (round
// robin). Work on one stream stays in order (a chunk's kernel waits for its upload); work on
// different streams may overlap, so chunk k+1 uploads while chunk k computes and chunk k-1
// downloads. The H100 has separate copy engines for the two directions, so with a cheap kernel
// the end-to-end time tends to max(upload, download) plus one chunk's other steps, about half of
// the serial time.
// Why pinned: cudaMemcpyAsync from pageable memory (std::vector) is staged by the driver through
// its own pinned buffer and does not overlap with anything, so the pipeline refuses it.
// Launch shape: per chunk, a grid-stride kernel of 256-thread blocks, at most 8 blocks per SM.
// Changed from chapter 1's round trip (1.4): asynchronous copies on course::Streams, and one
// synchronisation per stream at the very end instead of one per step.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "chapter3.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/launch.hpp"
#include "course/memory.hpp"
#include "course/stream.hpp"

namespace {

constexpr unsigned kThreads = 256;

// y = 2x + 1 in place: one load, one FMA, one store per element. Cheap on purpose.
__global__ void transform_kernel(float* values, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    values[i] = fmaf(chapter3::kPipelineScale, values[i], chapter3::kPipelineOffset);
  }
}

void launch_transform(float* values, std::size_t n, cudaStream_t stream) {
  if (n == 0)
    return;
  const std::size_t full = static_cast<std::size_t>(course::device_info().sm_count) * 8;
  const auto blocks = static_cast<unsigned>(std::min(course::blocks_to_cover(n, kThreads), full));
  transform_kernel<<<blocks, kThreads, 0, stream>>>(values, n);
  COURSE_CHECK_LAUNCH();
}

// Pinned (page-locked) host memory is what cudaMallocHost and course::PinnedArray return, and
// what cudaHostRegister makes of other memory: cudaPointerGetAttributes calls it
// cudaMemoryTypeHost. Ordinary pageable memory is cudaMemoryTypeUnregistered.
void require_pinned(const void* pointer, std::size_t n, const char* function, const char* name) {
  if (pointer == nullptr) {
    throw std::invalid_argument(std::string(function) + ": " + name +
                                " is null but n = " + std::to_string(n));
  }
  cudaPointerAttributes attributes{};
  COURSE_CUDA_CHECK(cudaPointerGetAttributes(&attributes, pointer));
  if (attributes.type != cudaMemoryTypeHost) {
    throw std::invalid_argument(
        std::string(function) + ": " + name +
        " is not pinned host memory: cudaMemcpyAsync from pageable memory (std::vector, new, "
        "malloc) is staged through a driver buffer and cannot overlap; use course::PinnedArray");
  }
}

}  // namespace

namespace chapter3 {

void process_serial(const float* host_in, float* host_out, std::size_t n) {
  if (n == 0)
    return;
  require_pinned(host_in, n, "process_serial", "host_in");
  require_pinned(host_out, n, "process_serial", "host_out");
  course::Stream stream;
  course::DeviceArray<float> values(n);
  values.copy_from_host_async(host_in, n, stream.get());
  launch_transform(values.data(), n, stream.get());
  values.copy_to_host_async(host_out, n, stream.get());
  stream.synchronize();
}

void process_pipelined(const float* host_in, float* host_out, std::size_t n, int chunks,
                       int streams) {
  // Check the arguments (the pinned check: cudaPointerGetAttributes, see require_pinned), then
  // split n into `chunks` chunks and queue each chunk's upload, kernel (launch_transform) and
  // download on one of `streams` course::Streams. Wait only once, at the end. Delete the
  // COURSE_TODO line when you are done.
  (void)host_in, (void)host_out, (void)n, (void)chunks, (void)streams;
  COURSE_TODO("3.5", "process_pipelined: chunks on several streams, overlapping copies");
}

}  // namespace chapter3
