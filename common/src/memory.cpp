// Allocation and copies behind DeviceArray and PinnedArray. Their errors name the call, the size
// and what there was room for, because the file and line inside this library help nobody.
#include "course/memory.hpp"

#include <cuda_runtime_api.h>

#include <cstdio>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>

namespace course::detail {
namespace {

std::string sized_call(const char* call, std::size_t bytes) {
  return std::string(call) + " of " + std::to_string(bytes) + " bytes (" + format_bytes(bytes) +
         ")";
}

// For the out-of-memory message only: never throws a second error over the first.
std::string free_device_memory() {
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  if (cudaMemGetInfo(&free_bytes, &total_bytes) != cudaSuccess) {
    cudaGetLastError();  // this failure is not the one being reported: do not leave it behind
    return "the device's free memory could not be read";
  }
  return format_bytes(free_bytes) + " free of " + format_bytes(total_bytes);
}

// Pinned memory is page-locked host RAM: what limits it is the RAM the host has available.
std::string available_host_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::size_t kib = 0;
  std::string unit;
  std::size_t available_kib = 0;
  std::size_t total_kib = 0;
  while (meminfo >> key >> kib >> unit) {
    if (key == "MemTotal:")
      total_kib = kib;
    if (key == "MemAvailable:")
      available_kib = kib;
  }
  if (total_kib == 0)
    return "pinned memory is page-locked host RAM";
  return "pinned memory is page-locked host RAM: " + format_bytes(available_kib * 1024) +
         " available of " + format_bytes(total_kib * 1024);
}

}  // namespace

std::size_t array_bytes(const char* owner, std::size_t count, std::size_t element_size) {
  if (element_size != 0 && count > std::numeric_limits<std::size_t>::max() / element_size) {
    throw std::length_error(std::string(owner) + ": " + std::to_string(count) + " elements of " +
                            std::to_string(element_size) +
                            " bytes each do not fit in a size_t (at most " +
                            std::to_string(std::numeric_limits<std::size_t>::max() / element_size) +
                            " elements of that size)");
  }
  return count * element_size;
}

void* device_allocate(std::size_t bytes) {
  if (bytes == 0)
    return nullptr;
  void* pointer = nullptr;
  const cudaError_t status = cudaMalloc(&pointer, bytes);
  if (status == cudaSuccess)
    return pointer;
  cudaGetLastError();  // an allocation failure is not sticky: the next check must not see it again
  if (status == cudaErrorMemoryAllocation)
    throw OutOfMemory("cudaMalloc", bytes, free_device_memory());
  throw CudaError(status, sized_call("cudaMalloc", bytes) + " failed");
}

void* managed_allocate(std::size_t bytes) {
  if (bytes == 0)
    return nullptr;
  std::size_t free_bytes = 0;
  std::size_t total_bytes = 0;
  COURSE_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total_bytes));
  if (bytes > free_bytes) {
    throw OutOfMemory("cudaMallocManaged", bytes,
                      free_device_memory() +
                          "; the course never asks for more managed memory than the GPU has "
                          "free (its pages would be evicted back and forth)");
  }
  void* pointer = nullptr;
  const cudaError_t status = cudaMallocManaged(&pointer, bytes, cudaMemAttachGlobal);
  if (status == cudaSuccess)
    return pointer;
  cudaGetLastError();
  if (status == cudaErrorMemoryAllocation)
    throw OutOfMemory("cudaMallocManaged", bytes, free_device_memory());
  throw CudaError(status, sized_call("cudaMallocManaged", bytes) + " failed");
}

void device_free(void* pointer) noexcept {
  if (pointer == nullptr)
    return;
  const cudaError_t status = cudaFree(pointer);
  if (status != cudaSuccess) {
    // A destructor must not throw. A failure here usually means an earlier kernel crashed and
    // the context is lost; that error has been (or will be) reported where it happened.
    std::fprintf(stderr, "course: cudaFree failed: %s\n", cudaGetErrorName(status));
  }
}

void* pinned_allocate(std::size_t bytes) {
  if (bytes == 0)
    return nullptr;
  void* pointer = nullptr;
  const cudaError_t status = cudaMallocHost(&pointer, bytes);
  if (status == cudaSuccess)
    return pointer;
  cudaGetLastError();
  if (status == cudaErrorMemoryAllocation)
    throw OutOfMemory("cudaMallocHost", bytes, available_host_memory());
  throw CudaError(status, sized_call("cudaMallocHost", bytes) + " failed");
}

void pinned_free(void* pointer) noexcept {
  if (pointer == nullptr)
    return;
  const cudaError_t status = cudaFreeHost(pointer);
  if (status != cudaSuccess) {
    std::fprintf(stderr, "course: cudaFreeHost failed: %s\n", cudaGetErrorName(status));
  }
}

void require_pointer(const void* pointer, std::size_t count, const char* what) {
  if (pointer == nullptr && count > 0) {
    throw std::invalid_argument(std::string(what ? what : "a pointer") + " is null but " +
                                std::to_string(count) + " elements were to be copied");
  }
}

void copy_bytes(void* destination, const void* source, std::size_t bytes, const char* direction) {
  if (bytes == 0)
    return;
  const cudaError_t status = cudaMemcpy(destination, source, bytes, cudaMemcpyDefault);
  if (status != cudaSuccess) {
    cudaGetLastError();  // clears non-sticky errors; sticky ones (a crashed kernel) stay
    throw CudaError(status, sized_call("cudaMemcpy", bytes) + ", " + direction + ", failed");
  }
}

void copy_bytes_async(void* destination, const void* source, std::size_t bytes, cudaStream_t stream,
                      const char* direction) {
  if (bytes == 0)
    return;
  const cudaError_t status = cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDefault, stream);
  if (status != cudaSuccess) {
    cudaGetLastError();
    throw CudaError(status, sized_call("cudaMemcpyAsync", bytes) + ", " + direction + ", failed");
  }
}

void set_bytes(void* destination, unsigned char byte, std::size_t bytes) {
  if (bytes == 0)
    return;
  const cudaError_t status = cudaMemset(destination, byte, bytes);
  if (status != cudaSuccess) {
    cudaGetLastError();
    throw CudaError(status, sized_call("cudaMemset", bytes) + " failed");
  }
}

}  // namespace course::detail

namespace course {
void require_same_size(std::size_t a, std::size_t b, const char* what) {
  if (a != b) {
    throw std::invalid_argument(std::string(what ? what : "require_same_size") +
                                ": sizes differ (" + std::to_string(a) + " elements vs " +
                                std::to_string(b) + ")");
  }
}
}  // namespace course
