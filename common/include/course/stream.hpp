/// @file stream.hpp
/// @brief RAII CUDA streams and events (move-only; destructors never throw).
#pragma once

#include <cuda_runtime_api.h>

namespace course {

/// An owned CUDA stream: work queued on one stream runs in order; different streams may overlap.
class Stream {
 public:
  /// Creates a stream that does not synchronise with the legacy default stream.
  Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  /// Takes over `other`'s stream; `other` is left without one.
  Stream(Stream&& other) noexcept;
  /// Destroys this stream and takes over `other`'s; `other` is left without one.
  Stream& operator=(Stream&& other) noexcept;
  ~Stream();

  /// The raw handle, for launches: `kernel<<<grid, block, 0, stream.get()>>>(...)`.
  cudaStream_t get() const noexcept { return stream_; }
  /// Blocks the host until everything queued on this stream has finished.
  void synchronize() const;

 private:
  cudaStream_t stream_ = nullptr;
};

/// An owned CUDA event: a marker in a stream, used to time GPU work and to order streams.
class Event {
 public:
  Event();
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  /// Takes over `other`'s event; `other` is left without one.
  Event(Event&& other) noexcept;
  /// Destroys this event and takes over `other`'s; `other` is left without one.
  Event& operator=(Event&& other) noexcept;
  ~Event();

  /// The raw handle, for the runtime API's event functions.
  cudaEvent_t get() const noexcept { return event_; }
  /// Enqueues the event on `stream` (0: the default stream).
  void record(cudaStream_t stream = nullptr);
  /// Blocks the host until the event has happened.
  void synchronize() const;

 private:
  cudaEvent_t event_ = nullptr;
};

/// Milliseconds between two recorded events; waits for `stop` first.
float elapsed_ms(const Event& start, const Event& stop);

}  // namespace course
