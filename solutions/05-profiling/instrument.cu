// 5.1 — Instrumenting a pipeline: NVTX ranges and a timer per stage.
//
// Idea: before optimising anything, find out where the time goes. A pipeline of host work,
// copies and kernels is timed stage by stage: GPU stages with CUDA events recorded on the stream
// their work runs on (the GPU stamps an event when the stream reaches it), host stages with a
// steady host clock, started only after the GPU work queued before them has finished. Every stage
// also sits in an NVTX range, so that a profiler's timeline (Nsight Systems) shows it by name.
// The given SignalPipeline: decode (host) -> upload -> FIR filter -> moving RMS envelope -> peak
// detection -> download -> summarize (host), on 2^25 samples in the grader: every stage takes
// about a millisecond or more on an H100.
// Launch shape (the given kernels): one thread per sample, blocks of 256 threads, each block
// staging the samples it needs (its 256 plus the filter's history) in shared memory.
// Changed from 1.4's breakdown: a stream of its own (non-blocking: events on the default stream
// would not wait for it), host stages alongside the GPU ones, and NVTX ranges.
#include <nvtx3/nvToolsExt.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "chapter5.hpp"
#include "course/error.hpp"
#include "course/random.hpp"
#include "course/stream.hpp"

namespace {

constexpr int kThreads = 256;       // threads per block of every kernel
constexpr int kTaps = 512;          // FIR filter length
constexpr int kWindow = 512;        // moving RMS window
constexpr int kPeakRadius = 32;     // a peak is the largest value within +-32 samples
constexpr float kThreshold = 0.1f;  // volts: envelope level of an event

// The FIR filter's coefficients, newest sample first: read by every thread at the same index at
// the same time, which the constant cache broadcasts in one transaction.
__constant__ float filter_taps[kTaps];

// A windowed-sinc low-pass filter (cut-off 0.05 of the sampling rate, Hamming window), its gain
// normalised to 1 at DC.
std::array<float, kTaps> low_pass_taps() {
  const double pi = 3.14159265358979323846;
  const double cutoff = 0.05;
  std::array<double, kTaps> taps{};
  double sum = 0;
  for (int k = 0; k < kTaps; ++k) {
    const double m = k - (kTaps - 1) / 2.0;
    const double sinc = m == 0 ? 2 * cutoff : std::sin(2 * pi * cutoff * m) / (pi * m);
    const double window = 0.54 - 0.46 * std::cos(2 * pi * k / (kTaps - 1));
    taps[k] = sinc * window;
    sum += taps[k];
  }
  std::array<float, kTaps> result{};
  for (int k = 0; k < kTaps; ++k)
    result[k] = static_cast<float>(taps[k] / sum);
  return result;
}

unsigned blocks_for(std::size_t n) {
  return static_cast<unsigned>((n + kThreads - 1) / kThreads);
}

// y[i] = sum over k of taps[k] * x[i - k] (x is 0 before the first sample). The block stages its
// 256 samples and the 511 before them in shared memory: each sample is read from DRAM about once.
__global__ void __launch_bounds__(kThreads)
    fir_kernel(const float* __restrict__ x, float* __restrict__ y, std::size_t n) {
  __shared__ float tile[kThreads + kTaps - 1];
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * kThreads;
  for (int j = threadIdx.x; j < kThreads + kTaps - 1; j += kThreads) {
    const long long source = static_cast<long long>(base) - (kTaps - 1) + j;
    tile[j] = (source >= 0 && source < static_cast<long long>(n)) ? x[source] : 0.0f;
  }
  __syncthreads();
  const std::size_t i = base + threadIdx.x;
  if (i >= n)
    return;
  float sum = 0.0f;
#pragma unroll
  for (int k = 0; k < kTaps; ++k)
    sum = fmaf(filter_taps[k], tile[threadIdx.x + kTaps - 1 - k], sum);
  y[i] = sum;
}

// envelope[i] = sqrt(mean of y[j]^2 over the kWindow samples ending at i), 0 before the start.
__global__ void __launch_bounds__(kThreads)
    envelope_kernel(const float* __restrict__ y, float* __restrict__ envelope, std::size_t n) {
  __shared__ float tile[kThreads + kWindow - 1];
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * kThreads;
  for (int j = threadIdx.x; j < kThreads + kWindow - 1; j += kThreads) {
    const long long source = static_cast<long long>(base) - (kWindow - 1) + j;
    tile[j] = (source >= 0 && source < static_cast<long long>(n)) ? y[source] : 0.0f;
  }
  __syncthreads();
  const std::size_t i = base + threadIdx.x;
  if (i >= n)
    return;
  float sum = 0.0f;
#pragma unroll 16
  for (int k = 0; k < kWindow; ++k) {
    const float value = tile[threadIdx.x + k];
    sum = fmaf(value, value, sum);
  }
  envelope[i] = sqrtf(sum * (1.0f / kWindow));
}

// Counts the samples i where envelope[i] > threshold, envelope[i] > every sample in the
// kPeakRadius before it and >= every sample in the kPeakRadius after it (a plateau counts once).
__global__ void __launch_bounds__(kThreads)
    peaks_kernel(const float* __restrict__ envelope, std::size_t n, std::uint32_t* peaks) {
  __shared__ float tile[kThreads + 2 * kPeakRadius];
  const std::size_t base = static_cast<std::size_t>(blockIdx.x) * kThreads;
  for (int j = threadIdx.x; j < kThreads + 2 * kPeakRadius; j += kThreads) {
    const long long source = static_cast<long long>(base) - kPeakRadius + j;
    tile[j] = (source >= 0 && source < static_cast<long long>(n)) ? envelope[source] : -INFINITY;
  }
  __syncthreads();
  const std::size_t i = base + threadIdx.x;
  bool peak = false;
  if (i < n) {
    const float centre = tile[threadIdx.x + kPeakRadius];
    peak = centre > kThreshold;
    for (int k = 1; k <= kPeakRadius; ++k) {
      peak = peak && centre > tile[threadIdx.x + kPeakRadius - k] &&
             centre >= tile[threadIdx.x + kPeakRadius + k];
    }
  }
  // One atomic per warp: the warp's peaks counted with a ballot.
  const unsigned votes = __ballot_sync(0xFFFFFFFFu, peak);
  if (threadIdx.x % 32 == 0 && votes != 0)
    atomicAdd(peaks, static_cast<std::uint32_t>(__popc(votes)));
}

// The synthetic recording: a 12-bit ADC (0..4095, 2048 = 0 V, 2048 counts per volt) sampling
// noise of +-0.1 V, with bursts of a 0.5 V tone (period 100 samples) for 8192 samples out of
// every 3 x 65536.
void record_signal(std::int16_t* raw, std::size_t n, std::uint64_t seed) {
  const double pi = 3.14159265358979323846;
  std::array<float, 100> tone{};
  for (int k = 0; k < 100; ++k)
    tone[k] = static_cast<float>(0.5 * std::sin(2 * pi * k / 100.0));
  course::Random random(seed);
  for (std::size_t i = 0; i < n; ++i) {
    const float noise =
        static_cast<float>((random.next_u64() >> 40) * (1.0 / (1 << 24))) * 0.2f - 0.1f;
    const bool burst = (i / 65536) % 3 == 1 && (i % 65536) < 8192;
    const float volts = noise + (burst ? tone[i % 100] : 0.0f);
    const long counts = std::lround(2048.0f + 2048.0f * volts);
    raw[i] = static_cast<std::int16_t>(std::clamp(counts, 0L, 4095L));
  }
}

}  // namespace

