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

#include "call_checks.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"
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

TEST_CASE("a recording that could not be made fails the launch check, except two cases",
          "[common][cpu]") {
  using course::grading::launch_check_verdict;
  using course::grading::LaunchCheckOutcome;
  LaunchRecording recorded;
  recorded.recorded = true;
  CHECK(launch_check_verdict(recorded, false).outcome == LaunchCheckOutcome::check);
  CHECK(launch_check_verdict(recorded, true).outcome == LaunchCheckOutcome::check);

  // Any CUPTI failure, e.g. a submission's replaced cupti* function: a failure, never a pass.
  LaunchRecording broken;
  broken.unavailable_reason = "cuptiActivityRegisterCallbacks returned CUPTI_ERROR_UNKNOWN";
  for (const bool under_sanitizer : {false, true}) {
    const auto verdict = launch_check_verdict(broken, under_sanitizer);
    CHECK(verdict.outcome == LaunchCheckOutcome::fail);
    CHECK(verdict.message ==
          "the launch recorder could not start (cuptiActivityRegisterCallbacks returned "
          "CUPTI_ERROR_UNKNOWN): the launch checks cannot run, so the exercise cannot be graded "
          "as passed");
  }

  // A tool's hold on CUPTI: not run only in the project's own sanitizer runs.
  LaunchRecording held;
  held.unavailable_reason =
      "cuptiActivityRegisterCallbacks returned "
      "CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED";
  held.tool_holds_cupti = true;
  CHECK(launch_check_verdict(held, true).outcome == LaunchCheckOutcome::not_run);
  CHECK_THAT(launch_check_verdict(held, true).message,
             ContainsSubstring("launch check not run: cuptiActivityRegisterCallbacks"));
  CHECK(launch_check_verdict(held, false).outcome == LaunchCheckOutcome::fail);

  // No CUPTI in the toolkit at all: not graded (exit 4), never a pass.
  LaunchRecording absent;
  absent.unavailable_reason = "this build has no CUPTI";
  absent.build_has_no_cupti = true;
  for (const bool under_sanitizer : {false, true}) {
    CHECK(launch_check_verdict(absent, under_sanitizer).outcome == LaunchCheckOutcome::not_graded);
  }
}

