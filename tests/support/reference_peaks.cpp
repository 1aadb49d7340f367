// Reference answers to exercise 1.1, used by its grader and the library's GPU tests.
#include "reference_peaks.hpp"

namespace course::grading {

double theoretical_peak_fp32_flops(const DeviceSpec& spec) noexcept {
  const double flops_per_fma = 2.0;  // one fused multiply-add is a multiply and an add
  return static_cast<double>(spec.sm_count) *
         fp32_cores_per_sm(spec.compute_major, spec.compute_minor) * flops_per_fma *
         spec.sm_clock_khz * 1e3;
}

double theoretical_memory_bandwidth(const DeviceSpec& spec) noexcept {
  const double transfers_per_clock = 2.0;  // double data rate
  return spec.memory_clock_khz * 1e3 * transfers_per_clock * (spec.memory_bus_width_bits / 8.0);
}

}  // namespace course::grading
