// RAII wrappers for streams and events: std::unique_ptr owns the handle, a deleter destroys it.
#include "course/stream.hpp"

#include <cstdio>
#include <stdexcept>
#include <string>

#include "course/error.hpp"

namespace course {
namespace {

// A moved-from handle is null, and null means "the default stream" to the runtime: using one
// would silently do something else instead of failing.
void require_handle(const void* handle, const char* what) {
  if (handle == nullptr)
    throw std::logic_error(std::string(what) + " on a moved-from object (it owns no handle)");
}

}  // namespace

Stream::Stream() {
  cudaStream_t stream = nullptr;
  COURSE_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  stream_.reset(stream);
}

void Stream::Destroy::operator()(cudaStream_t stream) const noexcept {
  const cudaError_t status = cudaStreamDestroy(stream);
  if (status != cudaSuccess)
    std::fprintf(stderr, "course: cudaStreamDestroy failed: %s\n", cudaGetErrorName(status));
}

void Stream::synchronize() const {
  require_handle(stream_.get(), "Stream::synchronize");
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream_.get()));
}

Event::Event() {
  cudaEvent_t event = nullptr;
  COURSE_CUDA_CHECK(cudaEventCreate(&event));
  event_.reset(event);
}

void Event::Destroy::operator()(cudaEvent_t event) const noexcept {
  const cudaError_t status = cudaEventDestroy(event);
  if (status != cudaSuccess)
    std::fprintf(stderr, "course: cudaEventDestroy failed: %s\n", cudaGetErrorName(status));
}

void Event::record(cudaStream_t stream) {
  require_handle(event_.get(), "Event::record");
  COURSE_CUDA_CHECK(cudaEventRecord(event_.get(), stream));
}

void Event::synchronize() const {
  require_handle(event_.get(), "Event::synchronize");
  COURSE_CUDA_CHECK(cudaEventSynchronize(event_.get()));
}

float elapsed_ms(const Event& start, const Event& stop) {
  require_handle(start.get(), "elapsed_ms (start event)");
  stop.synchronize();
  float ms = 0;
  COURSE_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return ms;
}

}  // namespace course