TEST_CASE("library kernels are told from the course's own kernels by name", "[common][cpu]") {
  using course::grading::library_of_kernel;
  // Names as the demangler gives them (CUDA 12-13, CCCL 2-3, cuBLAS 12-13).
  CHECK(library_of_kernel(
            "void cub::CUB_300000_SM_900::detail::reduce::DeviceReduceKernel<cub::CUB_300000_SM_"
            "900::detail::reduce::policy_hub<float, int, cuda::std::__4::plus<void>>::Policy1000, "
            "float const*, int, cuda::std::__4::plus<void>, float, float, "
            "cuda::std::__4::identity>(float const*, int, cub::CUB_300000_SM_900::GridEvenShare<"
            "int>, cuda::std::__4::plus<void>, cuda::std::__4::identity)") == "CUB");
  CHECK(library_of_kernel("void cub::CUB_200800_SM_900::DeviceReduceSingleTileKernel<int>(int)") ==
        "CUB");
  CHECK(library_of_kernel("_ZN3cub18DeviceReduceKernelEv") == "CUB");
  CHECK(library_of_kernel("void thrust::THRUST_300000_SM_900_NS::cuda_cub::core::_kernel_agent<"
                          "int>(int)") == "Thrust");
  CHECK(library_of_kernel("ampere_sgemm_128x64_nn") == "cuBLAS");
  CHECK(library_of_kernel("volta_sgemm_128x32_tn") == "cuBLAS");
  CHECK(library_of_kernel("sm90_xmma_gemm_f32f32_f32f32_f32_nn_n_tilesize128x128x32_"
                          "warpgroupsize1x1x1_execute_segment_k_off_kernel__5x_cublas") ==
        "cuBLAS");
  CHECK(library_of_kernel("sm80_xmma_gemm_f32f32_f32f32_f32_nn_n_tilesize128x128x8_stage3_"
                          "warpsize2x2x1_ffma_aligna4_alignc4_execute_kernel__51a_cublas") ==
        "cuBLAS");
  CHECK(library_of_kernel("nvjet_sss_128x128_64x3_2x1_v_bz_NNN") == "cuBLAS");
  CHECK(library_of_kernel("void gemmSN_NN_kernel<float, 256, 4, 2, 8, 3, 4, false, "
                          "cublasGemvTensorStridedBatched<float const>, "
                          "cublasGemvTensorStridedBatched<float const>, "
                          "cublasGemvTensorStridedBatched<float>>(cublasGemmSmallNParams<"
                          "cublasGemvTensorStridedBatched<float const>, "
                          "cublasGemvTensorStridedBatched<float const>, "
                          "cublasGemvTensorStridedBatched<float>, float>)") == "cuBLAS");
  CHECK(library_of_kernel("void splitKreduce_kernel<32, 16, int, float, float, float, float, true, "
                          "false, false>(cublasSplitKParams<float>, float const*, float*)") ==
        "cuBLAS");
  CHECK(library_of_kernel("void transpose_readWrite_alignment_kernel<float, float, 1, false, 6, 5, "
                          "3>(cublasTransposeParams<float>, float const*, float*, float "
                          "const*)") == "cuBLAS");
  CHECK(library_of_kernel("void geam_kernel<float, 32, 8>(int, int, float, float const*)") ==
        "cuBLAS");
  CHECK(library_of_kernel("void cutlass::Kernel2<cutlass_80_simt_sgemm_128x64_8x5_nn_align1>("
                          "cutlass_80_simt_sgemm_128x64_8x5_nn_align1::Params)") == "CUTLASS");
  CHECK(library_of_kernel("cutlass_80_tensorop_s1688gemm_128x128_16x4_nn_align4") == "CUTLASS");

  // The reference solutions' kernels (and the grader's own) are nobody's library.
  for (const char* own : {
           "vector_add_kernel(float const*, float const*, float*, unsigned long)",
           "(anonymous namespace)::vector_add_float4_kernel(float4 const*, float4 const*, "
           "float4*, unsigned long)",
           "(anonymous namespace)::saxpy_kernel(float, float const*, float*, unsigned long)",
           "(anonymous namespace)::scale_x_soa_kernel(float*, unsigned long, float)",
           "(anonymous namespace)::transpose_tiled_kernel(float const*, float*, int, int)",
           "(anonymous namespace)::transpose_conflict_free_kernel(float const*, float*, int, int)",
           "(anonymous namespace)::shared_tree_kernel(float const*, unsigned long, float*)",
           "(anonymous namespace)::warp_shuffle_kernel(float const*, unsigned long, float*)",
           "(anonymous namespace)::fast_kernel(float const*, unsigned long, unsigned long, "
           "unsigned long, float*)",
           "(anonymous namespace)::histogram_shared_kernel(unsigned char const*, unsigned long, "
           "unsigned int*)",
           "(anonymous namespace)::naive_kernel(int, int, int, float, float const*, float "
           "const*, float, float*)",
           "(anonymous namespace)::shared_kernel(int, int, int, float, float const*, float "
           "const*, float, float*)",
           "(anonymous namespace)::tile_1d_kernel(int, int, int, float, float const*, float "
           "const*, float, float*)",
           "(anonymous namespace)::tile_2d_kernel(int, int, int, float, float const*, float "
           "const*, float, float*)",
           "void (anonymous namespace)::fast_kernel<128, 128, 8, true>(int, int, int, float, "
           "float const*, float const*, float, float*)",
           "void (anonymous namespace)::wmma_kernel<true>(int, int, int, float, float const*, "
           "float const*, float, float*)",
           "sgemm_naive_kernel(int, int, int, float, float const*, float const*, float, float*)",
           "my_sm_kernel(float*)",
           "(anonymous namespace)::fill_pattern_kernel(float*, unsigned long)",
       }) {
    INFO(own);
    CHECK(library_of_kernel(own).empty());
  }
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

TEST_CASE("time_student sees work left running on another stream", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  cudaStream_t other = nullptr;  // does not wait for the default stream, nor it for this one
  COURSE_CUDA_CHECK(cudaStreamCreateWithFlags(&other, cudaStreamNonBlocking));
  // Honest: the work on the stream the events are on, or waited for before returning.
  const course::grading::StudentTiming honest =
      course::grading::measure_student([] { launch_recorder_test::launch_spin(2); }, {1, 5});
  INFO("honest: " << honest.timing.median_ms << " ms timed, " << honest.tail_ms << " ms after");
  CHECK(honest.timing.median_ms >= 1.5);
  CHECK_FALSE(course::grading::work_left_running(honest));
  const course::grading::StudentTiming waited = course::grading::measure_student(
      [&] {
        launch_recorder_test::launch_spin_on(2, other);
        COURSE_CUDA_CHECK(cudaStreamSynchronize(other));
      },
      {1, 5});
  INFO("waited: " << waited.timing.median_ms << " ms timed, " << waited.tail_ms << " ms after");
  CHECK_FALSE(course::grading::work_left_running(waited));
  // Left running on a non-blocking stream: the events see nothing, the device is busy after.
  const course::grading::StudentTiming escaped = course::grading::measure_student(
      [&] { launch_recorder_test::launch_spin_on(2, other); }, {1, 5});
  INFO("escaped: " << escaped.timing.median_ms << " ms timed, " << escaped.tail_ms << " ms after");
  CHECK(escaped.timing.median_ms < 1.0);
  CHECK(escaped.tail_ms >= 1.5);
  CHECK(course::grading::work_left_running(escaped));
  COURSE_CUDA_CHECK(cudaStreamDestroy(other));
}

TEST_CASE("speed ratios are timed interleaved and never in blocks", "[common][cpu]") {
  using course::grading::interleaved_order;
  CHECK(interleaved_order(2, 3) == std::vector<std::size_t>{0, 1, 0, 1, 0, 1});
  CHECK(interleaved_order(3, 2) == std::vector<std::size_t>{0, 1, 2, 0, 1, 2});
  CHECK(interleaved_order(2, 0).empty());
  CHECK_THROWS_AS(course::grading::measure_interleaved({}), std::invalid_argument);
  CHECK_THROWS_AS(course::grading::measure_interleaved({{"empty", {}, nullptr}}),
                  std::invalid_argument);
  CHECK_THROWS_AS(course::grading::measure_interleaved({{"a", [] {}, nullptr}}, {1, 0}),
                  std::invalid_argument);
}

TEST_CASE("time_interleaved times each call in turn and sees work left running", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  std::vector<int> calls_made;
  const std::vector<course::grading::StudentTiming> measured =
      course::grading::measure_interleaved({{"1 ms",
                                             [&] {
                                               calls_made.push_back(0);
                                               launch_recorder_test::launch_spin(1);
                                             },
                                             nullptr},
                                            {"3 ms",
                                             [&] {
                                               calls_made.push_back(1);
                                               launch_recorder_test::launch_spin(3);
                                             },
                                             nullptr}},
                                           {1, 4});
  CHECK(calls_made == std::vector<int>{0, 1, 0, 1, 0, 1, 0, 1, 0, 1});
  REQUIRE(measured.size() == 2);
  INFO("1 ms spin: " << measured[0].timing.median_ms
                     << " ms, 3 ms spin: " << measured[1].timing.median_ms << " ms");
  CHECK(measured[0].timing.repetitions == 4);
  CHECK(measured[0].timing.median_ms >= 0.75);
  CHECK(measured[1].timing.median_ms >= 2.5);
  CHECK(measured[1].timing.median_ms / measured[0].timing.median_ms > 2.0);
  CHECK_FALSE(course::grading::work_left_running(measured[0]));
  CHECK_FALSE(course::grading::work_left_running(measured[1]));
  // The second call leaves its work on a non-blocking stream: only its tail is long.
  cudaStream_t other = nullptr;
  COURSE_CUDA_CHECK(cudaStreamCreateWithFlags(&other, cudaStreamNonBlocking));
  const std::vector<course::grading::StudentTiming> escaped = course::grading::measure_interleaved(
      {{"honest", [] { launch_recorder_test::launch_spin(1); }, nullptr},
       {"escaped", [&] { launch_recorder_test::launch_spin_on(2, other); }, nullptr}},
      {1, 5});
  CHECK_FALSE(course::grading::work_left_running(escaped[0]));
  CHECK(course::grading::work_left_running(escaped[1]));
  COURSE_CUDA_CHECK(cudaStreamDestroy(other));
}

TEST_CASE("compare_with_host finds a changed input element", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  const std::vector<float> host = course::random_floats((std::size_t{1} << 24) + 5, 3);
  course::DeviceArray<float> device = course::to_device(host);
  const course::grading::InputDifference same =
      course::grading::compare_with_host(device.data(), host.data(), host.size(), sizeof(float));
  CHECK(same.changed == 0);
  course::grading::require_input_unchanged("test", "x", device.data(), host);
  // Past the first 64 MiB chunk, and the last element.
  const std::size_t at = (std::size_t{1} << 24) + 1;
  COURSE_CUDA_CHECK(cudaMemset(device.data() + at, 0, sizeof(float)));
  COURSE_CUDA_CHECK(cudaMemset(device.data() + host.size() - 1, 0, sizeof(float)));
  const course::grading::InputDifference changed =
      course::grading::compare_with_host(device.data(), host.data(), host.size(), sizeof(float));
  CHECK(changed.changed == 2);
  CHECK(changed.first == at);
}

TEST_CASE("require_fresh_result passes a function that computes from its inputs", "[common][gpu]") {
  COURSE_REQUIRE_GPU();
  const std::size_t n = 100003;
  std::vector<float> x = course::random_floats(n, 1);
  std::vector<float> y = course::random_floats(n, 2);
  course::DeviceArray<float> device_x = course::to_device(x);
  course::DeviceArray<float> device_y = course::to_device(y);
  course::DeviceArray<float> out(n);
  course::grading::FreshCall fresh;
  fresh.new_inputs = [&] {
    x = course::random_floats(n, 3);
    y = course::random_floats(n, 4);
    device_x.copy_from_host(x);
    device_y.copy_from_host(y);
  };
  fresh.poison_outputs = [&] { out.fill_bytes(0xFF); };
  fresh.call = [&] {
    launch_recorder_test::launch_scaled_add(2.5f, device_x.data(), device_y.data(), out.data(), n);
  };
  fresh.mismatch = [&] {
    const std::vector<float> got = out.to_host();
    for (std::size_t i = 0; i < n; ++i) {
      // The kernel may fuse the multiply-add (one rounding), the host rounds twice.
      const double expected = 2.5 * double(x[i]) + double(y[i]);
      if (!(std::fabs(got[i] - expected) <= 1e-6))
        return "out[" + std::to_string(i) + "] = " + std::to_string(got[i]);
    }
    return std::string();
  };
  fresh.own_kernels_only = true;  // scaled_add_kernel is nobody's library
  fresh.context = "n = 100003";
  course::grading::require_fresh_result("test", fresh);
}
