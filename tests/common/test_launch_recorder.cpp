// Tests of the graders' launch recorder (tests/support/launch_recorder.hpp); the past-2^31 helpers
// have theirs in test_large_arrays.cpp. The GPU ones also pass under compute-sanitizer and
// Nsight Compute, where recording is unavailable: they then check that the work still ran and
// that the reason names the tool's hold on CUPTI.
#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "course/course.hpp"
#include "grading.hpp"
#include "launch_recorder.hpp"
#include "launch_recorder_test_kernels.hpp"

using Catch::Matchers::ContainsSubstring;
using course::grading::KernelLaunch;
using course::grading::LaunchRecording;

namespace {

// True when `recording` holds launches. Otherwise the only acceptable reason is a tool that holds
// CUPTI in this process (compute-sanitizer, ncu): anything else fails the test.
bool recorded_or_tool_present(const LaunchRecording& recording) {
  if (recording.recorded)
    return true;
  INFO("recording unavailable: " << recording.unavailable_reason);
  REQUIRE_THAT(recording.unavailable_reason,
               ContainsSubstring("CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED"));
  WARN("launch recording is unavailable here, as expected under a tool: "
       << recording.unavailable_reason);
  return false;
}

KernelLaunch launch_named(const std::string& name) {
  KernelLaunch launch;
  launch.name = name;
  launch.grid = {4, 1, 1};
  launch.block = {256, 1, 1};
  launch.registers_per_thread = 16;
  return launch;
}

}  // namespace

TEST_CASE("launch descriptions name the kernel briefly and give its shape", "[common][cpu]") {
  using course::grading::describe;
  using course::grading::short_name;
  CHECK(short_name(launch_named(
            "(anonymous namespace)::saxpy_kernel(float, float const*, float*, unsigned long)")) ==
        "saxpy_kernel");
  CHECK(short_name(launch_named("void chapter3::tiled<16>(float const*, float*, int)")) ==
        "chapter3::tiled<16>");
  CHECK(short_name(launch_named("_Z6kernelv")) == "_Z6kernelv");  // not demangled: kept
  CHECK(describe(launch_named("(anonymous namespace)::saxpy_kernel(float)")) ==
        "saxpy_kernel grid (4,1,1) block (256,1,1), shared 0 B static + 0 B dynamic, 16 registers");
  KernelLaunch spilling = launch_named("k(int)");
  spilling.local_bytes_per_thread = 64;
  CHECK_THAT(describe(spilling), ContainsSubstring(", 64 B local per thread"));
  CHECK(describe(std::vector<KernelLaunch>{}) == "no kernel");
  CHECK(describe(std::vector<KernelLaunch>{launch_named("a()"), launch_named("b()")}) ==
        "a grid (4,1,1) block (256,1,1), shared 0 B static + 0 B dynamic, 16 registers; "
        "b grid (4,1,1) block (256,1,1), shared 0 B static + 0 B dynamic, 16 registers");
}

TEST_CASE("the launch recorder records grid, block, shared memory and registers", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  int runs = 0;
  const LaunchRecording recording = course::grading::try_record_launches([&] {
    ++runs;
    launch_recorder_test::launch_shaped({5, 3, 2}, {32, 4, 2}, 256);
  });
  CHECK(runs == 1);
  if (!recorded_or_tool_present(recording))
    return;
  INFO("recorded: " << course::grading::describe(recording.launches));
  REQUIRE(recording.launches.size() == 1);
  const KernelLaunch& launch = recording.launches.front();
  CHECK(course::grading::short_name(launch) == "launch_recorder_test::shaped_kernel");
  CHECK(launch.grid == std::array<unsigned, 3>{5, 3, 2});
  CHECK(launch.block == std::array<unsigned, 3>{32, 4, 2});
  CHECK(launch.static_shared_bytes == launch_recorder_test::kShapedStaticSharedBytes);
  CHECK(launch.dynamic_shared_bytes == 256);
  CHECK(launch.registers_per_thread > 0);
  CHECK(launch.registers_per_thread <= 255);
  CHECK_THAT(course::grading::describe(launch),
             ContainsSubstring("shaped_kernel grid (5,3,2) block (32,4,2), shared 512 B static + "
                               "256 B dynamic"));
}

TEST_CASE("the launch recorder works again and again and keeps launch order", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  for (unsigned round = 1; round <= 3; ++round) {
    INFO("recording " << round);
    const LaunchRecording recording = course::grading::try_record_launches([&] {
      launch_recorder_test::launch_shaped({round, 1, 1}, {64, 1, 1}, 0);
      launch_recorder_test::launch_templated();
      launch_recorder_test::launch_shaped({7, 1, 1}, {32, 1, 1}, 4 * round);
    });
    if (!recorded_or_tool_present(recording))
      return;
    INFO("recorded: " << course::grading::describe(recording.launches));
    REQUIRE(recording.launches.size() == 3);
    CHECK(recording.launches[0].grid[0] == round);
    CHECK(recording.launches[0].dynamic_shared_bytes == 0);
    CHECK(course::grading::short_name(recording.launches[1]) ==
          "launch_recorder_test::templated_kernel<4>");
    CHECK(recording.launches[2].grid[0] == 7);
    CHECK(recording.launches[2].dynamic_shared_bytes == 4 * round);
  }
}

TEST_CASE("copies, memsets and earlier kernels are not recorded", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  course::DeviceArray<float> a(1 << 20);
  course::DeviceArray<float> b(1 << 20);
  // Still running when the recording starts: the recorder waits for it and leaves it out.
  launch_recorder_test::launch_spin(50);
  const LaunchRecording copies = course::grading::try_record_launches([&] {
    a.fill_bytes(0);
    COURSE_CUDA_CHECK(cudaMemcpy(b.data(), a.data(), a.bytes(), cudaMemcpyDeviceToDevice));
    (void)b.to_host();
  });
  if (!recorded_or_tool_present(copies))
    return;
  INFO("recorded: " << course::grading::describe(copies.launches));
  CHECK(copies.launches.empty());
  // A kernel launched between two recordings belongs to neither.
  launch_recorder_test::launch_shaped({2, 1, 1}, {32, 1, 1}, 0);
  const LaunchRecording nothing = course::grading::try_record_launches([] {});
  REQUIRE(nothing.recorded);
  CHECK(nothing.launches.empty());
}

TEST_CASE("the recorder survives work that throws, and record_launches throws when unavailable",
          "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  REQUIRE_THROWS_WITH(course::grading::try_record_launches([] {
                        launch_recorder_test::launch_shaped({1, 1, 1}, {32, 1, 1}, 0);
                        throw std::runtime_error("work failed");
                      }),
                      "work failed");
  const LaunchRecording after = course::grading::try_record_launches([] {
    launch_recorder_test::launch_shaped({9, 1, 1}, {32, 1, 1}, 0);
  });
  if (recorded_or_tool_present(after)) {
    REQUIRE(after.launches.size() == 1);
    CHECK(after.launches[0].grid[0] == 9);
    const std::vector<KernelLaunch> launches = course::grading::record_launches([] {
      launch_recorder_test::launch_shaped({11, 1, 1}, {32, 1, 1}, 0);
    });
    REQUIRE(launches.size() == 1);
    CHECK(launches[0].grid[0] == 11);
  } else {
    int runs = 0;
    REQUIRE_THROWS_AS(course::grading::record_launches([&] { ++runs; }),
                      course::grading::LaunchRecordingUnavailable);
    CHECK(runs == 1);
  }
}
