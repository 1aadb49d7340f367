// 5.2 — Amdahl and Gustafson: predicted from measured fractions, then checked.
//
// Idea: a program that spends the fraction p of its time in work that parallelises and 1 - p in
// work that does not can never run more than 1 / (1 - p) times faster, however many SMs (or
// GPUs, or streams) the parallel part gets: Amdahl's law. Gustafson's law looks the other way:
// give n times the resources n times the work, and the serial part becomes a smaller share.
// The given AmdahlWorkload makes both measurable: its serial part is a pair of copies through
// PCIe, which more SMs cannot speed up; its parallel part is a latency-bound kernel whose work is
// spread over exactly as many SMs as asked (one block per SM), so that twice the SMs take half
// the time.
// Launch shape (the given kernel): `sms` blocks of 128 threads (4 warps: one per scheduler of an
// SM), each asking for just over half of an SM's shared memory so that no SM holds two.
// Changed from 5.1: the timing is the same (events on the workload's stream); what is new is
// what the times are used for.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "chapter5.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/stream.hpp"
#include "course/timer.hpp"

namespace {

constexpr int kWorkThreads = 128;  // 4 warps: one per warp scheduler of an SM
constexpr int kChain = 64;         // dependent FMAs per work unit

// Every thread of block b runs its share of `work` units, each a chain of kChain dependent FMAs:
// latency-bound, not compute-bound. Each FMA waits for the one before it, and 4 warps per SM
// cannot hide that wait, so the FP32 units sit mostly idle; the SM's time is set by the FMA
// latency and the number of units, not by memory nor by the units' throughput.
__global__ void __launch_bounds__(kWorkThreads)
    work_kernel(float* __restrict__ sink, std::int64_t work) {
  // The block's dynamic shared memory (see one_block_per_sm_bytes) is not used: it is reserved
  // only to keep any other block off this SM.
  const std::int64_t blocks = gridDim.x;
  const std::int64_t units = work / blocks + (blockIdx.x < work % blocks ? 1 : 0);
  float value = 1.0f + threadIdx.x * 1e-3f;
  for (std::int64_t unit = 0; unit < units; ++unit) {
#pragma unroll
    for (int k = 0; k < kChain; ++k)
      value = fmaf(value, 0.9999999f, 1e-7f);
  }
  sink[static_cast<std::size_t>(blockIdx.x) * kWorkThreads + threadIdx.x] = value;
}

// Dynamic shared memory per block that lets an SM hold only one block: just over half of what
// an SM has. Sets the kernel's limit once, and checks with the occupancy API.
std::size_t one_block_per_sm_bytes() {
  static const std::size_t bytes = [] {
    int device = 0;
    COURSE_CUDA_CHECK(cudaGetDevice(&device));
    int per_sm = 0;
    int per_block_optin = 0;
    COURSE_CUDA_CHECK(
        cudaDeviceGetAttribute(&per_sm, cudaDevAttrMaxSharedMemoryPerMultiprocessor, device));
    COURSE_CUDA_CHECK(
        cudaDeviceGetAttribute(&per_block_optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device));
    const std::size_t wanted = std::min<std::size_t>(per_sm / 2 + 1024, per_block_optin);
    COURSE_CUDA_CHECK(cudaFuncSetAttribute(work_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           static_cast<int>(wanted)));
    int blocks = 0;
    COURSE_CUDA_CHECK(
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, work_kernel, kWorkThreads, wanted));
    if (blocks != 1) {
      throw std::runtime_error("AmdahlWorkload: could not hold the GPU to one block per SM (" +
                               std::to_string(blocks) + " fit with " + std::to_string(wanted) +
                               " bytes of shared memory)");
    }
    return wanted;
  }();
  return bytes;
}

bool finite_non_negative(double value) {
  return std::isfinite(value) && value >= 0;
}

void require_fraction(double fraction, const char* who, const char* name) {
  if (!(fraction >= 0 && fraction <= 1)) {  // NaN fails both
    throw std::invalid_argument(std::string(who) + ": " + name + " = " + std::to_string(fraction) +
                                " is not a fraction in [0, 1]");
  }
}

