// Unit tests of the common library that need no GPU.
#include <dlfcn.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "course/course.hpp"
#include "grading.hpp"
#include "published_peaks.hpp"

using Catch::Matchers::ContainsSubstring;

namespace {
float poison() {
  float value;
  const std::uint32_t bits = 0xFFFFFFFFu;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Sets an environment variable for one scope and restores what was there before.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name))
      previous_ = old;
    if (value != nullptr)
      setenv(name, value, 1);
    else
      unsetenv(name);
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;
  ~ScopedEnvironment() {
    if (previous_)
      setenv(name_, previous_->c_str(), 1);
    else
      unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> previous_;
};

constexpr std::size_t kSizeMax = std::numeric_limits<std::size_t>::max();
}  // namespace

TEST_CASE("compare_close accepts values within atol + rtol * |expected|", "[common][cpu]") {
  const std::vector<float> actual = {1.0f, 2.0001f, -3.0f};
  const std::vector<double> expected = {1.0, 2.0, -3.0};
  const course::Comparison result = course::compare_close(actual, expected, {0.0, 1e-4});
  CHECK(result.ok());
  CHECK(result.count == 3);
  CHECK(result.max_abs_error > 0.0);
  CHECK_THAT(result.summary(), ContainsSubstring("ok: 3 elements"));
}

TEST_CASE("compare_close reports mismatches with their indices", "[common][cpu]") {
  const std::vector<float> actual = {1.0f, 2.5f, 3.0f, 4.5f};
  const std::vector<double> expected = {1.0, 2.0, 3.0, 4.0};
  const course::Comparison result = course::compare_close(actual, expected, {1e-6, 1e-6});
  CHECK_FALSE(result.ok());
  CHECK(result.mismatches == 2);
  REQUIRE(result.first_mismatches.size() == 2);
  CHECK(result.first_mismatches[0].index == 1);
  CHECK(result.first_mismatches[1].index == 3);
  CHECK(result.max_abs_error == Approx(0.5));
  CHECK_THAT(result.summary(), ContainsSubstring("2 of 4 elements differ"));
}

TEST_CASE("compare_close never accepts NaN, Inf or untouched elements", "[common][cpu]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> actual = {nan, inf, poison(), 1.0f};
  const std::vector<double> expected = {1.0, 1.0, 1.0, 1.0};
  // Even an absurd tolerance does not let them through.
  const course::Comparison result = course::compare_close(actual, expected, {1e30, 1e30});
  CHECK(result.mismatches == 3);
  CHECK(result.non_finite == 2);
  CHECK(result.untouched == 1);
  CHECK_THAT(result.summary(), ContainsSubstring("untouched"));
  CHECK(course::is_poison(poison()));
  CHECK_FALSE(course::is_poison(nan));
}

TEST_CASE("compare functions reject results of the wrong size", "[common][cpu]") {
  CHECK_THROWS_AS(course::compare_close(std::vector<float>(3), std::vector<double>(4), {}),
                  std::invalid_argument);
  CHECK_THROWS_AS(course::compare_exact(std::vector<std::uint8_t>(2), std::vector<std::uint8_t>(1)),
                  std::invalid_argument);
  CHECK_THROWS_WITH(course::require_same_size(10, 11, "a vs b"),
                    ContainsSubstring("a vs b: sizes differ (10 elements vs 11"));
}

TEST_CASE("compare_close rejects null pointers and negative or NaN tolerances", "[common][cpu]") {
  const float actual[2] = {1.0f, 2.0f};
  const double expected[2] = {1.0, 2.0};
  CHECK_THROWS_AS(course::compare_close(nullptr, expected, 2, {}), std::invalid_argument);
  CHECK_THROWS_AS(course::compare_close(actual, nullptr, 2, {}), std::invalid_argument);
  CHECK(course::compare_close(nullptr, nullptr, 0, {}).ok());
  CHECK_THROWS_WITH(course::compare_close(actual, expected, 2, {-1e-6, 1e-5}),
                    ContainsSubstring("tolerances must be >= 0"));
  CHECK_THROWS_AS(course::compare_close(actual, expected, 2, {1e-6, std::nan("")}),
                  std::invalid_argument);
}

