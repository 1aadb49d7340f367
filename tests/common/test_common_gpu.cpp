// Unit tests of the common library on a GPU.
#include <cuda_runtime_api.h>

#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "course/course.hpp"
#include "grading.hpp"
#include "published_peaks.hpp"

using Catch::Matchers::ContainsSubstring;

TEST_CASE("DeviceArray round trip, like cp.asarray and cp.asnumpy", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  for (const std::size_t n : {std::size_t{1}, std::size_t{1000}, std::size_t{1} << 20}) {
    const std::vector<float> host = course::random_floats(n, n);
    const course::DeviceArray<float> device = course::to_device(host);
    CHECK(device.size() == n);
    CHECK(device.bytes() == n * sizeof(float));
    CHECK(device.data() != nullptr);
    CHECK(device.to_host() == host);
  }
}

TEST_CASE("DeviceArray is move-only and moves ownership", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  course::DeviceArray<int> first(std::vector<int>{1, 2, 3});
  const int* pointer = first.data();
  course::DeviceArray<int> second = std::move(first);
  CHECK(first.data() == nullptr);
  CHECK(first.size() == 0);
  CHECK(second.data() == pointer);
  course::DeviceArray<int> third(5);
  third = std::move(second);
  CHECK(third.size() == 3);
  CHECK(third.to_host() == std::vector<int>{1, 2, 3});
  static_assert(!std::is_copy_constructible_v<course::DeviceArray<int>>);
  static_assert(!std::is_copy_assignable_v<course::PinnedArray<int>>);
}

TEST_CASE("fill_bytes poisons every element", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  course::DeviceArray<float> device(100);
  device.fill_bytes(0xFF);
  for (float value : device.to_host())
    REQUIRE(course::is_poison(value));
}

TEST_CASE("asynchronous copies through pinned memory on a stream", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  const std::size_t n = 1 << 20;
  course::PinnedArray<float> pinned(n);
  for (std::size_t i = 0; i < n; ++i)
    pinned[i] = static_cast<float>(i);
  course::DeviceArray<float> device(n);
  course::PinnedArray<float> back(n);
  course::Stream stream;
  device.copy_from_host_async(pinned.data(), n, stream.get());
  device.copy_to_host_async(back.data(), n, stream.get());
  stream.synchronize();
  CHECK(std::equal(pinned.begin(), pinned.end(), back.begin()));
  CHECK_THROWS_AS(device.copy_to_host_async(back.data(), n - 1, stream.get()),
                  std::invalid_argument);
}

TEST_CASE("managed memory: one pointer for the host and the GPU, never more than is free",
          "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  const std::size_t n = 1 << 20;
  course::ManagedArray<float> managed(n);
  for (std::size_t i = 0; i < n; ++i)
    managed[i] = static_cast<float>(i);
  cudaPointerAttributes attributes{};
  COURSE_CUDA_CHECK(cudaPointerGetAttributes(&attributes, managed.data()));
  CHECK(attributes.type == cudaMemoryTypeManaged);
  // The GPU reads what the host wrote (a copy from managed to device memory), and back.
  course::DeviceArray<float> device(n);
  device.copy_from_host(managed.data(), n);
  const std::vector<float> back = device.to_host();
  CHECK(std::equal(back.begin(), back.end(), managed.begin()));
  course::ManagedArray<float> moved = std::move(managed);
  CHECK(managed.empty());
  CHECK(moved.size() == n);
  // More than the GPU has free is refused before cudaMallocManaged could oversubscribe it.
  const std::size_t too_many = course::device_info().total_memory_bytes + (std::size_t{1} << 30);
  try {
    course::ManagedArray<unsigned char> huge(too_many);
    FAIL("a managed allocation larger than the GPU did not throw");
  } catch (const course::OutOfMemory& error) {
    CHECK_THAT(std::string(error.what()), ContainsSubstring("cudaMallocManaged"));
    CHECK_THAT(std::string(error.what()), ContainsSubstring("never asks for more managed"));
  }
}

TEST_CASE("an allocation larger than the GPU throws a clear out-of-memory error", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  const std::size_t too_many = course::device_info().total_memory_bytes * 2;
  try {
    course::DeviceArray<unsigned char> huge(too_many);
    FAIL("allocating twice the GPU's memory did not throw");
  } catch (const course::OutOfMemory& error) {
    // "cudaMalloc of N bytes (X GiB) failed: cudaErrorMemoryAllocation (out of memory); Y free of
    // Z"
    const std::string message = error.what();
    CHECK_THAT(message, ContainsSubstring("cudaMalloc of " + std::to_string(too_many) + " bytes (" +
                                          course::format_bytes(too_many) +
                                          ") failed: cudaErrorMemoryAllocation"));
    CHECK_THAT(message, ContainsSubstring("free of"));
    CHECK_THAT(message, !ContainsSubstring("memory.cpp"));
    CHECK(error.requested_bytes() == too_many);
  }
  // The error is not sticky: the GPU still works.
  course::DeviceArray<float> small(std::vector<float>{1.0f, 2.0f});
  CHECK(small.to_host() == std::vector<float>{1.0f, 2.0f});
}

