/// @file benchmark.cu
/// @brief Chapter 1 benchmarks: what a vector add c[i] = a[i] + b[i] costs on one CPU core, on
///        the GPU alone, and on the GPU once the data has to travel there and back.
///
/// Each benchmark runs at 2^20, 2^22, 2^24 and 2^26 floats and reports bytes_per_second
/// (3 * n * sizeof(float) per iteration: a and b read, c written, or each crossing the bus once for
/// the round trips), items_per_second and an `elements` counter:
///
///   BM_cpu_vector_add       a single-threaded loop on the host (wall time);
///   BM_gpu_kernel           chapter1::vector_add on course::DeviceArray buffers, kernel only;
///   BM_round_trip_pageable  std::vector -> upload a, b -> chapter1::vector_add -> download c;
///   BM_round_trip_pinned    the same from course::PinnedArray with async copies on a Stream;
///   BM_thrust_transform     thrust::transform(thrust::plus<float>) on thrust::device_vector.
///
/// GPU benchmarks are timed with CUDA events (manual time), so their rates are GPU time, not host
/// time. Allocation and input generation are outside the timed region. After timing, every
/// benchmark checks c against a + b computed on the CPU (in full up to 2^20 elements, on a sample
/// above: course::bench::check_result); a wrong c ends it with "wrong result: ..." instead of a
/// rate. Without a GPU, or while chapter1::vector_add is still a COURSE_TODO, the GPU benchmarks
/// report the reason as an error. The program exits with 1 when any benchmark reported an error,
/// 4 when the only errors were "no GPU", 0 otherwise. Run, for example:
///
///   build/student/benchmarks/chapter1_benchmarks --benchmark_out=ch1.json
///   --benchmark_out_format=json build/student/benchmarks/chapter1_benchmarks
///   --benchmark_filter=round_trip
///
/// Google Benchmark 1.7 (Debian 12) takes --benchmark_min_time as a bare number of seconds (0.2);
/// 1.8 also accepts 0.2s.
#include <benchmark/benchmark.h>
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/transform.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench_support.hpp"
#include "chapter1.hpp"
#include "course/course.hpp"

