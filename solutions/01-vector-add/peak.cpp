// 1.1 — A GPU's theoretical compute capacity and memory bandwidth, from its properties.
//
// FP32: every SM has a number of FP32 units; each can finish one fused multiply-add (FMA) per
// clock, and an FMA counts as two floating-point operations (a multiply and an add).
// Memory: the memory clock as CUDA reports it, two transfers per pin per clock, and the bus width
// converted from bits to bytes. For HBM the 2 is double data rate (both clock edges); for GDDR6/6X
// CUDA reports half the per-pin data rate, so the same 2 gives the rated bandwidth by convention.
#include "chapter1.hpp"

namespace chapter1 {

double peak_fp32_flops(const course::DeviceSpec& spec) {
  const double cores_per_sm = course::fp32_cores_per_sm(spec.compute_major, spec.compute_minor);
  const double clock_hz = spec.sm_clock_khz * 1e3;
  const double flops_per_fma = 2.0;
  return spec.sm_count * cores_per_sm * flops_per_fma * clock_hz;
}

double peak_memory_bandwidth(const course::DeviceSpec& spec) {
  const double memory_clock_hz = spec.memory_clock_khz * 1e3;
  const double transfers_per_clock = 2.0;  // double data rate
  const double bus_width_bytes = spec.memory_bus_width_bits / 8.0;
  return memory_clock_hz * transfers_per_clock * bus_width_bytes;
}

}  // namespace chapter1