TEST_CASE("compare_exact finds every differing byte", "[common][cpu]") {
  const course::Comparison result = course::compare_exact({1, 2, 3}, {1, 0, 3});
  CHECK(result.mismatches == 1);
  CHECK(result.first_mismatches.at(0).index == 1);
}

TEST_CASE("random data is deterministic and in range", "[common][cpu]") {
  const std::vector<float> first = course::random_floats(1000, 42, -2.0f, 3.0f);
  const std::vector<float> again = course::random_floats(1000, 42, -2.0f, 3.0f);
  const std::vector<float> other = course::random_floats(1000, 43, -2.0f, 3.0f);
  CHECK(first == again);
  CHECK(first != other);
  for (float value : first) {
    REQUIRE(value >= -2.0f);
    REQUIRE(value < 3.0f);
  }
  // The stream itself is fixed: the same seed gives the same first number everywhere.
  course::Random random(1);
  CHECK(random.next_u64() == 0x910A2DEC89025CC1ull);
}

TEST_CASE("Random rejects empty and non-finite ranges", "[common][cpu]") {
  course::Random random(7);
  CHECK_THROWS_WITH(random.uniform_int(5, 1),
                    ContainsSubstring("uniform_int: lo (5) is greater than hi (1)"));
  CHECK_THROWS_AS(random.uniform(2.0, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(random.uniform(std::nan(""), 1.0), std::invalid_argument);
  CHECK_THROWS_AS(random.uniform(0.0, std::numeric_limits<double>::infinity()),
                  std::invalid_argument);
  const double huge = std::numeric_limits<double>::max();
  CHECK_THROWS_WITH(random.uniform(-huge, huge), ContainsSubstring("must be finite"));
  CHECK_THROWS_AS(course::random_floats(10, 1, 1.0f, -1.0f), std::invalid_argument);
  CHECK_THROWS_AS(course::random_floats(10, 1, 0.0f, std::numeric_limits<float>::infinity()),
                  std::invalid_argument);
  // A single point is a valid range.
  CHECK(random.uniform(3.0, 3.0) == 3.0);
  CHECK(random.uniform_int(-4, -4) == -4);
  CHECK(course::random_floats(3, 1, 2.5f, 2.5f) == std::vector<float>{2.5f, 2.5f, 2.5f});
}

TEST_CASE("Random::uniform_int covers its whole range, even the widest", "[common][cpu]") {
  course::Random random(11);
  bool seen[4] = {false, false, false, false};
  for (int i = 0; i < 1000; ++i) {
    const std::int64_t value = random.uniform_int(-2, 1);
    REQUIRE(value >= -2);
    REQUIRE(value <= 1);
    seen[value + 2] = true;
  }
  CHECK((seen[0] && seen[1] && seen[2] && seen[3]));
  // hi - lo overflows int64 here: computed in unsigned arithmetic instead.
  CHECK_NOTHROW(random.uniform_int(std::numeric_limits<std::int64_t>::min(),
                                   std::numeric_limits<std::int64_t>::max()));
  const std::int64_t near_max = random.uniform_int(std::numeric_limits<std::int64_t>::max() - 1,
                                                   std::numeric_limits<std::int64_t>::max());
  CHECK(near_max >= std::numeric_limits<std::int64_t>::max() - 1);
  // Spans that are powers of two keep the plain "bits % span" sequence (benchmark data relies
  // on it not changing).
  course::Random bytes(3);
  course::Random bits(3);
  for (int i = 0; i < 100; ++i)
    REQUIRE(bytes.uniform_int(0, 255) == static_cast<std::int64_t>(bits.next_u64() % 256));
}

TEST_CASE("COURSE_SEED must be a whole decimal number", "[common][cpu]") {
  {
    const ScopedEnvironment unset("COURSE_SEED", nullptr);
    CHECK(course::seed_from_environment(42) == 42);
  }
  for (const auto& [text, expected] : std::vector<std::pair<const char*, std::uint64_t>>{
           {"12345", 12345}, {"0", 0}, {"007", 7}, {"18446744073709551615", kSizeMax}}) {
    const ScopedEnvironment set("COURSE_SEED", text);
    CHECK(course::seed_from_environment(42) == expected);
  }
  for (const char* bad : {"abc", "12abc", "-1", "", " 7", "7 ", "+7", "0x10", "1e5",
                          "18446744073709551616", "99999999999999999999999"}) {
    INFO("COURSE_SEED=\"" << bad << "\"");
    const ScopedEnvironment set("COURSE_SEED", bad);
    try {
      (void)course::seed_from_environment(42);
      FAIL("no exception");
    } catch (const std::invalid_argument& error) {
      const std::string message = error.what();
      CHECK_THAT(message, ContainsSubstring(std::string("COURSE_SEED=\"") + bad + "\""));
      CHECK_THAT(message, ContainsSubstring("whole decimal number from 0 to 18446744073709551615"));
    }
  }
}

TEST_CASE("array sizes whose byte count overflows are rejected before any CUDA call",
          "[common][cpu]") {
  const std::size_t too_many = kSizeMax / 4;  // times 8 bytes wraps around
  try {
    course::DeviceArray<double> array(too_many);
    FAIL("no exception");
  } catch (const std::length_error& error) {
    const std::string message = error.what();
    CHECK_THAT(message, ContainsSubstring("DeviceArray"));
    CHECK_THAT(message, ContainsSubstring(std::to_string(too_many) + " elements of 8 bytes"));
  }
  CHECK_THROWS_WITH(
      course::ManagedArray<double>(too_many),
      ContainsSubstring("ManagedArray: " + std::to_string(too_many) + " elements of 8 bytes"));
  CHECK_THROWS_WITH(
      course::PinnedArray<std::uint32_t>(kSizeMax / 2),
      ContainsSubstring("PinnedArray: " + std::to_string(kSizeMax / 2) + " elements of 4 bytes"));
  // The largest count that fits is not rejected by the size check (only, later, by cudaMalloc).
  CHECK(course::detail::array_bytes("DeviceArray", kSizeMax / 8, 8) == kSizeMax / 8 * 8);
}

TEST_CASE("arrays, streams and events are move-only RAII types", "[common][cpu]") {
  static_assert(!std::is_copy_constructible_v<course::DeviceArray<float>>);
  static_assert(!std::is_copy_assignable_v<course::DeviceArray<float>>);
  static_assert(std::is_nothrow_move_constructible_v<course::DeviceArray<float>>);
  static_assert(std::is_nothrow_move_assignable_v<course::DeviceArray<float>>);
  static_assert(!std::is_copy_constructible_v<course::PinnedArray<float>>);
  static_assert(std::is_nothrow_move_assignable_v<course::PinnedArray<float>>);
  static_assert(!std::is_copy_constructible_v<course::ManagedArray<float>>);
  static_assert(std::is_nothrow_move_assignable_v<course::ManagedArray<float>>);
  static_assert(!std::is_copy_constructible_v<course::Stream>);
  static_assert(std::is_nothrow_move_constructible_v<course::Stream>);
  static_assert(!std::is_copy_assignable_v<course::Event>);
  static_assert(std::is_nothrow_move_assignable_v<course::Event>);
  course::PinnedArray<int> pinned;
  course::PinnedArray<int> other = std::move(pinned);
  CHECK(other.empty());
  CHECK(other.begin() == other.end());
  course::ManagedArray<int> managed;
  course::ManagedArray<int> managed_other = std::move(managed);
  CHECK(managed_other.empty());
  CHECK(managed_other.data() == nullptr);
}

TEST_CASE("errors carry the expression, file:line, the CUDA error name and its text",
          "[common][cpu]") {
  const course::CudaError error(cudaErrorInvalidValue, "cudaMemcpy(d, h, n, kind)",
                                "/home/me/course/common/src/memory.cpp", 42);
  const std::string message = error.what();
  CHECK_THAT(message, ContainsSubstring("cudaMemcpy(d, h, n, kind)"));
  CHECK_THAT(message, ContainsSubstring("common/src/memory.cpp:42"));
  CHECK_THAT(message, ContainsSubstring("cudaErrorInvalidValue"));
  CHECK_THAT(message, ContainsSubstring("invalid argument"));
  CHECK(error.code() == cudaErrorInvalidValue);
  CHECK_THROWS_AS([] { COURSE_CUDA_CHECK(cudaErrorInvalidValue); }(), course::CudaError);
}

TEST_CASE("allocation and copy errors name the call and the size", "[common][cpu]") {
  const course::OutOfMemory oom("cudaMalloc", std::size_t{1} << 30, "512.0 MiB free of 80.0 GiB");
  CHECK(std::string(oom.what()) ==
        "cudaMalloc of 1073741824 bytes (1.0 GiB) failed: cudaErrorMemoryAllocation (out of "
        "memory); 512.0 MiB free of 80.0 GiB");
  CHECK(oom.requested_bytes() == std::size_t{1} << 30);
  CHECK(oom.code() == cudaErrorMemoryAllocation);
  const course::CudaError copy(cudaErrorInvalidValue,
                               "cudaMemcpy of 4000 bytes (3.9 KiB), host to device, failed");
  CHECK(std::string(copy.what()) ==
        "cudaMemcpy of 4000 bytes (3.9 KiB), host to device, failed: cudaErrorInvalidValue "
        "(invalid argument)");
}

TEST_CASE("an error from a crashed kernel says that the fault came earlier", "[common][cpu]") {
  const course::CudaError crash(cudaErrorIllegalAddress, "cudaDeviceSynchronize()", "x.cu", 3);
  CHECK_THAT(crash.what(), ContainsSubstring("cudaErrorIllegalAddress"));
  CHECK_THAT(crash.what(), ContainsSubstring("a kernel failed"));
  const course::CudaError plain(cudaErrorInvalidValue, "cudaMemset(p, 0, n)", "x.cu", 4);
  CHECK_THAT(plain.what(), !ContainsSubstring("kernel"));
}

TEST_CASE("COURSE_TODO names the exercise, the file and the line", "[common][cpu]") {
  try {
    COURSE_TODO("9.9", "write the thing");
  } catch (const course::NotImplemented& todo) {
    const std::string message = todo.what();
    CHECK_THAT(message, ContainsSubstring("TODO(9.9) at tests/common/test_common_cpu.cpp:"));
    CHECK_THAT(message, ContainsSubstring("write the thing"));
  }
}

TEST_CASE("format_bytes", "[common][cpu]") {
  CHECK(course::format_bytes(0) == "0 B");
  CHECK(course::format_bytes(1536) == "1.5 KiB");
  CHECK(course::format_bytes(std::size_t{80} << 30) == "80.0 GiB");
}

TEST_CASE("empty arrays need no GPU", "[common][cpu]") {
  course::DeviceArray<float> empty(0);
  CHECK(empty.size() == 0);
  CHECK(empty.bytes() == 0);
  CHECK(empty.data() == nullptr);
  CHECK(empty.to_host().empty());
  course::DeviceArray<float> moved = std::move(empty);
  CHECK(moved.empty());
  course::PinnedArray<double> pinned(0);
  CHECK(pinned.empty());
  CHECK_THROWS_AS(moved.copy_from_host(std::vector<float>(3)), std::invalid_argument);
}

TEST_CASE("the graders' published peaks: a GPU of the table, one scaled from it, an unknown one",
          "[common][cpu]") {
  using course::grading::published_peaks;
  // In the table: its datasheet's figures, unscaled.
  const course::grading::PublishedPeaks h100 =
      published_peaks({"NVIDIA H100 80GB HBM3", 9, 0, 132, 1980000, 2619000, 5120});
  CHECK(h100.fp32_flops == Approx(66.9e12).epsilon(1e-12));
  CHECK(h100.bandwidth == Approx(3352e9).epsilon(1e-12));
  CHECK_THAT(h100.source, ContainsSubstring("H100") && !ContainsSubstring("scaled"));
  // The H100 PCIe is not: the H100 SXM's figures scaled by SMs and clocks, which gives the PCIe
  // card's own datasheet (51.2 TFLOP/s, 2.0 TB/s).
  const course::grading::PublishedPeaks pcie =
      published_peaks({"NVIDIA H100 PCIe", 9, 0, 114, 1755000, 1593000, 5120});
  CHECK(pcie.fp32_flops == Approx(51.2e12).epsilon(0.005));
  CHECK(pcie.bandwidth == Approx(2039e9).epsilon(0.005));
  CHECK_THAT(pcie.source, ContainsSubstring("scaled"));
  // The RTX 4080 (cc 8.9) from the table's cc 8.9 GPUs: 48.7 TFLOP/s, 717 GB/s on its datasheet.
  const course::grading::PublishedPeaks rtx4080 =
      published_peaks({"NVIDIA GeForce RTX 4080", 8, 9, 76, 2505000, 11201000, 256});
  CHECK(rtx4080.fp32_flops == Approx(48.7e12).epsilon(0.005));
  CHECK(rtx4080.bandwidth == Approx(717e9).epsilon(0.005));
  // An architecture the table does not have: no figures, and a reason.
  const course::grading::PublishedPeaks unknown =
      published_peaks({"a future GPU", 42, 0, 100, 2000000, 5000000, 512});
  CHECK(unknown.fp32_flops == 0);
  CHECK(unknown.bandwidth == 0);
  CHECK_THAT(unknown.source, ContainsSubstring("42.0"));
  // Every GPU of the table is found as itself.
  for (const course::grading::PublishedGpu& gpu : course::grading::published_gpus()) {
    INFO(gpu.spec.name);
    const course::grading::PublishedPeaks itself = published_peaks(gpu.spec);
    CHECK(itself.fp32_flops == Approx(gpu.fp32_tflops * 1e12).epsilon(1e-12));
    CHECK(itself.bandwidth == Approx(gpu.bandwidth_gbps * 1e9).epsilon(1e-12));
    CHECK_THAT(itself.source, ContainsSubstring(gpu.spec.name));
  }
}

TEST_CASE("FP32 cores per SM by compute capability", "[common][cpu]") {
  CHECK(course::fp32_cores_per_sm(9, 0) == 128);
  CHECK(course::fp32_cores_per_sm(8, 0) == 64);
  CHECK(course::fp32_cores_per_sm(8, 6) == 128);
  CHECK(course::fp32_cores_per_sm(1, 0) == 0);
}

TEST_CASE("median and timing options", "[common][cpu]") {
  CHECK(course::median({}) == 0.0);
  CHECK(course::median({3.0, 1.0, 2.0}) == 2.0);
  CHECK(course::median({4.0, 1.0, 2.0, 3.0}) == 2.5);
  int calls = 0;
  const course::Timing timing = course::time_cpu([&] { ++calls; }, {2, 5});
  CHECK(calls == 7);
  CHECK(timing.repetitions == 5);
  CHECK(timing.min_ms <= timing.median_ms);
  CHECK(timing.median_ms <= timing.max_ms);
  CHECK_THROWS_AS(course::time_cpu([] {}, {0, 0}), std::invalid_argument);
  CHECK_THROWS_WITH(course::time_cpu([] {}, {-1, 5}),
                    ContainsSubstring("not warmup -1 and repetitions 5"));
  CHECK_THROWS_WITH(course::time_cpu(std::function<void()>{}), ContainsSubstring("empty"));
  CHECK_THROWS_WITH(course::median({1.0, std::nan(""), 2.0}), ContainsSubstring("NaN"));
}

TEST_CASE("GPU detection never throws and says why there is no GPU", "[common][cpu]") {
  const course::GpuStatus* status = nullptr;
  REQUIRE_NOTHROW(status = &course::gpu_status());
  CHECK(&course::gpu_status() == status);  // detected once per process
  CHECK(course::gpu_available() == status->usable);
  CHECK(status->runtime_cuda_version >= 11000);
  if (status->usable) {
    CHECK(status->summary.empty());
    CHECK(course::gpu_unavailable_reason().empty());
    CHECK_FALSE(status->device_name.empty());
    CHECK(status->compute_major >= 7);
    CHECK(status->memory_gib > 0.0);
    CHECK(status->driver_cuda_version > 0);
  } else {
    INFO(status->summary << ": " << status->detail);
    CHECK_FALSE(status->summary.empty());
    CHECK(status->summary.size() <= 40);  // fits a scoreboard row
    CHECK_FALSE(status->detail.empty());
    CHECK(course::gpu_unavailable_reason() == status->summary);
  }
  // Without the driver library (the project's build machine, CI) the reason says exactly that,
  // not "driver too old" as the runtime's own error code would.
  if (void* driver = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL)) {
    dlclose(driver);
  } else {
    CHECK_FALSE(status->usable);
    CHECK(status->summary == "no NVIDIA driver");
    CHECK_THAT(status->detail, ContainsSubstring("libcuda.so.1 could not be loaded"));
    CHECK(status->driver_cuda_version == 0);
    CHECK(status->device_name.empty());
    CHECK(status->compute_major == 0);
  }
}

TEST_CASE("each cause of an unusable GPU has its own summary and advice", "[common][cpu]") {
  course::GpuStatus found;
  found.driver_cuda_version = 12020;
  found.runtime_cuda_version = 13000;
  using course::detail::classify_gpu_error;

  const course::GpuStatus old = classify_gpu_error(found, cudaErrorInsufficientDriver, "call");
  CHECK_FALSE(old.usable);
  CHECK(old.summary == "driver too old");
  CHECK_THAT(old.detail, ContainsSubstring("driver supports CUDA 12.2, the course was built "
                                           "with CUDA 13.0: update the driver or build with an "
                                           "older toolkit"));
  {
    // Detect first: CUDA reads CUDA_VISIBLE_DEVICES once, when it starts, and this test must not
    // hide the GPU from the rest of the process.
    (void)course::gpu_status();
    const ScopedEnvironment hidden("CUDA_VISIBLE_DEVICES", "7");
    const course::GpuStatus none = classify_gpu_error(found, cudaErrorNoDevice, "call");
    CHECK(none.summary == "no NVIDIA GPU visible");
    CHECK_THAT(none.detail, ContainsSubstring("CUDA_VISIBLE_DEVICES=\"7\""));
    CHECK_THAT(none.detail, ContainsSubstring("nvidia-smi"));
  }
  CHECK(classify_gpu_error(found, cudaErrorDevicesUnavailable, "call").summary ==
        "GPU busy or unavailable");
  CHECK(classify_gpu_error(found, cudaErrorSystemNotReady, "call").summary ==
        "GPU busy or unavailable");
  const course::GpuStatus broken = classify_gpu_error(found, cudaErrorECCUncorrectable, "call");
  CHECK(broken.summary == "GPU in an error state");
  CHECK_THAT(broken.detail, ContainsSubstring("call returned cudaErrorECCUncorrectable"));
}

TEST_CASE("a GPU below the course's or the build's architecture is refused", "[common][cpu]") {
  using course::detail::check_compute_capability;
  course::GpuStatus pascal;
  pascal.device_name = "NVIDIA GeForce GTX 1080";
  pascal.compute_major = 6;
  pascal.compute_minor = 1;
  const course::GpuStatus refused = check_compute_capability(pascal, 0, "");
  CHECK_FALSE(refused.usable);
  CHECK(refused.summary == "compute capability 6.1 is too low");
  CHECK_THAT(refused.detail, ContainsSubstring("the course needs 7.0 or newer"));

  course::GpuStatus volta = pascal;
  volta.device_name = "Tesla V100";
  volta.compute_major = 7;
  volta.compute_minor = 0;
  CHECK(check_compute_capability(volta, 0, "all-major").summary.empty());  // 0: not known
  const course::GpuStatus rebuild = check_compute_capability(volta, 75, "75;90-real");
  CHECK(rebuild.summary == "compute capability 7.0 is too low");
  CHECK_THAT(rebuild.detail, ContainsSubstring("code for 7.5 and newer only "
                                               "(CMAKE_CUDA_ARCHITECTURES=75;90-real)"));
  CHECK_THAT(rebuild.detail, ContainsSubstring("-DCMAKE_CUDA_ARCHITECTURES=70"));

  course::GpuStatus hopper = pascal;
  hopper.compute_major = 9;
  hopper.compute_minor = 0;
  CHECK(check_compute_capability(hopper, 75, "75").summary.empty());
  CHECK(check_compute_capability(hopper, 90, "90").summary.empty());
  CHECK(check_compute_capability(hopper, 100, "100").summary ==
        "compute capability 9.0 is too low");
}

TEST_CASE("CUDA versions are written as CUDA's tools write them", "[common][cpu]") {
  CHECK(course::cuda_version_text(13000) == "13.0");
  CHECK(course::cuda_version_text(12020) == "12.2");
  CHECK(course::cuda_version_text(12090) == "12.9");
  CHECK(course::cuda_version_text(0) == "");
}

TEST_CASE("validate_launch rejects impossible configurations with a clear message",
          "[common][cpu]") {
  course::DeviceInfo limits;
  limits.name = "Test GPU";
  limits.max_threads_per_block = 1024;
  limits.max_block_dim[0] = 1024, limits.max_block_dim[1] = 1024, limits.max_block_dim[2] = 64;
  limits.max_grid_dim[0] = 2147483647, limits.max_grid_dim[1] = 65535,
  limits.max_grid_dim[2] = 65535;
  limits.shared_memory_per_block = 48 * 1024;
  course::LaunchConfig config;
  config.grid = dim3(100);
  config.block = dim3(256);
  CHECK_NOTHROW(course::validate_launch(config, limits));

  config.block = dim3(0);
  CHECK_THROWS_WITH(course::validate_launch(config, limits),
                    ContainsSubstring("a block of 0 threads in x"));
  config.block = dim3(2048);
  CHECK_THROWS_WITH(course::validate_launch(config, limits),
                    ContainsSubstring("2048 threads in x: Test GPU allows at most 1024"));
  config.block = dim3(64, 32);
  CHECK_THROWS_WITH(course::validate_launch(config, limits),
                    ContainsSubstring("2048 threads per block"));
  config.block = dim3(32);
  config.grid = dim3(1, 70000);
  CHECK_THROWS_WITH(course::validate_launch(config, limits),
                    ContainsSubstring("70000 blocks in y"));
  config.grid = dim3(0);
  CHECK_THROWS_AS(course::validate_launch(config, limits), std::invalid_argument);
  config.grid = dim3(1);
  config.shared_bytes = 100000;
  CHECK_THROWS_WITH(course::validate_launch(config, limits), ContainsSubstring("shared memory"));

  CHECK(course::blocks_to_cover(0, 256) == 0);
  CHECK(course::blocks_to_cover(257, 256) == 2);
  CHECK(course::blocks_to_cover(256, 256) == 1);
  CHECK(course::blocks_to_cover(kSizeMax, 256) == kSizeMax / 256 + 1);  // no wrap-around
  CHECK(course::blocks_to_cover(kSizeMax, 1) == kSizeMax);
  CHECK_THROWS_AS(course::blocks_to_cover(10, 0), std::invalid_argument);
  CHECK_THROWS_WITH(course::validate_launch(config, course::DeviceInfo{}),
                    ContainsSubstring("the device limits are not set"));
  CHECK(course::describe(config) == "<<<(1, 1, 1), (32, 1, 1), 100000>>>");
}
