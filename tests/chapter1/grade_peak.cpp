// Grader for 1.1: theoretical peak FP32 FLOP/s and memory bandwidth.
// On the CPU: real GPUs' properties (as cudaGetDeviceProperties reports them) against their
// published figures. On the GPU: the live device against published data too
// (tests/support/published_peaks.hpp: its datasheet, or that of a GPU of the same architecture
// scaled to its SMs and clocks), and its bandwidth against a copy measured in this run. The
// graders never compute a peak themselves: that is the exercise.
#include <cmath>
#include <string>
#include <vector>

#include "chapter1.hpp"
#include "course/device_info.hpp"
#include "grading.hpp"
#include "published_peaks.hpp"

namespace {

bool within(double value, double expected, double relative) {
  return std::isfinite(value) && std::fabs(value - expected) <= relative * std::fabs(expected);
}

}  // namespace

TEST_CASE("1.1 peak FP32 rate and memory bandwidth of published GPUs", "[1.1][cpu]") {
  for (const course::grading::PublishedGpu& gpu : course::grading::published_gpus()) {
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
  INFO(course::describe(info) << ": SM clock " << info.sm_clock_khz << " kHz, memory clock "
                              << info.memory_clock_khz << " kHz, " << info.memory_bus_width_bits
                              << "-bit bus");
  const double flops = chapter1::peak_fp32_flops(info);
  const double bandwidth = chapter1::peak_memory_bandwidth(info);
  const course::grading::PublishedPeaks published = course::grading::published_peaks(info);
  if (published.fp32_flops > 0) {
    // Published figures are rounded to 2 or 3 digits: 1.5% covers that, and every wrong formula
    // is off by a factor of 2 or more.
    INFO("peak FP32: yours " << flops / 1e12 << " TFLOP/s, published "
                             << published.fp32_flops / 1e12 << " TFLOP/s (" << published.source
                             << ")");
    CHECK(within(flops, published.fp32_flops, 0.015));
  } else {
    // An architecture the table does not have (newer than the course, most likely). No datasheet
    // to compare with: what every architecture of the table has in common must hold, a rate per
    // SM and per clock that one of them has (the CPU test above checked the rule itself).
    const double per_sm_per_clock = flops / (double(info.sm_count) * info.sm_clock_khz * 1e3);
    bool plausible = false;
    for (const course::grading::PublishedGpu& gpu : course::grading::published_gpus()) {
      const double known =
          gpu.fp32_tflops * 1e12 / (double(gpu.spec.sm_count) * gpu.spec.sm_clock_khz * 1e3);
      plausible = plausible || within(per_sm_per_clock, known, 0.015);
    }
    INFO("peak FP32: yours " << flops / 1e12 << " TFLOP/s, " << per_sm_per_clock
                             << " FLOPs per SM per clock; " << published.source
                             << ", and no GPU of the table has that rate per SM per clock");
    CHECK(plausible);
  }
  // A measurement bounds the bandwidth from both sides on any GPU: no copy beats the theoretical
  // peak, and every GPU copies at well over 40% of it (87 to 89% on an H100 and an H200). This
  // catches bits for bytes and a missing or doubled data rate even where the table cannot help.
  // Under a sanitizer the copy is slowed down: the upper bound is then not checked.
  const double copy = course::measured_copy_bandwidth();
  {
    INFO("peak bandwidth: yours " << bandwidth / 1e9 << " GB/s, but a device-to-device copy "
                                  << "measured " << copy / 1e9
                                  << " GB/s just now: a peak cannot be below what is measured "
                                     "(bits or bytes? double data rate?)");
    CHECK(std::isfinite(bandwidth));
    CHECK(bandwidth >= 0.98 * copy);
  }
  if (!course::grading::under_sanitizer()) {
    INFO("peak bandwidth: yours " << bandwidth / 1e9 << " GB/s, more than 2.5 times the "
                                  << copy / 1e9
                                  << " GB/s of a device-to-device copy measured "
                                     "just now (bits or bytes? double data rate?)");
    CHECK(bandwidth <= 2.5 * copy);
  }
  if (published.bandwidth > 0) {
    INFO("peak bandwidth: yours " << bandwidth / 1e9 << " GB/s, published "
                                  << published.bandwidth / 1e9 << " GB/s (" << published.source
                                  << ")");
    CHECK(within(bandwidth, published.bandwidth, 0.015));
  }
  course::grading::note("FIGURE: " + info.name + ": " + std::to_string(flops / 1e12).substr(0, 5) +
                        " TFLOP/s FP32, " + course::grading::format_rate(bandwidth) + " peak");
}
