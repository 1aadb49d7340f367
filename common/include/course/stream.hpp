/// @file stream.hpp
/// @brief RAII CUDA streams and events (move-only; destructors never throw).
#pragma once

#include <cuda_runtime_api.h>

#include <memory>
#include <type_traits>

namespace course {

/// An owned CUDA stream: work queued on one stream runs in order; different streams may overlap.
/// Move-only; a moved-from Stream owns nothing and may only be destroyed or assigned to.
class Stream {
 public:
  /// Creates a stream that does not synchronise with the legacy default stream.
  /// @throws CudaError when the stream cannot be created (e.g. no GPU).
  Stream();

  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  /// Takes over `other`'s handle; `other` is left without one.
  Stream(Stream&& other) noexcept = default;
  /// Destroys this handle and takes over `other`'s; `other` is left without one.
  Stream& operator=(Stream&& other) noexcept = default;
  /// Destroys the handle; never throws.
  ~Stream() = default;

  /// The raw handle, for launches: `kernel<<<grid, block, 0, stream.get()>>>(...)`. Null for a
  /// moved-from Stream (which would mean the default stream: do not launch on it).
  [[nodiscard]] cudaStream_t get() const noexcept { return stream_.get(); }
  /// Blocks the host until everything queued on this stream has finished.
  /// @throws std::logic_error on a moved-from Stream; CudaError when the work failed.
  void synchronize() const;

 private:
  // cudaStreamDestroy, reporting (not throwing) a failure: it runs in destructors.
  struct Destroy {
    void operator()(cudaStream_t stream) const noexcept;
  };
  std::unique_ptr<std::remove_pointer_t<cudaStream_t>, Destroy> stream_;
};

/// An owned CUDA event: a marker in a stream, used to time GPU work and to order streams.
/// Move-only; a moved-from Event owns nothing and may only be destroyed or assigned to.
class Event {
 public:
  /// @throws CudaError when the event cannot be created (e.g. no GPU).
  Event();

  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  /// Takes over `other`'s handle; `other` is left without one.
  Event(Event&& other) noexcept = default;
  /// Destroys this handle and takes over `other`'s; `other` is left without one.
  Event& operator=(Event&& other) noexcept = default;
  /// Destroys the handle; never throws.
  ~Event() = default;

  /// The raw handle, for the runtime API's event functions; null for a moved-from Event.
  [[nodiscard]] cudaEvent_t get() const noexcept { return event_.get(); }
  /// Enqueues the event on `stream` (0: the default stream).
  /// @throws std::logic_error on a moved-from Event.
  void record(cudaStream_t stream = nullptr);
  /// Blocks the host until the event has happened.
  /// @throws std::logic_error on a moved-from Event.
  void synchronize() const;

 private:
  // cudaEventDestroy, reporting (not throwing) a failure: it runs in destructors.
  struct Destroy {
    void operator()(cudaEvent_t event) const noexcept;
  };
  std::unique_ptr<std::remove_pointer_t<cudaEvent_t>, Destroy> event_;
};

/// Milliseconds between two recorded events; waits for `stop` first.
/// @throws std::logic_error when either event was moved from; CudaError when one of them was
///         never recorded.
[[nodiscard]] float elapsed_ms(const Event& start, const Event& stop);

}  // namespace course
