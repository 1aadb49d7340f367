// RAII wrappers for streams and events.
#include "course/stream.hpp"

#include <cstdio>
#include <utility>

#include "course/error.hpp"

namespace course {

Stream::Stream() {
  COURSE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
}
Stream::Stream(Stream&& other) noexcept : stream_(std::exchange(other.stream_, nullptr)) {}
Stream& Stream::operator=(Stream&& other) noexcept {
  if (this != &other) {
    if (stream_ != nullptr)
      cudaStreamDestroy(stream_);
    stream_ = std::exchange(other.stream_, nullptr);
  }
  return *this;
}
Stream::~Stream() {
  if (stream_ != nullptr && cudaStreamDestroy(stream_) != cudaSuccess) {
    std::fprintf(stderr, "course: cudaStreamDestroy failed\n");
  }
}
void Stream::synchronize() const {
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream_));
}

Event::Event() {
  COURSE_CUDA_CHECK(cudaEventCreate(&event_));
}
Event::Event(Event&& other) noexcept : event_(std::exchange(other.event_, nullptr)) {}
Event& Event::operator=(Event&& other) noexcept {
  if (this != &other) {
    if (event_ != nullptr)
      cudaEventDestroy(event_);
    event_ = std::exchange(other.event_, nullptr);
  }
  return *this;
}
Event::~Event() {
  if (event_ != nullptr && cudaEventDestroy(event_) != cudaSuccess) {
    std::fprintf(stderr, "course: cudaEventDestroy failed\n");
  }
}
void Event::record(cudaStream_t stream) {
  COURSE_CUDA_CHECK(cudaEventRecord(event_, stream));
}
void Event::synchronize() const {
  COURSE_CUDA_CHECK(cudaEventSynchronize(event_));
}

float elapsed_ms(const Event& start, const Event& stop) {
  stop.synchronize();
  float ms = 0;
  COURSE_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms;
}

}  // namespace course
