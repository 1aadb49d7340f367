#include "bench_support.hpp"

#include <cstdio>
#include <exception>
#include <string>

#include "course/course.hpp"

namespace course::bench {
namespace {

/// The machine the figures come from, on stderr and in the JSON output's context.
void describe_machine(const char* program) {
  const GpuStatus& status = gpu_status();
  if (!status.usable) {
    std::fprintf(stderr, "%s: no usable GPU: %s. %s Only the CPU benchmarks run.\n", program,
                 status.summary.c_str(), status.detail.c_str());
    benchmark::AddCustomContext("gpu", "none: " + status.summary);
    return;
  }
  try {
    const std::string device = describe(device_info());
    std::fprintf(stderr, "GPU: %s\n", device.c_str());
    benchmark::AddCustomContext("gpu", device);
    const double copy_gbs = measured_copy_bandwidth() / 1e9;
    std::fprintf(stderr, "measured device-to-device copy bandwidth: %.0f GB/s (read + write)\n",
                 copy_gbs);
    benchmark::AddCustomContext("copy_bandwidth_GBps", std::to_string(copy_gbs));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: could not describe the GPU: %s\n", program, e.what());
  }
}

}  // namespace

bool require_gpu(benchmark::State& state) {
  if (gpu_available())
    return true;
  const std::string reason = "no usable GPU: " + gpu_unavailable_reason();
  state.SkipWithError(reason.c_str());
  return false;
}

void set_iteration_time_ms(benchmark::State& state, float ms) {
  state.SetIterationTime(static_cast<double>(ms) / 1e3);
}

int run_benchmarks(int argc, char** argv, const char* program) {
  benchmark::Initialize(&argc, argv);  // handles --help and exits
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  describe_machine(program);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace course::bench
