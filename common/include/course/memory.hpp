/// @file memory.hpp
/// @brief RAII device and pinned host arrays: the course's counterpart of CuPy's ndarray.
///
/// | Python                                  | C++ (this header)                          |
/// |-----------------------------------------|--------------------------------------------|
/// | `d = cp.asarray(h)` / `gpuarray.to_gpu` | `auto d = course::to_device(h);`           |
/// | `h = cp.asnumpy(d)` / `d.get()`         | `std::vector<float> h = d.to_host();`      |
/// | `cp.empty(n, dtype=cp.float32)`         | `course::DeviceArray<float> d(n);`         |
/// | `cupyx.empty_pinned(n)`                 | `course::PinnedArray<float> p(n);`         |
///
/// Both arrays are move-only: exactly one object owns each allocation and frees it in its
/// destructor, which never throws.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "course/error.hpp"

namespace course {

namespace detail {
/// cudaMalloc that throws OutOfMemory with a clear message; 0 bytes returns nullptr.
void* device_allocate(std::size_t bytes);
/// cudaFree that never throws (errors are reported on stderr).
void device_free(void* pointer) noexcept;
/// cudaMallocHost that throws; 0 bytes returns nullptr.
void* pinned_allocate(std::size_t bytes);
/// cudaFreeHost that never throws.
void pinned_free(void* pointer) noexcept;
/// cudaMemcpy / cudaMemcpyAsync with cudaMemcpyDefault; nothing happens for 0 bytes.
void copy_bytes(void* destination, const void* source, std::size_t bytes);
void copy_bytes_async(void* destination, const void* source, std::size_t bytes,
                      cudaStream_t stream);
}  // namespace detail

/// Throws std::invalid_argument("<what>: sizes differ (a elements vs b elements)") when a != b.
/// Launchers call it before touching their operands.
void require_same_size(std::size_t a, std::size_t b, const char* what);

/// A fixed-size array in GPU memory. Elements are not initialised (like cp.empty).
template <typename T>
class DeviceArray {
 public:
  /// An empty array (size 0, null pointer). Needs no GPU.
  DeviceArray() = default;

  /// Allocates `count` elements on the current device. 0 is allowed and allocates nothing.
  /// @throws OutOfMemory when the device cannot hold them.
  explicit DeviceArray(std::size_t count)
      : data_(static_cast<T*>(detail::device_allocate(count * sizeof(T)))), size_(count) {}

