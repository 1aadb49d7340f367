// 3.6 (optional) — Unified memory: one pointer for host and GPU, pages moved on demand or by
// prefetching.
//
// Idea: managed memory (cudaMallocManaged, course::ManagedArray) is one allocation that both the
// host and the GPU address. Its pages live on one side at a time; when the other side touches a
// page that is not there, a page fault stops the access and the driver migrates the page. That is
// convenient (no explicit copies, pointer-based structures work on both sides) but each fault
// costs microseconds and moves little: a kernel that walks 256 MiB of host-resident pages spends
// most of its time waiting for faults. cudaMemPrefetchAsync moves a whole range in bulk, as a
// step queued on a stream like a copy: prefetch to the GPU, run the kernel, prefetch back, wait.
// No fault is left on either side, though the pages still move well below the rate of a copy
// from pinned memory (the lesson has the measured figures).
// Launch shape: a grid-stride kernel of 256-thread blocks, at most 8 blocks per SM (as in 3.5).
// Changed from 3.5: no device array and no copies; the same pointer in host code and in the
// kernel, and the migrations expressed as prefetches instead of cudaMemcpyAsync.
#include <algorithm>
#include <stdexcept>
#include <string>

#include "chapter3.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/launch.hpp"

namespace {

constexpr unsigned kThreads = 256;

// data[i] = 2 data[i] + 1 in place: one load, one FMA, one store per element.
__global__ void transform_kernel(float* data, std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride) {
    data[i] = fmaf(chapter3::kPipelineScale, data[i], chapter3::kPipelineOffset);
  }
}

void launch_transform(float* data, std::size_t n, cudaStream_t stream) {
  const std::size_t full = static_cast<std::size_t>(course::device_info().sm_count) * 8;
  const auto blocks = static_cast<unsigned>(std::min(course::blocks_to_cover(n, kThreads), full));
  transform_kernel<<<blocks, kThreads, 0, stream>>>(data, n);
  COURSE_CHECK_LAUNCH();
}

// Managed memory is what cudaMallocManaged and course::ManagedArray return;
// cudaPointerGetAttributes calls it cudaMemoryTypeManaged. Prefetching needs a GPU with concurrent
// managed access.
void check_managed(const float* data, std::size_t n, const char* function) {
  if (data == nullptr) {
    throw std::invalid_argument(std::string(function) +
                                ": data is null but n = " + std::to_string(n));
  }
  cudaPointerAttributes attributes{};
  COURSE_CUDA_CHECK(cudaPointerGetAttributes(&attributes, data));
  if (attributes.type != cudaMemoryTypeManaged) {
    throw std::invalid_argument(std::string(function) +
                                ": data is not managed memory (cudaMallocManaged); allocate it "
                                "with course::ManagedArray");
  }
  int concurrent = 0;
  COURSE_CUDA_CHECK(cudaDeviceGetAttribute(&concurrent, cudaDevAttrConcurrentManagedAccess,
                                           course::device_info().device));
  if (concurrent == 0) {
    throw std::runtime_error(std::string(function) +
                             ": this GPU has no concurrent managed access "
                             "(cudaDevAttrConcurrentManagedAccess is 0: Windows, or an older or "
                             "virtualised GPU), so managed memory cannot be prefetched here");
  }
}

// Queues a prefetch of `bytes` at `data` to `where` on `stream`. CUDA 13 takes a cudaMemLocation
// (device or host); CUDA 12 called that version cudaMemPrefetchAsync_v2.
void prefetch(const void* data, std::size_t bytes, cudaMemLocation where, cudaStream_t stream) {
#if CUDART_VERSION >= 13000
  COURSE_CUDA_CHECK(cudaMemPrefetchAsync(data, bytes, where, 0, stream));
#else
  COURSE_CUDA_CHECK(cudaMemPrefetchAsync_v2(data, bytes, where, 0, stream));
#endif
}

// The two places a range can be sent: this GPU, or the host.
cudaMemLocation on_this_gpu() {
  cudaMemLocation location{};
  location.type = cudaMemLocationTypeDevice;
  location.id = course::device_info().device;
  return location;
}

cudaMemLocation on_the_host() {
  cudaMemLocation location{};
  location.type = cudaMemLocationTypeHost;
  location.id = 0;  // ignored for the host
  return location;
}

}  // namespace

namespace chapter3 {

void transform_managed_on_demand(float* data, std::size_t n, cudaStream_t stream) {
  if (n == 0)
    return;
  check_managed(data, n, "transform_managed_on_demand");
  launch_transform(data, n, stream);
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream));
}

void transform_managed_prefetched(float* data, std::size_t n, cudaStream_t stream) {
  if (n == 0)
    return;
  check_managed(data, n, "transform_managed_prefetched");
  // Move the pages in bulk with the helpers above (prefetch, on_this_gpu, on_the_host), every
  // step on `stream`, so that neither the kernel nor the host's reads afterwards take a page
  // fault; then wait. Delete the COURSE_TODO line when you are done.
  (void)&prefetch, (void)&on_this_gpu, (void)&on_the_host;
  COURSE_TODO("3.6", "transform_managed_prefetched: prefetch to the GPU, kernel, prefetch back");
}

}  // namespace chapter3
