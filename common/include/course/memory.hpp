/// @file memory.hpp
/// @brief RAII device, pinned host and managed arrays: the course's counterpart of CuPy's ndarray.
///
/// | Python                                  | C++ (this header)                          |
/// |-----------------------------------------|--------------------------------------------|
/// | `d = cp.asarray(h)` / `gpuarray.to_gpu` | `auto d = course::to_device(h);`           |
/// | `h = cp.asnumpy(d)` / `d.get()`         | `std::vector<float> h = d.to_host();`      |
/// | `cp.empty(n, dtype=cp.float32)`         | `course::DeviceArray<float> d(n);`         |
/// | `cupyx.empty_pinned(n)`                 | `course::PinnedArray<float> p(n);`         |
/// | `cp.cuda.malloc_managed` (managed)      | `course::ManagedArray<float> m(n);`        |
///
/// The arrays are move-only: exactly one object owns each allocation (a std::unique_ptr with a
/// deleter that calls cudaFree or cudaFreeHost) and frees it in its destructor, which never
/// throws. Their element types must be trivially copyable.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "course/error.hpp"

namespace course {

namespace detail {
/// `count * element_size`, or std::length_error naming `owner`, the count and the element size
/// when the product does not fit in a size_t (it would wrap around to a small allocation).
std::size_t array_bytes(const char* owner, std::size_t count, std::size_t element_size);
/// cudaMalloc; 0 bytes returns nullptr. Throws OutOfMemory ("cudaMalloc of N bytes (...) failed:
/// cudaErrorMemoryAllocation (out of memory); X free of Y") or CudaError naming the call and size.
void* device_allocate(std::size_t bytes);
/// cudaFree that never throws (errors are reported on stderr).
void device_free(void* pointer) noexcept;
/// cudaMallocHost; 0 bytes returns nullptr. Throws like device_allocate.
void* pinned_allocate(std::size_t bytes);
/// cudaFreeHost that never throws.
void pinned_free(void* pointer) noexcept;
/// cudaMallocManaged (attached globally); 0 bytes returns nullptr. Refuses (OutOfMemory) more than
/// the GPU has free: managed memory can oversubscribe a GPU, the course never lets it, because
/// pages then migrate back and forth and every timing measures the driver's eviction instead.
void* managed_allocate(std::size_t bytes);
/// Throws std::invalid_argument naming `what` when `pointer` is null and `count` is not 0.
void require_pointer(const void* pointer, std::size_t count, const char* what);
/// cudaMemcpy / cudaMemcpyAsync with cudaMemcpyDefault; nothing happens for 0 bytes. A failure
/// throws CudaError naming the call, the size and `direction` (e.g. "host to device").
void copy_bytes(void* destination, const void* source, std::size_t bytes, const char* direction);
void copy_bytes_async(void* destination, const void* source, std::size_t bytes, cudaStream_t stream,
                      const char* direction);
/// cudaMemset; nothing happens for 0 bytes. A failure throws CudaError naming the call and size.
void set_bytes(void* destination, unsigned char byte, std::size_t bytes);

/// The deleters that let std::unique_ptr own the arrays' allocations.
struct DeviceFree {
  void operator()(void* pointer) const noexcept { device_free(pointer); }
};
struct PinnedFree {
  void operator()(void* pointer) const noexcept { pinned_free(pointer); }
};

/// An element count that a move resets to 0. With it, a moved-from array is empty (null pointer
/// and size 0, like the moved-from unique_ptr beside it) and the arrays' moves can be defaulted.
class MovedFromZero {
 public:
  MovedFromZero(std::size_t value = 0) noexcept : value_(value) {}  // NOLINT: implicit on purpose
  MovedFromZero(const MovedFromZero&) = delete;
  MovedFromZero& operator=(const MovedFromZero&) = delete;
  MovedFromZero(MovedFromZero&& other) noexcept : value_(std::exchange(other.value_, 0)) {}
  MovedFromZero& operator=(MovedFromZero&& other) noexcept {
    value_ = std::exchange(other.value_, 0);  // also right for a self-move
    return *this;
  }
  operator std::size_t() const noexcept { return value_; }  // NOLINT: implicit on purpose

 private:
  std::size_t value_;
};
}  // namespace detail

/// Throws std::invalid_argument("<what>: sizes differ (a elements vs b elements)") when a != b.
/// Launchers call it before touching their operands.
void require_same_size(std::size_t a, std::size_t b, const char* what);

/// A fixed-size array in GPU memory. Elements are not initialised (like cp.empty).
/// Move-only: exactly one DeviceArray owns each allocation; a moved-from one is empty.
template <typename T>
class DeviceArray {
  // The elements are copied as raw bytes (cudaMemcpy) and never constructed or destroyed.
  static_assert(std::is_trivially_copyable_v<T>,
                "course::DeviceArray<T> needs a trivially copyable T (numbers, or plain structs "
                "of numbers): its elements are copied to and from the GPU as raw bytes and never "
                "constructed, so types that own memory (std::string, std::vector, ...) cannot "
                "live in GPU memory");