void require_factor(double n, const char* who) {
  if (!(n >= 1)) {  // NaN fails too
    throw std::invalid_argument(std::string(who) + ": n = " + std::to_string(n) +
                                " must be at least 1 (n times faster, n times the resources)");
  }
}

}  // namespace

namespace chapter5 {

double parallel_fraction(double serial_ms, double parallel_ms) {
  if (!finite_non_negative(serial_ms) || !finite_non_negative(parallel_ms) ||
      serial_ms + parallel_ms <= 0) {
    throw std::invalid_argument(
        "parallel_fraction: the times (serial " + std::to_string(serial_ms) + " ms, parallel " +
        std::to_string(parallel_ms) + " ms) must be finite, not negative, and not both 0");
  }
  return parallel_ms / (serial_ms + parallel_ms);
}

double amdahl_speedup(double parallel_fraction, double n) {
  require_fraction(parallel_fraction, "amdahl_speedup", "p");
  require_factor(n, "amdahl_speedup");
  // The serial part (1 - p) stays; the parallel part p takes p / n.
  return 1.0 / ((1.0 - parallel_fraction) + parallel_fraction / n);
}

double amdahl_limit(double parallel_fraction) {
  require_fraction(parallel_fraction, "amdahl_limit", "p");
  if (parallel_fraction == 1.0)
    return std::numeric_limits<double>::infinity();
  return 1.0 / (1.0 - parallel_fraction);
}

double gustafson_speedup(double serial_fraction, double n) {
  require_fraction(serial_fraction, "gustafson_speedup", "s");
  require_factor(n, "gustafson_speedup");
  // The run on n units takes s + (1 - s); the same work on one unit takes s + n (1 - s).
  return serial_fraction + (1.0 - serial_fraction) * n;
}

AmdahlWorkload::AmdahlWorkload(std::size_t transfer_bytes)
    : host_(transfer_bytes < sizeof(float)
                ? throw std::invalid_argument("AmdahlWorkload: transfer_bytes must be at least 4")
                : transfer_bytes / sizeof(float)),
      device_(transfer_bytes / sizeof(float)),
      sink_(static_cast<std::size_t>(max_sms()) * kWorkThreads) {
  std::fill(host_.begin(), host_.end(), 1.0f);
}

void AmdahlWorkload::serial_part() {
  device_.copy_from_host_async(host_.data(), host_.size(), stream());
  device_.copy_to_host_async(host_.data(), host_.size(), stream());
}

void AmdahlWorkload::parallel_part(std::int64_t work, int sms) {
  if (work < 1 || sms < 1 || sms > max_sms()) {
    throw std::invalid_argument("AmdahlWorkload::parallel_part: work = " + std::to_string(work) +
                                " must be >= 1 and sms = " + std::to_string(sms) + " in [1, " +
                                std::to_string(max_sms()) + "]");
  }
  const std::size_t shared = one_block_per_sm_bytes();
  work_kernel<<<static_cast<unsigned>(sms), kWorkThreads, shared, stream()>>>(sink_.data(), work);
  COURSE_CHECK_LAUNCH();
}

void AmdahlWorkload::run(std::int64_t work, int sms) {
  serial_part();
  parallel_part(work, sms);
}

int AmdahlWorkload::max_sms() {
  return course::device_info().sm_count;
}

WorkloadProfile profile_workload(AmdahlWorkload& workload, std::int64_t work, int sms,
                                 int repetitions) {
  if (repetitions < 1) {
    throw std::invalid_argument("profile_workload: repetitions = " + std::to_string(repetitions) +
                                " must be at least 1");
  }
  const cudaStream_t stream = workload.stream();
  workload.run(work, sms);  // warm-up: clocks up, the kernel loaded, its attributes set
  course::Event start, middle, stop;
  std::vector<double> serial, parallel;
  for (int r = 0; r < repetitions; ++r) {
    // All three events on the workload's own stream: the GPU stamps them between its steps.
    start.record(stream);
    workload.serial_part();
    middle.record(stream);
    workload.parallel_part(work, sms);
    stop.record(stream);
    serial.push_back(course::elapsed_ms(start, middle));  // waits for `middle` only
    parallel.push_back(course::elapsed_ms(middle, stop));
  }
  return {course::median(serial), course::median(parallel)};
}

}  // namespace chapter5
