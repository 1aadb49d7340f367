// What every chapter's benchmark program shares: GPU checks, event-timed iterations, and a main
// that records the machine (GPU, measured copy bandwidth) in the output's context.
#pragma once

#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>

#include "course/error.hpp"
#include "course/timer.hpp"

namespace course::bench {

/// False (and the benchmark marked with the reason) when no GPU can be used.
bool require_gpu(benchmark::State& state);

/// Records one iteration's GPU time, measured with CUDA events, for UseManualTime() benchmarks.
void set_iteration_time_ms(benchmark::State& state, float ms);

/// Runs `work` once untimed (warm-up, and the first chance to throw), then once per iteration
/// between two CUDA events on `stream`. Exceptions propagate to the caller.
template <typename Work>
void time_gpu_iterations(benchmark::State& state, Work&& work, cudaStream_t stream = nullptr) {
  work();
  COURSE_CUDA_CHECK(cudaStreamSynchronize(stream));
  GpuTimer timer(stream);
  for (auto _ : state) {
    timer.start();
    work();
    timer.stop();
    set_iteration_time_ms(state, timer.elapsed_ms());
  }
}

/// The main() of every benchmark program: initialises Google Benchmark, prints the GPU and its
/// measured copy bandwidth to stderr and into the JSON context, runs the selected benchmarks.
int run_benchmarks(int argc, char** argv, const char* program);

}  // namespace course::bench
