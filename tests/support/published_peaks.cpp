// The graders' table of published GPUs (see the header for why it is data, not a formula).
#include "published_peaks.hpp"

#include <cstdio>

namespace course::grading {

const std::vector<PublishedGpu>& published_gpus() {
  // name, cc, SMs, boost SM clock (kHz), memory clock (kHz, as CUDA reports it: half the data
  // rate per pin), bus width (bits); then the datasheet's FP32 TFLOP/s and GB/s. The datasheet
  // figures are rounded (8.1 for the T4's 8.14): compare them with a tolerance of 1% or so.
  static const std::vector<PublishedGpu> table = {
      {{"NVIDIA Tesla T4", 7, 5, 40, 1590000, 5001000, 256}, 8.1, 320},
      {{"NVIDIA A100-SXM4-40GB", 8, 0, 108, 1410000, 1215000, 5120}, 19.5, 1555},
      {{"NVIDIA A100-SXM4-80GB", 8, 0, 108, 1410000, 1593000, 5120}, 19.5, 2039},
      {{"NVIDIA A10", 8, 6, 72, 1695000, 6251000, 384}, 31.2, 600},
      {{"NVIDIA GeForce RTX 3090", 8, 6, 82, 1695000, 9751000, 384}, 35.6, 936},
      {{"NVIDIA L4", 8, 9, 58, 2040000, 6251000, 192}, 30.3, 300},
      {{"NVIDIA GeForce RTX 4090", 8, 9, 128, 2520000, 10501000, 384}, 82.6, 1008},
      {{"NVIDIA H100 SXM5 80GB", 9, 0, 132, 1980000, 2619000, 5120}, 66.9, 3352},
      {{"NVIDIA H200", 9, 0, 132, 1980000, 3134000, 6144}, 67.0, 4800},
  };
  return table;
}

namespace {

bool same_properties(const DeviceSpec& a, const DeviceSpec& b) {
  return a.compute_major == b.compute_major && a.compute_minor == b.compute_minor &&
         a.sm_count == b.sm_count && a.sm_clock_khz == b.sm_clock_khz &&
         a.memory_clock_khz == b.memory_clock_khz &&
         a.memory_bus_width_bits == b.memory_bus_width_bits;
}

}  // namespace

PublishedPeaks published_peaks(const DeviceSpec& spec) {
  char architecture[32];
  std::snprintf(architecture, sizeof architecture, "%d.%d", spec.compute_major, spec.compute_minor);
  const PublishedGpu* reference = nullptr;
  for (const PublishedGpu& gpu : published_gpus()) {
    if (same_properties(gpu.spec, spec)) {
      reference = &gpu;
      break;
    }
    if (reference == nullptr && gpu.spec.compute_major == spec.compute_major &&
        gpu.spec.compute_minor == spec.compute_minor)
      reference = &gpu;
  }
  if (reference == nullptr) {
    return {0, 0,
            std::string("no GPU of compute capability ") + architecture +
                " in the graders' table of published GPUs (tests/support/published_peaks.cpp)"};
  }
  const DeviceSpec& known = reference->spec;
  if (spec.sm_count <= 0 || spec.sm_clock_khz <= 0 || spec.memory_clock_khz <= 0 ||
      spec.memory_bus_width_bits <= 0)
    return {0, 0, "the device reports no SM count, clock or bus width"};
  // Within one architecture, the FP32 rate is SMs x SM clock x a number of FLOPs per SM per clock
  // that the architecture fixes, and the bandwidth is bus width x memory clock x the data moved
  // per pin per clock, which the memory type fixes. Ratios carry one GPU's datasheet to another
  // of the same architecture without spelling out those per-clock numbers (they are the exercise).
  PublishedPeaks peaks;
  peaks.fp32_flops = reference->fp32_tflops * 1e12 * (double(spec.sm_count) / known.sm_count) *
                     (double(spec.sm_clock_khz) / known.sm_clock_khz);
  peaks.bandwidth = reference->bandwidth_gbps * 1e9 *
                    (double(spec.memory_bus_width_bits) / known.memory_bus_width_bits) *
                    (double(spec.memory_clock_khz) / known.memory_clock_khz);
  peaks.source = same_properties(known, spec)
                     ? "the datasheet of the " + known.name
                     : "the datasheet of the " + known.name + " (cc " + architecture +
                           "), scaled to this GPU's SMs, clocks and bus width";
  return peaks;
}

}  // namespace course::grading
