// 1.1 — A GPU's theoretical compute capacity and memory bandwidth, from its properties.
//
// Read "The theoretical capacity of a GPU" in this chapter's README.md first.
#include "chapter1.hpp"
#include "course/error.hpp"

namespace chapter1 {

double peak_fp32_flops(const course::DeviceSpec& spec) {
  // TODO(1.1): SMs x FP32 cores per SM x FLOPs per clock per core x clock in Hz.
  // spec.sm_clock_khz is in kilohertz. What does one fused multiply-add count for?
  COURSE_TODO("1.1", "return the peak FP32 FLOP/s of `spec`");
}

double peak_memory_bandwidth(const course::DeviceSpec& spec) {
  // TODO(1.1): memory clock in Hz x transfers per clock x bus width in bytes.
  COURSE_TODO("1.1", "return the peak memory bandwidth of `spec` in bytes/s");
}

}  // namespace chapter1