  /// Allocates and copies `host` to the device (synchronous).
  explicit DeviceArray(const std::vector<T>& host) : DeviceArray(host.size()) {
    copy_from_host(host);
  }

  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  /// Takes over `other`'s allocation; `other` is left empty.
  DeviceArray(DeviceArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  /// Frees this array's allocation and takes over `other`'s; `other` is left empty.
  DeviceArray& operator=(DeviceArray&& other) noexcept {
    if (this != &other) {
      detail::device_free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  ~DeviceArray() { detail::device_free(data_); }

  /// Number of elements.
  std::size_t size() const noexcept { return size_; }
  /// Size in bytes.
  std::size_t bytes() const noexcept { return size_ * sizeof(T); }
  /// True when the array holds no elements.
  bool empty() const noexcept { return size_ == 0; }
  /// Raw device pointer, for kernel arguments. Never dereference it on the host.
  T* data() noexcept { return data_; }
  /// Raw device pointer, for kernel arguments. Never dereference it on the host.
  const T* data() const noexcept { return data_; }

  /// Copies `count` elements from host memory into this array (synchronous).
  /// @throws std::invalid_argument when count != size().
  void copy_from_host(const T* host, std::size_t count) {
    require_same_size(count, size_, "copy_from_host: host vs device array");
    detail::copy_bytes(data_, host, bytes());
  }
  /// Copies a host vector into this array (synchronous).
  /// @throws std::invalid_argument when host.size() != size().
  void copy_from_host(const std::vector<T>& host) { copy_from_host(host.data(), host.size()); }

  /// Copies this array into `count` elements of host memory (synchronous).
  /// @throws std::invalid_argument when count != size().
  void copy_to_host(T* host, std::size_t count) const {
    require_same_size(count, size_, "copy_to_host: host vs device array");
    detail::copy_bytes(host, data_, bytes());
  }

  /// Returns a host copy of the whole array (synchronous), like cp.asnumpy.
  std::vector<T> to_host() const {
    std::vector<T> host(size_);
    copy_to_host(host.data(), host.size());
    return host;
  }

  /// Asynchronous upload on `stream`. For the copy to overlap with other work, `host` must be
  /// pinned memory (see PinnedArray); it must stay alive until the stream reaches the copy.
  void copy_from_host_async(const T* host, std::size_t count, cudaStream_t stream) {
    require_same_size(count, size_, "copy_from_host_async: host vs device array");
    detail::copy_bytes_async(data_, host, bytes(), stream);
  }
  /// Asynchronous download on `stream`; the same rules as copy_from_host_async.
  void copy_to_host_async(T* host, std::size_t count, cudaStream_t stream) const {
    require_same_size(count, size_, "copy_to_host_async: host vs device array");
    detail::copy_bytes_async(host, data_, bytes(), stream);
  }

  /// Sets every byte to `byte` (cudaMemset). fill_bytes(0xFF) makes every float a NaN: the
  /// graders use it to poison outputs, so that an element the kernel never wrote cannot pass.
  void fill_bytes(unsigned char byte) {
    if (size_ > 0)
      COURSE_CUDA_CHECK(cudaMemset(data_, byte, bytes()));
  }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Uploads a host vector: the counterpart of `cp.asarray(h)`.
template <typename T>
DeviceArray<T> to_device(const std::vector<T>& host) {
  return DeviceArray<T>(host);
}

/// Page-locked ("pinned") host memory. The GPU's copy engines read and write it directly, so
/// transfers run at full PCIe/NVLink speed and can be asynchronous; pageable memory (std::vector)
/// is first staged through a pinned buffer by the driver.
template <typename T>
class PinnedArray {
 public:
  /// An empty array (size 0, null pointer). Needs no GPU.
  PinnedArray() = default;
  /// Allocates `count` elements of pinned host memory; 0 allocates nothing.
  explicit PinnedArray(std::size_t count)
      : data_(static_cast<T*>(detail::pinned_allocate(count * sizeof(T)))), size_(count) {}
  PinnedArray(const PinnedArray&) = delete;
  PinnedArray& operator=(const PinnedArray&) = delete;
  /// Takes over `other`'s allocation; `other` is left empty.
  PinnedArray(PinnedArray&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  /// Frees this array's allocation and takes over `other`'s; `other` is left empty.
  PinnedArray& operator=(PinnedArray&& other) noexcept {
    if (this != &other) {
      detail::pinned_free(data_);
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  ~PinnedArray() { detail::pinned_free(data_); }

  /// Number of elements.
  std::size_t size() const noexcept { return size_; }
  /// Size in bytes.
  std::size_t bytes() const noexcept { return size_ * sizeof(T); }
  /// True when the array holds no elements.
  bool empty() const noexcept { return size_ == 0; }
  /// Raw host pointer; also what the asynchronous copies of DeviceArray take.
  T* data() noexcept { return data_; }
  /// Raw host pointer (read-only).
  const T* data() const noexcept { return data_; }
  /// Element `i`, unchecked (host memory: readable and writable on the host).
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  /// Element `i`, unchecked, read-only.
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  /// First element, for range-for loops and standard algorithms.
  T* begin() noexcept { return data_; }
  /// One past the last element.
  T* end() noexcept { return data_ + size_; }
  /// First element, read-only.
  const T* begin() const noexcept { return data_; }
  /// One past the last element, read-only.
  const T* end() const noexcept { return data_ + size_; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace course
