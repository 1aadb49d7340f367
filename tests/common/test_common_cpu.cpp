// Unit tests of the common library that need no GPU.
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "course/course.hpp"
#include "grading.hpp"
#include "reference_peaks.hpp"

using Catch::Matchers::ContainsSubstring;

namespace {
float poison() {
  float value;
  const std::uint32_t bits = 0xFFFFFFFFu;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}
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

TEST_CASE("the graders' reference peaks follow the datasheet formulas", "[common][cpu]") {
  const course::DeviceSpec h100{"H100 SXM", 9, 0, 132, 1980000, 2619000, 5120};
  CHECK(course::grading::theoretical_peak_fp32_flops(h100) == Approx(66.9e12).epsilon(0.002));
  CHECK(course::grading::theoretical_memory_bandwidth(h100) == Approx(3.352e12).epsilon(0.002));
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
}

TEST_CASE("GPU detection never throws and explains itself", "[common][cpu]") {
  bool available = false;
  REQUIRE_NOTHROW(available = course::gpu_available());
  const std::string reason = course::gpu_unavailable_reason();
  if (available) {
    CHECK(reason.empty());
  } else {
    CHECK_THAT(reason, ContainsSubstring("no usable CUDA GPU"));
  }
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
  CHECK_THROWS_AS(course::blocks_to_cover(10, 0), std::invalid_argument);
  CHECK(course::describe(config) == "<<<(1, 1, 1), (32, 1, 1), 100000>>>");
}
