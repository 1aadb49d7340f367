// Allocation and copies behind DeviceArray and PinnedArray.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "course/memory.hpp"

namespace course::detail {

void* device_allocate(std::size_t bytes) {
  if (bytes == 0)
    return nullptr;
  void* pointer = nullptr;
  const cudaError_t status = cudaMalloc(&pointer, bytes);
  if (status == cudaErrorMemoryAllocation) {
    cudaGetLastError();  // not sticky; clear it
    throw OutOfMemory(bytes, __FILE__, __LINE__);
  }
  COURSE_CUDA_CHECK(status);
  return pointer;
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
  COURSE_CUDA_CHECK(cudaMallocHost(&pointer, bytes));
  return pointer;
}

void pinned_free(void* pointer) noexcept {
  if (pointer == nullptr)
    return;
  const cudaError_t status = cudaFreeHost(pointer);
  if (status != cudaSuccess) {
    std::fprintf(stderr, "course: cudaFreeHost failed: %s\n", cudaGetErrorName(status));
  }
}

void copy_bytes(void* destination, const void* source, std::size_t bytes) {
  if (bytes == 0)
    return;
  COURSE_CUDA_CHECK(cudaMemcpy(destination, source, bytes, cudaMemcpyDefault));
}

void copy_bytes_async(void* destination, const void* source, std::size_t bytes,
                      cudaStream_t stream) {
  if (bytes == 0)
    return;
  COURSE_CUDA_CHECK(cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDefault, stream));
}

}  // namespace course::detail

namespace course {
void require_same_size(std::size_t a, std::size_t b, const char* what) {
  if (a != b) {
    throw std::invalid_argument(std::string(what) + ": sizes differ (" + std::to_string(a) +
                                " elements vs " + std::to_string(b) + ")");
  }
}
}  // namespace course