namespace chapter5 {

SignalPipeline::SignalPipeline(std::size_t samples, std::uint64_t seed)
    : samples_(samples == 0
                   ? throw std::invalid_argument("SignalPipeline: samples must be at least 1")
                   : samples),
      raw_(samples),
      volts_(samples),
      envelope_host_(samples),
      peaks_host_(1),
      signal_(samples),
      filtered_(samples),
      envelope_(samples),
      peaks_(1) {
  record_signal(raw_.data(), samples_, seed);
  const std::array<float, kTaps> taps = low_pass_taps();
  COURSE_CUDA_CHECK(cudaMemcpyToSymbolAsync(filter_taps, taps.data(), sizeof(taps), 0,
                                            cudaMemcpyHostToDevice, stream()));
  stream_.synchronize();
}

void SignalPipeline::decode() {
  stream_.synchronize();  // the previous run's upload may still be reading volts_
  const std::int16_t* raw = raw_.data();
  float* volts = volts_.data();
  for (std::size_t i = 0; i < samples_; ++i)
    volts[i] = static_cast<float>(raw[i] - 2048) * (1.0f / 2048.0f);
}

void SignalPipeline::upload() {
  signal_.copy_from_host_async(volts_.data(), samples_, stream());
}

void SignalPipeline::filter() {
  fir_kernel<<<blocks_for(samples_), kThreads, 0, stream()>>>(signal_.data(), filtered_.data(),
                                                              samples_);
  COURSE_CHECK_LAUNCH();
}

void SignalPipeline::envelope() {
  envelope_kernel<<<blocks_for(samples_), kThreads, 0, stream()>>>(filtered_.data(),
                                                                   envelope_.data(), samples_);
  COURSE_CHECK_LAUNCH();
}

void SignalPipeline::detect() {
  COURSE_CUDA_CHECK(cudaMemsetAsync(peaks_.data(), 0, sizeof(std::uint32_t), stream()));
  peaks_kernel<<<blocks_for(samples_), kThreads, 0, stream()>>>(envelope_.data(), samples_,
                                                                peaks_.data());
  COURSE_CHECK_LAUNCH();
}

void SignalPipeline::download() {
  envelope_.copy_to_host_async(envelope_host_.data(), samples_, stream());
  peaks_.copy_to_host_async(peaks_host_.data(), 1, stream());
}

void SignalPipeline::summarize() {
  stream_.synchronize();  // reads what download() brought back
  const float* envelope = envelope_host_.data();
  // Sums and maxima in 8 independent lanes (one dependency chain would wait for every
  // addition; 8 lanes vectorise), each chunk of 4096 samples summed in float, the chunks in
  // double. Crossings in a second, branch-free pass.
  constexpr std::size_t kLanes = 8;
  constexpr std::size_t kChunk = 4096;
  double total = 0;
  float maxima[kLanes];
  std::fill(maxima, maxima + kLanes, -INFINITY);
  std::size_t i = 0;
  for (; i + kChunk <= samples_; i += kChunk) {
    float lanes[kLanes] = {};
    for (std::size_t j = i; j < i + kChunk; j += kLanes) {
      for (std::size_t lane = 0; lane < kLanes; ++lane) {
        lanes[lane] += envelope[j + lane];
        maxima[lane] = std::max(maxima[lane], envelope[j + lane]);
      }
    }
    for (std::size_t lane = 0; lane < kLanes; ++lane)
      total += lanes[lane];
  }
  for (; i < samples_; ++i) {
    total += envelope[i];
    maxima[0] = std::max(maxima[0], envelope[i]);
  }
  std::uint32_t crossings = 0;
  for (std::size_t j = 1; j < samples_; ++j)
    crossings += (envelope[j - 1] < kThreshold) & (envelope[j] >= kThreshold);
  summary_.peaks = peaks_host_[0];
  summary_.crossings = crossings;
  summary_.mean_envelope = total / samples_;
  summary_.max_envelope = *std::max_element(maxima, maxima + kLanes);
}

void SignalPipeline::run_stage(Stage stage) {
  switch (stage) {
    case Stage::decode:
      return decode();
    case Stage::upload:
      return upload();
    case Stage::filter:
      return filter();
    case Stage::envelope:
      return envelope();
    case Stage::detect:
      return detect();
    case Stage::download:
      return download();
    case Stage::summarize:
      return summarize();
  }
  throw std::invalid_argument("SignalPipeline::run_stage: no stage " +
                              std::to_string(static_cast<int>(stage)));
}

void SignalPipeline::run() {
  for (int s = 0; s < kStageCount; ++s)
    run_stage(static_cast<Stage>(s));
}

StageTimes run_instrumented(SignalPipeline& pipeline) {
  const cudaStream_t stream = pipeline.stream();
  std::array<course::Event, kStageCount> starts;
  std::array<course::Event, kStageCount> stops;
  StageTimes times;
  for (int s = 0; s < kStageCount; ++s) {
    const Stage stage = static_cast<Stage>(s);
    nvtxRangePushA(kStageNames[s]);
    if (runs_on_host(stage)) {
      // The host clock must not count the GPU work queued before this stage: wait for it first.
      COURSE_CUDA_CHECK(cudaStreamSynchronize(stream));
      const auto begin = std::chrono::steady_clock::now();
      pipeline.run_stage(stage);
      const auto end = std::chrono::steady_clock::now();
      times[stage] = std::chrono::duration<double, std::milli>(end - begin).count();
    } else {
      // On the pipeline's own stream: the GPU stamps each event when that stream reaches it.
      starts[s].record(stream);
      pipeline.run_stage(stage);
      stops[s].record(stream);
    }
    nvtxRangePop();
  }
  for (int s = 0; s < kStageCount; ++s) {
    const Stage stage = static_cast<Stage>(s);
    if (!runs_on_host(stage))
      times[stage] = course::elapsed_ms(starts[s], stops[s]);
  }
  return times;
}

}  // namespace chapter5