 public:
  /// An empty array (size 0, null pointer). Needs no GPU.
  DeviceArray() = default;

  /// Allocates `count` elements on the current device. 0 is allowed and allocates nothing.
  /// @throws std::length_error when count * sizeof(T) does not fit in a size_t.
  /// @throws OutOfMemory when the device cannot hold them; CudaError for other failures.
  explicit DeviceArray(std::size_t count)
      : data_(static_cast<T*>(
            detail::device_allocate(detail::array_bytes("DeviceArray", count, sizeof(T))))),
        size_(count) {}

  /// Allocates and copies `host` to the device (synchronous).
  explicit DeviceArray(const std::vector<T>& host) : DeviceArray(host.size()) {
    copy_from_host(host);
  }

  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  /// Takes over `other`'s allocation; `other` is left empty.
  DeviceArray(DeviceArray&& other) noexcept = default;
  /// Frees this array's allocation and takes over `other`'s; `other` is left empty.
  DeviceArray& operator=(DeviceArray&& other) noexcept = default;
  /// Frees the allocation; never throws.
  ~DeviceArray() = default;

  /// Number of elements.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Size in bytes.
  [[nodiscard]] std::size_t bytes() const noexcept { return size_ * sizeof(T); }
  /// True when the array holds no elements.
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// Raw device pointer, for kernel arguments. Never dereference it on the host.
  [[nodiscard]] T* data() noexcept { return data_.get(); }
  /// Raw device pointer, for kernel arguments. Never dereference it on the host.
  [[nodiscard]] const T* data() const noexcept { return data_.get(); }

  /// Copies `count` elements from host memory into this array (synchronous).
  /// @throws std::invalid_argument when count != size() or `host` is null.
  void copy_from_host(const T* host, std::size_t count) {
    require_same_size(count, size_, "DeviceArray::copy_from_host: host vs device array");
    detail::require_pointer(host, count, "DeviceArray::copy_from_host: the host pointer");
    detail::copy_bytes(data(), host, bytes(), "host to device");
  }
  /// Copies a host vector into this array (synchronous).
  /// @throws std::invalid_argument when host.size() != size().
  void copy_from_host(const std::vector<T>& host) { copy_from_host(host.data(), host.size()); }

  /// Copies this array into `count` elements of host memory (synchronous).
  /// @throws std::invalid_argument when count != size() or `host` is null.
  void copy_to_host(T* host, std::size_t count) const {
    require_same_size(count, size_, "DeviceArray::copy_to_host: host vs device array");
    detail::require_pointer(host, count, "DeviceArray::copy_to_host: the host pointer");
    detail::copy_bytes(host, data(), bytes(), "device to host");
  }

  /// Returns a host copy of the whole array (synchronous), like cp.asnumpy.
  [[nodiscard]] std::vector<T> to_host() const {
    std::vector<T> host(size_);
    copy_to_host(host.data(), host.size());
    return host;
  }

  /// Asynchronous upload on `stream`. For the copy to overlap with other work, `host` must be
  /// pinned memory (see PinnedArray); it must stay alive until the stream reaches the copy.
  /// @throws std::invalid_argument when count != size() or `host` is null.
  void copy_from_host_async(const T* host, std::size_t count, cudaStream_t stream) {
    require_same_size(count, size_, "DeviceArray::copy_from_host_async: host vs device array");
    detail::require_pointer(host, count, "DeviceArray::copy_from_host_async: the host pointer");
    detail::copy_bytes_async(data(), host, bytes(), stream, "host to device");
  }
  /// Asynchronous download on `stream`; the same rules as copy_from_host_async.
  void copy_to_host_async(T* host, std::size_t count, cudaStream_t stream) const {
    require_same_size(count, size_, "DeviceArray::copy_to_host_async: host vs device array");
    detail::require_pointer(host, count, "DeviceArray::copy_to_host_async: the host pointer");
    detail::copy_bytes_async(host, data(), bytes(), stream, "device to host");
  }

  /// Sets every byte to `byte` (cudaMemset). fill_bytes(0xFF) makes every float a NaN: the
  /// graders use it to poison outputs, so that an element the kernel never wrote cannot pass.
  void fill_bytes(unsigned char byte) { detail::set_bytes(data(), byte, bytes()); }

