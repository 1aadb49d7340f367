// Device properties and measured ceilings.
#include "course/device_info.hpp"

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

#include "course/error.hpp"
#include "course/memory.hpp"
#include "course/timer.hpp"

namespace course {
namespace {

int attribute(cudaDeviceAttr which, int device) {
  int value = 0;
  COURSE_CUDA_CHECK(cudaDeviceGetAttribute(&value, which, device));
  return value;
}

DeviceInfo query(int device) {
  cudaDeviceProp properties{};
  COURSE_CUDA_CHECK(cudaGetDeviceProperties(&properties, device));
  DeviceInfo info;
  info.device = device;
  info.name = properties.name;
  info.compute_major = properties.major;
  info.compute_minor = properties.minor;
  info.sm_count = properties.multiProcessorCount;
  // CUDA 13 removed clockRate and memoryClockRate from cudaDeviceProp; the attributes remain.
  info.sm_clock_khz = attribute(cudaDevAttrClockRate, device);
  info.memory_clock_khz = attribute(cudaDevAttrMemoryClockRate, device);
  info.memory_bus_width_bits = properties.memoryBusWidth;
  info.total_memory_bytes = properties.totalGlobalMem;
  info.l2_cache_bytes = static_cast<std::size_t>(properties.l2CacheSize);
  info.shared_memory_per_block = properties.sharedMemPerBlock;
  info.warp_size = properties.warpSize;
  info.max_threads_per_block = properties.maxThreadsPerBlock;
  info.max_threads_per_sm = properties.maxThreadsPerMultiProcessor;
  for (int d = 0; d < 3; ++d) {
    info.max_block_dim[d] = properties.maxThreadsDim[d];
    info.max_grid_dim[d] = properties.maxGridSize[d];
  }
  return info;
}

}  // namespace

const DeviceInfo& device_info() {
  static std::mutex mutex;
  static std::map<int, DeviceInfo> cache;
  int device = 0;
  COURSE_CUDA_CHECK(cudaGetDevice(&device));
  std::lock_guard<std::mutex> lock(mutex);
  auto found = cache.find(device);
  if (found == cache.end())
    found = cache.emplace(device, query(device)).first;
  return found->second;
}

int fp32_cores_per_sm(int major, int minor) noexcept {
  switch (major) {
    case 5:  // Maxwell
      return 128;
    case 6:  // Pascal: GP100 has 64, the consumer parts 128
      return minor == 0 ? 64 : 128;
    case 7:  // Volta, Turing
      return 64;
    case 8:  // A100 has 64; Ampere consumer parts and Ada have 128
      return minor == 0 ? 64 : 128;
    case 9:   // Hopper
    case 10:  // Blackwell
    case 11:
    case 12:
      return 128;
    default:
      return 0;
  }
}

double measured_copy_bandwidth() {
  static std::mutex mutex;
  static std::map<int, double> cache;
  const DeviceInfo& info = device_info();
  std::lock_guard<std::mutex> lock(mutex);
  auto found = cache.find(info.device);
  if (found != cache.end())
    return found->second;

  // Large enough to dwarf the L2 cache many times over, small enough for any GPU.
  const std::size_t bytes =
      std::min<std::size_t>(std::size_t{512} << 20, info.total_memory_bytes / 8);
  DeviceArray<unsigned char> source(bytes);
  DeviceArray<unsigned char> destination(bytes);
  source.fill_bytes(1);
  const Timing timing = time_gpu(
      [&] {
        COURSE_CUDA_CHECK(
            cudaMemcpyAsync(destination.data(), source.data(), bytes, cudaMemcpyDeviceToDevice));
      },
      {5, 20});
  const double bandwidth = 2.0 * static_cast<double>(bytes) / (timing.median_ms * 1e-3);
  cache.emplace(info.device, bandwidth);
  return bandwidth;
}

std::string describe(const DeviceInfo& info) {
  char text[256];
  std::snprintf(text, sizeof text, "%s (cc %d.%d, %d SMs, %s)", info.name.c_str(),
                info.compute_major, info.compute_minor, info.sm_count,
                format_bytes(info.total_memory_bytes).c_str());
  return text;
}

}  // namespace course