TEST_CASE("copies reject a null host pointer before calling CUDA", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  course::DeviceArray<float> device(4);
  CHECK_THROWS_WITH(device.copy_from_host(nullptr, 4), ContainsSubstring("host pointer is null"));
  CHECK_THROWS_AS(device.copy_to_host(nullptr, 4), std::invalid_argument);
  course::Stream stream;
  CHECK_THROWS_AS(device.copy_to_host_async(nullptr, 4, stream.get()), std::invalid_argument);
}

TEST_CASE("streams, events and timers refuse to be used in a wrong state", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  course::Stream first;
  const cudaStream_t handle = first.get();
  course::Stream second = std::move(first);
  CHECK(second.get() == handle);
  CHECK(first.get() == nullptr);
  CHECK_THROWS_AS(first.synchronize(), std::logic_error);  // not the default stream instead
  CHECK_NOTHROW(second.synchronize());

  course::Event event;
  course::Event moved = std::move(event);
  CHECK_THROWS_AS(event.record(), std::logic_error);
  moved.record();
  CHECK_THROWS_AS((void)course::elapsed_ms(event, moved), std::logic_error);

  course::GpuTimer timer;
  CHECK_THROWS_AS(timer.stop(), std::logic_error);
  CHECK_THROWS_AS((void)timer.elapsed_ms(), std::logic_error);
  timer.start();
  CHECK_THROWS_AS((void)timer.elapsed_ms(), std::logic_error);
  timer.stop();
  CHECK(timer.elapsed_ms() >= 0.0f);
}

TEST_CASE("GPU detection on a machine with a GPU", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  const course::GpuStatus& status = course::gpu_status();
  CHECK(status.usable);
  CHECK(status.summary.empty());
  CHECK(status.device_name == course::device_info().name);
  CHECK(status.compute_major == course::device_info().compute_major);
  CHECK(status.compute_minor == course::device_info().compute_minor);
  CHECK(status.driver_cuda_version >= status.runtime_cuda_version / 1000 * 1000);
  CHECK(status.memory_gib ==
        Approx(static_cast<double>(course::device_info().total_memory_bytes) / (1 << 30)));
  // Detection must not leave an error behind for the next COURSE_CHECK_LAUNCH().
  CHECK(cudaPeekAtLastError() == cudaSuccess);
}

TEST_CASE("a bad launch configuration is caught by COURSE_CHECK_LAUNCH", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  // cudaMemset on an invalid pointer is reported at the call; a launch error at the next check.
  CHECK_THROWS_WITH([] { COURSE_CUDA_CHECK(cudaMemset(reinterpret_cast<void*>(16), 0, 4)); }(),
                    ContainsSubstring("cudaMemset"));
  cudaGetLastError();
}

TEST_CASE("device information and measured ceilings", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  const course::DeviceInfo& info = course::device_info();
  INFO(course::describe(info));
  CHECK(!info.name.empty());
  CHECK(info.compute_major >= 5);
  CHECK(info.sm_count > 0);
  CHECK(info.sm_clock_khz > 0);
  CHECK(info.memory_clock_khz > 0);
  CHECK(info.total_memory_bytes > 0);
  CHECK(info.max_threads_per_block >= 1024);
  const double copy = course::measured_copy_bandwidth();
  CHECK(copy > 1e10);
  CHECK(course::measured_copy_bandwidth() == copy);  // cached per process
  const course::grading::PublishedPeaks published = course::grading::published_peaks(info);
  if (published.bandwidth > 0) {
    INFO("copy " << copy / 1e9 << " GB/s, published peak " << published.bandwidth / 1e9 << " GB/s ("
                 << published.source << ")");
    CHECK(copy <= 1.02 * published.bandwidth);  // no copy beats the datasheet
  }
  course::grading::note(
      "FIGURE: " + course::describe(info) + "; copy " + course::grading::format_rate(copy) +
      (published.bandwidth > 0
           ? " of " + course::grading::format_rate(published.bandwidth) + " published"
           : std::string(" (") + published.source + ")"));
}

TEST_CASE("the GPU timer measures the work between its events", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  course::DeviceArray<unsigned char> buffer(std::size_t{256} << 20);
  const course::Timing small = course::time_gpu([&] { buffer.fill_bytes(1); }, {1, 5});
  const course::Timing twice = course::time_gpu(
      [&] {
        buffer.fill_bytes(1);
        buffer.fill_bytes(2);
      },
      {1, 5});
  CHECK(small.median_ms > 0.0);
  CHECK(twice.median_ms > small.median_ms);
  course::GpuTimer timer;
  timer.start();
  buffer.fill_bytes(3);
  timer.stop();
  CHECK(timer.elapsed_ms() > 0.0f);
}
