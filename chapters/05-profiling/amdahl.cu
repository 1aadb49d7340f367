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
  // TODO(5.2): check the times (finite, not negative, not both 0), then return p.
  (void)serial_ms, (void)parallel_ms;
  COURSE_TODO("5.2", "parallel_fraction: the share of the time that parallelises");
}

double amdahl_speedup(double parallel_fraction, double n) {
  // TODO(5.2): which part stays as it is, and which one takes 1 / n of its time?
  // require_fraction and require_factor (above) check the arguments.
  (void)parallel_fraction, (void)n;
  COURSE_TODO("5.2", "amdahl_speedup: 1 / (serial share + parallel share / n)");
}

double amdahl_limit(double parallel_fraction) {
  // TODO(5.2): the speed-up as n grows without limit (p == 1 has none).
  (void)parallel_fraction;
  COURSE_TODO("5.2", "amdahl_limit: the speed-up for n -> infinity");
}

double gustafson_speedup(double serial_fraction, double n) {
  // TODO(5.2): the bigger work on one unit takes s + n (1 - s); on n units, s + (1 - s).
  (void)serial_fraction, (void)n;
  COURSE_TODO("5.2", "gustafson_speedup: the scaled speed-up");
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
  // TODO(5.2): check repetitions; run the workload once untimed; then, `repetitions` times,
  // time workload.serial_part() and workload.parallel_part(work, sms) with course::Events on
  // workload.stream(); return the medians (course::median).
  (void)workload, (void)work, (void)sms, (void)repetitions;
  COURSE_TODO("5.2", "profile_workload: the median times of the serial and the parallel part");
}

}  // namespace chapter5