namespace {

using course::bench::check_result;
using course::bench::random_inputs;
using course::bench::run_on_gpu;
using course::bench::time_gpu_iterations;

constexpr std::int64_t kMinElements = std::int64_t{1} << 20;
constexpr std::int64_t kMaxElements = std::int64_t{1} << 26;
constexpr std::uint64_t kSeed = 2024;

/// The operands a and b of n elements (generated once per size).
struct Inputs {
  const std::vector<float>& a;
  const std::vector<float>& b;
};

Inputs inputs_for(std::size_t n) {
  return {random_inputs(n, kSeed), random_inputs(n, kSeed + 1)};
}

std::size_t elements(const benchmark::State& state) {
  return static_cast<std::size_t>(state.range(0));
}

/// The check every benchmark ends with: c (on the host) against a + b computed on the CPU.
bool result_is_right(benchmark::State& state, const float* c, const Inputs& in, std::size_t n) {
  return check_result(
      state, "c", n, [&](std::size_t i) { return c[i]; },
      [&](std::size_t i) { return static_cast<double>(in.a[i]) + in.b[i]; });
}

/// The counters every benchmark reports: 3 * n floats moved per iteration (a and b read, c
/// written; or each crossing the bus once for the round trips), n items, and the size (also as
/// the label, "2^26 floats").
void report(benchmark::State& state, std::size_t n) {
  state.SetLabel(course::bench::count_text(n) + " floats");
  course::bench::report_rates(state, 3 * static_cast<std::int64_t>(n * sizeof(float)),
                              static_cast<std::int64_t>(n));
  state.counters["elements"] = benchmark::Counter(static_cast<double>(n));
}

// ---- (1) one CPU core -------------------------------------------------------------------------

void BM_cpu_vector_add(benchmark::State& state) {
  const std::size_t n = elements(state);
  const Inputs in = inputs_for(n);
  std::vector<float> c(n);
  const float* a = in.a.data();
  const float* b = in.b.data();
  float* out = c.data();
  for (auto _ : state) {
    for (std::size_t i = 0; i < n; ++i) {
      out[i] = a[i] + b[i];
    }
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  if (result_is_right(state, c.data(), in, n)) {
    report(state, n);
  }
}

// ---- (2) the kernel alone ---------------------------------------------------------------------

void BM_gpu_kernel(benchmark::State& state) {
  run_on_gpu(state, [&] {
    const std::size_t n = elements(state);
    const Inputs in = inputs_for(n);
    course::DeviceArray<float> a(in.a);
    course::DeviceArray<float> b(in.b);
    course::DeviceArray<float> c(n);
    // The warm-up throws NotImplemented while vector_add is a TODO.
    time_gpu_iterations(state, [&] { chapter1::vector_add(a, b, c); });
    const std::vector<float> result = c.to_host();
    if (result_is_right(state, result.data(), in, n)) {
      report(state, n);
    }
  });
}

// ---- (3) the round trip from pageable memory --------------------------------------------------

void BM_round_trip_pageable(benchmark::State& state) {
  run_on_gpu(state, [&] {
    const std::size_t n = elements(state);
    const Inputs in = inputs_for(n);
    std::vector<float> host_c(n);
    course::DeviceArray<float> a(n);
    course::DeviceArray<float> b(n);
    course::DeviceArray<float> c(n);
    auto round_trip = [&] {
      a.copy_from_host(in.a);
      b.copy_from_host(in.b);
      chapter1::vector_add(a, b, c);
      c.copy_to_host(host_c.data(), host_c.size());
    };
    time_gpu_iterations(state, round_trip);
    if (result_is_right(state, host_c.data(), in, n)) {
      report(state, n);
    }
  });
}

// ---- (4) the round trip from pinned memory, asynchronous on one stream ------------------------

void BM_round_trip_pinned(benchmark::State& state) {
  run_on_gpu(state, [&] {
    const std::size_t n = elements(state);
    const Inputs in = inputs_for(n);
    course::PinnedArray<float> host_a(n);
    course::PinnedArray<float> host_b(n);
    course::PinnedArray<float> host_c(n);
    std::copy(in.a.begin(), in.a.end(), host_a.begin());
    std::copy(in.b.begin(), in.b.end(), host_b.begin());
    course::DeviceArray<float> a(n);
    course::DeviceArray<float> b(n);
    course::DeviceArray<float> c(n);
    course::Stream stream;
    auto round_trip = [&] {
      a.copy_from_host_async(host_a.data(), n, stream.get());
      b.copy_from_host_async(host_b.data(), n, stream.get());
      chapter1::vector_add(a.data(), b.data(), c.data(), n, stream.get());
      c.copy_to_host_async(host_c.data(), n, stream.get());
    };
    // The stop event follows the download on the stream, so each time includes it.
    time_gpu_iterations(state, round_trip, stream.get());
    stream.synchronize();
    if (result_is_right(state, host_c.data(), in, n)) {
      report(state, n);
    }
  });
}

// ---- (5) Thrust -------------------------------------------------------------------------------

void BM_thrust_transform(benchmark::State& state) {
  run_on_gpu(state, [&] {
    const std::size_t n = elements(state);
    const Inputs in = inputs_for(n);
    thrust::device_vector<float> a(in.a.begin(), in.a.end());
    thrust::device_vector<float> b(in.b.begin(), in.b.end());
    thrust::device_vector<float> c(n);
    COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // the vectors were filled on the default stream
    course::Stream stream;
    // par_nosync: no host synchronisation after the launch, so the events time the kernel only.
    auto add = [&] {
      thrust::transform(thrust::cuda::par_nosync.on(stream.get()), a.begin(), a.end(), b.begin(),
                        c.begin(), thrust::plus<float>());
    };
    time_gpu_iterations(state, add, stream.get());
    stream.synchronize();
    std::vector<float> result(n);
    thrust::copy(c.begin(), c.end(), result.begin());
    if (result_is_right(state, result.data(), in, n)) {
      report(state, n);
    }
  });
}

BENCHMARK(BM_cpu_vector_add)
    ->RangeMultiplier(4)
    ->Range(kMinElements, kMaxElements)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gpu_kernel)
    ->RangeMultiplier(4)
    ->Range(kMinElements, kMaxElements)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_round_trip_pageable)
    ->RangeMultiplier(4)
    ->Range(kMinElements, kMaxElements)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_round_trip_pinned)
    ->RangeMultiplier(4)
    ->Range(kMinElements, kMaxElements)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_thrust_transform)
    ->RangeMultiplier(4)
    ->Range(kMinElements, kMaxElements)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  return course::bench::run_benchmarks(argc, argv, "chapter1_benchmarks");
}
