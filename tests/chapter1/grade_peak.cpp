// Grader for 1.1: theoretical peak FP32 FLOP/s and memory bandwidth.
// On the CPU: real GPUs' properties (as cudaGetDeviceProperties reports them) against their
// published figures. On the GPU: the live device against the graders' reference answers
// (tests/support/reference_peaks.hpp).
#include <cmath>
#include <string>
#include <vector>

#include "chapter1.hpp"
#include "course/device_info.hpp"
#include "grading.hpp"
#include "reference_peaks.hpp"

namespace {

struct PublishedGpu {
  course::DeviceSpec spec;
  double fp32_tflops;     // vendor datasheet
  double bandwidth_gbps;  // vendor datasheet
};

// name, cc, SMs, boost clock (kHz), memory clock (kHz, as CUDA reports it), bus width (bits).
const std::vector<PublishedGpu> kPublished = {
    {{"NVIDIA H100 SXM5 80GB", 9, 0, 132, 1980000, 2619000, 5120}, 66.9, 3352},
    {{"NVIDIA A100 SXM4 40GB", 8, 0, 108, 1410000, 1215000, 5120}, 19.5, 1555},
    {{"NVIDIA Tesla T4", 7, 5, 40, 1590000, 5001000, 256}, 8.1, 320},
    {{"NVIDIA GeForce RTX 4090", 8, 9, 128, 2520000, 10501000, 384}, 82.6, 1008},
};

bool within(double value, double expected, double relative) {
  return std::isfinite(value) && std::fabs(value - expected) <= relative * std::fabs(expected);
}

}  // namespace

TEST_CASE("1.1 peak FP32 rate and memory bandwidth of published GPUs", "[1.1][cpu]") {
  for (const PublishedGpu& gpu : kPublished) {
    INFO(gpu.spec.name << ": cc " << gpu.spec.compute_major << "." << gpu.spec.compute_minor << ", "
                       << gpu.spec.sm_count << " SMs, SM clock " << gpu.spec.sm_clock_khz
                       << " kHz, memory clock " << gpu.spec.memory_clock_khz << " kHz, "
                       << gpu.spec.memory_bus_width_bits << "-bit bus");
    {
      const double tflops = chapter1::peak_fp32_flops(gpu.spec) / 1e12;
      INFO("peak FP32: yours " << tflops << " TFLOP/s, published " << gpu.fp32_tflops
                               << " TFLOP/s (each FP32 core does one FMA per clock: how many "
                                  "operations is an FMA?)");
      CHECK(within(tflops, gpu.fp32_tflops, 0.01));
    }
    {
      const double gbps = chapter1::peak_memory_bandwidth(gpu.spec) / 1e9;
      INFO("peak bandwidth: yours " << gbps << " GB/s, published " << gpu.bandwidth_gbps
                                    << " GB/s (double data rate? bits or bytes?)");
      CHECK(within(gbps, gpu.bandwidth_gbps, 0.01));
    }
  }
}

TEST_CASE("1.1 peak figures of this GPU", "[1.1][gpu]") {
  COURSE_REQUIRE_GPU();
  const course::DeviceInfo& info = course::device_info();
  INFO(course::describe(info));
  const double flops = chapter1::peak_fp32_flops(info);
  const double expected_flops = course::grading::theoretical_peak_fp32_flops(info);
  INFO("peak FP32: yours " << flops / 1e12 << " TFLOP/s, expected " << expected_flops / 1e12);
  CHECK(within(flops, expected_flops, 1e-6));
  const double bandwidth = chapter1::peak_memory_bandwidth(info);
  const double expected_bandwidth = course::grading::theoretical_memory_bandwidth(info);
  INFO("peak bandwidth: yours " << bandwidth / 1e9 << " GB/s, expected "
                                << expected_bandwidth / 1e9);
  CHECK(within(bandwidth, expected_bandwidth, 1e-6));
  course::grading::note("FIGURE: " + info.name + ": " + std::to_string(flops / 1e12).substr(0, 5) +
                        " TFLOP/s FP32, " + course::grading::format_rate(bandwidth) + " peak");
}
