// What the graders know about a GPU's theoretical peaks: published data, not a formula.
//
// Computing a GPU's peak FP32 rate and memory bandwidth from its properties is exercise 1.1, so
// the graders must not hold that computation (a student gets every file under tests/). They hold
// data instead: real GPUs' properties, as cudaGetDeviceProperties reports them, next to the FP32
// rate and bandwidth of their datasheets. A GPU that is not in the table is judged by the
// datasheet of one of the same architecture, scaled to its own SM count, clocks and bus width.
#pragma once

#include <string>
#include <vector>

#include "course/device_info.hpp"

namespace course::grading {

/// A GPU with its datasheet's figures.
struct PublishedGpu {
  DeviceSpec spec;            ///< as cudaGetDeviceProperties reports it (boost clock, kHz)
  double fp32_tflops = 0;     ///< peak FP32 rate from the datasheet, TFLOP/s
  double bandwidth_gbps = 0;  ///< peak memory bandwidth from the datasheet, GB/s
};

/// The table: GPUs students grade on, from Turing (cc 7.5) to Hopper (cc 9.0).
const std::vector<PublishedGpu>& published_gpus();

/// The peaks a GPU should have according to the table.
struct PublishedPeaks {
  double fp32_flops = 0;  ///< FLOP/s; 0 when the table has no GPU of its architecture
  double bandwidth = 0;   ///< bytes/s; 0 likewise
  std::string source;     ///< where the figures come from, or why there are none
};

/// The datasheet figures of `spec` when the table has this very GPU; otherwise those of the
/// table's GPU of the same compute capability, scaled: the FP32 rate by the ratio of SM counts
/// and of SM clocks, the bandwidth by the ratio of bus widths and of memory clocks. All zero
/// (and `source` says why) when no GPU of the table shares its compute capability.
PublishedPeaks published_peaks(const DeviceSpec& spec);

}  // namespace course::grading