 private:
  std::unique_ptr<T, detail::DeviceFree> data_;
  detail::MovedFromZero size_;
};

/// Uploads a host vector: the counterpart of `cp.asarray(h)`.
template <typename T>
[[nodiscard]] DeviceArray<T> to_device(const std::vector<T>& host) {
  return DeviceArray<T>(host);
}

namespace detail {

/// What PinnedArray and ManagedArray share: memory the host reads and writes directly, owned by
/// one object (a std::unique_ptr whose deleter frees it: `Free`), with a vector-like interface.
/// Move-only; a moved-from array is empty. Not used on its own.
template <typename T, typename Free>
class HostAccessibleArray {
 public:
  HostAccessibleArray(const HostAccessibleArray&) = delete;
  HostAccessibleArray& operator=(const HostAccessibleArray&) = delete;
  /// Takes over `other`'s allocation; `other` is left empty.
  HostAccessibleArray(HostAccessibleArray&& other) noexcept = default;
  /// Frees this array's allocation and takes over `other`'s; `other` is left empty.
  HostAccessibleArray& operator=(HostAccessibleArray&& other) noexcept = default;
  /// Frees the allocation; never throws.
  ~HostAccessibleArray() = default;

  /// Number of elements.
  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  /// Size in bytes.
  [[nodiscard]] std::size_t bytes() const noexcept { return size_ * sizeof(T); }
  /// True when the array holds no elements.
  [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
  /// Raw pointer, valid on the host (and, for managed memory, in kernels too).
  [[nodiscard]] T* data() noexcept { return data_.get(); }
  /// Raw pointer (read-only).
  [[nodiscard]] const T* data() const noexcept { return data_.get(); }
  /// Element `i`, unchecked, on the host.
  T& operator[](std::size_t i) noexcept { return data_.get()[i]; }
  /// Element `i`, unchecked, read-only.
  const T& operator[](std::size_t i) const noexcept { return data_.get()[i]; }
  /// First element, for range-for loops and standard algorithms.
  T* begin() noexcept { return data(); }
  /// One past the last element.
  T* end() noexcept { return data() + size(); }
  /// First element, read-only.
  const T* begin() const noexcept { return data(); }
  /// One past the last element, read-only.
  const T* end() const noexcept { return data() + size(); }

 protected:
  HostAccessibleArray() = default;
  /// Owns `bytes` at `pointer` (from the allocation function that `Free` undoes), `count` elements.
  HostAccessibleArray(void* pointer, std::size_t count)
      : data_(static_cast<T*>(pointer)), size_(count) {}

 private:
  std::unique_ptr<T, Free> data_;
  MovedFromZero size_;
};

}  // namespace detail

/// Page-locked ("pinned") host memory. The GPU's copy engines read and write it directly, so
/// transfers run at full PCIe/NVLink speed and can be asynchronous; pageable memory (std::vector)
/// is first staged through a pinned buffer by the driver. Elements are not initialised.
/// Move-only: exactly one PinnedArray owns each allocation; a moved-from one is empty.
template <typename T>
class PinnedArray : public detail::HostAccessibleArray<T, detail::PinnedFree> {
  // The elements are raw bytes that the GPU reads and writes; nothing constructs them.
  static_assert(std::is_trivially_copyable_v<T>,
                "course::PinnedArray<T> needs a trivially copyable T (numbers, or plain structs "
                "of numbers): its elements are raw bytes copied by the GPU and never "
                "constructed, so types that own memory (std::string, std::vector, ...) cannot "
                "live in it");

 public:
  /// An empty array (size 0, null pointer). Needs no GPU.
  PinnedArray() = default;
  /// Allocates `count` elements of pinned host memory; 0 allocates nothing.
  /// @throws std::length_error when count * sizeof(T) does not fit in a size_t.
  /// @throws OutOfMemory when the host cannot pin that much; CudaError for other failures.
  explicit PinnedArray(std::size_t count)
      : detail::HostAccessibleArray<T, detail::PinnedFree>(
            detail::pinned_allocate(detail::array_bytes("PinnedArray", count, sizeof(T))), count) {}
};

/// Managed ("unified") memory: one pointer valid on the host and on the GPU; the driver moves its
/// pages to whichever side touches them (on demand, by page faults) or where a prefetch sends
/// them (cudaMemPrefetchAsync). Elements are not initialised. Never larger than the GPU's free
/// memory (see detail::managed_allocate). Move-only; a moved-from array is empty.
template <typename T>
class ManagedArray : public detail::HostAccessibleArray<T, detail::DeviceFree> {
  static_assert(std::is_trivially_copyable_v<T>,
                "course::ManagedArray<T> needs a trivially copyable T (numbers, or plain structs "
                "of numbers): its pages move between host and GPU as raw bytes");

 public:
  /// An empty array (size 0, null pointer). Needs no GPU.
  ManagedArray() = default;
  /// Allocates `count` elements of managed memory (cudaFree frees it, as device memory); 0
  /// allocates nothing.
  /// @throws std::length_error when count * sizeof(T) does not fit in a size_t.
  /// @throws OutOfMemory when that is more than the GPU has free; CudaError for other failures.
  explicit ManagedArray(std::size_t count)
      : detail::HostAccessibleArray<T, detail::DeviceFree>(
            detail::managed_allocate(detail::array_bytes("ManagedArray", count, sizeof(T))),
            count) {}
};

}  // namespace course
