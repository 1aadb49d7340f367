/// @file device_info.hpp
/// @brief What a GPU is (name, compute capability, SMs, clocks, memory) and what it does in
///        practice (measured ceilings, cached per process).
#pragma once

#include <cstddef>
#include <string>

namespace course {

/// The few properties that determine a GPU's theoretical FP32 rate and memory bandwidth. Plain
/// data, so that the figures of GPUs you do not have can be computed on any machine.
struct DeviceSpec {
  std::string name;               ///< e.g. "NVIDIA H100 80GB HBM3"
  int compute_major = 0;          ///< compute capability, e.g. 9 for 9.0 (Hopper)
  int compute_minor = 0;          ///< e.g. 0 for 9.0
  int sm_count = 0;               ///< streaming multiprocessors
  int sm_clock_khz = 0;           ///< peak SM clock (cudaDevAttrClockRate), kHz
  int memory_clock_khz = 0;       ///< peak memory clock (cudaDevAttrMemoryClockRate), kHz
  int memory_bus_width_bits = 0;  ///< memory interface width (cudaDeviceProp::memoryBusWidth)
};

/// Everything the course needs to know about one device.
struct DeviceInfo : DeviceSpec {
  int device = 0;                           ///< CUDA device ordinal
  std::size_t total_memory_bytes = 0;       ///< global memory
  std::size_t l2_cache_bytes = 0;           ///< L2 cache size
  std::size_t shared_memory_per_block = 0;  ///< default limit, bytes
  int warp_size = 32;                       ///< threads per warp
  int max_threads_per_block = 0;            ///< largest block, all dimensions together
  int max_block_dim[3] = {0, 0, 0};         ///< largest block in x, y and z
  int max_grid_dim[3] = {0, 0, 0};          ///< largest grid in x, y and z, in blocks
  int max_threads_per_sm = 0;               ///< resident threads per SM at most
};

/// Reads the current device's properties. Cached per process and device.
/// @throws CudaError when no GPU can be used.
[[nodiscard]] const DeviceInfo& device_info();

/// FP32 units ("CUDA cores") per SM for a compute capability, from NVIDIA's CUDA C++ Programming
/// Guide (arithmetic instruction throughput table). 0 for an unknown architecture.
[[nodiscard]] int fp32_cores_per_sm(int compute_major, int compute_minor) noexcept;

/// Measured device-to-device cudaMemcpy bandwidth in bytes/s, counting bytes read plus bytes
/// written (so a kernel that reads 2 arrays and writes 1 compares directly). Measured once per
/// process on 2 x 512 MiB (less on small GPUs) with events, warm-up and the median of 20 copies.
[[nodiscard]] double measured_copy_bandwidth();

/// "NVIDIA H100 80GB HBM3 (cc 9.0, 132 SMs, 79.1 GiB)".
[[nodiscard]] std::string describe(const DeviceInfo& info);

}  // namespace course
