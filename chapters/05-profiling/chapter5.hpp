/// @file chapter5.hpp
/// @brief Chapter 5's exercises: what you implement, and what the graders call.
///
/// Do not change these declarations: the graders are compiled against them. Times are in
/// milliseconds, rates in FLOP/s and bytes/s, unless a name says otherwise.
#pragma once

#include <cuda_runtime.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "course/memory.hpp"
#include "course/stream.hpp"

namespace chapter5 {

// ---- 5.1 (instrument.cu) ----------------------------------------------------------------------

/// The stages of the signal pipeline of 5.1, in the order they run.
enum class Stage : int {
  decode,    ///< host: raw 12-bit ADC samples to volts, into pinned memory
  upload,    ///< GPU: the volts to the device (cudaMemcpyAsync on the pipeline's stream)
  filter,    ///< GPU: a 512-tap low-pass FIR filter (kernel)
  envelope,  ///< GPU: the moving RMS of the filtered signal over 512 samples (kernel)
  detect,    ///< GPU: counts the envelope's local maxima above a threshold (kernel)
  download,  ///< GPU: the envelope and the count back to pinned host memory
  summarize  ///< host: statistics of the envelope (waits for the stream first)
};

/// How many stages the pipeline has.
inline constexpr int kStageCount = 7;

/// The stages' names, indexed by Stage: also the names of their NVTX ranges.
inline constexpr const char* kStageNames[kStageCount] = {
    "decode", "upload", "filter", "envelope", "detect", "download", "summarize"};

/// True for the two stages that run on the host (decode, summarize); the other five queue work
/// on the pipeline's stream and return without waiting for it.
constexpr bool runs_on_host(Stage stage) {
  return stage == Stage::decode || stage == Stage::summarize;
}

/// The time of each stage in milliseconds, indexed by Stage.
struct StageTimes {
  std::array<double, kStageCount> ms{};  ///< ms[static_cast<int>(stage)]
  /// The time of `stage`.
  double& operator[](Stage stage) { return ms[static_cast<int>(stage)]; }
  /// The time of `stage`, read-only.
  double operator[](Stage stage) const { return ms[static_cast<int>(stage)]; }
};

/// What one run of the pipeline found. Deterministic: two runs on the same recording give the
/// same summary, bit for bit.
struct SignalSummary {
  std::uint32_t peaks = 0;      ///< the envelope's local maxima above the threshold (GPU)
  std::uint32_t crossings = 0;  ///< upward crossings of the threshold by the envelope (host)
  double mean_envelope = 0;     ///< the envelope's mean (host, summed in double)
  float max_envelope = 0;       ///< the envelope's largest value (host)
  /// Every field equal, bit for bit.
  bool operator==(const SignalSummary& other) const {
    return peaks == other.peaks && crossings == other.crossings &&
           mean_envelope == other.mean_envelope && max_envelope == other.max_envelope;
  }
};

/// Given (complete, in instrument.cu): a multi-stage signal-processing program. It owns a
/// synthetic recording of `samples` ADC samples, its pinned host buffers, its device arrays and
/// one course::Stream. Each stage is one member function; the GPU stages queue their work on
/// stream() and return without waiting, the host stages run on the calling thread. A stage reads
/// what the stage before it wrote, so they must run in order. Move-only.
class SignalPipeline {
 public:
  /// Allocates everything and generates the recording from `seed` (not a stage: not timed).
  /// @throws std::invalid_argument when samples == 0.
  SignalPipeline(std::size_t samples, std::uint64_t seed);

  void decode();     ///< Stage::decode (host). Waits for the stream first: volts may be uploading.
  void upload();     ///< Stage::upload (queued on stream())
  void filter();     ///< Stage::filter (queued on stream())
  void envelope();   ///< Stage::envelope (queued on stream())
  void detect();     ///< Stage::detect (queued on stream())
  void download();   ///< Stage::download (queued on stream())
  void summarize();  ///< Stage::summarize (host). Waits for the stream first: it reads downloads.

  /// Runs one stage: the member function of that name.
  void run_stage(Stage stage);
  /// Runs every stage once, in order, uninstrumented; summary() holds the result on return.
  void run();

  /// The stream every GPU stage queues its work on (a non-blocking course::Stream: it does not
  /// synchronise with the legacy default stream).
  [[nodiscard]] cudaStream_t stream() const noexcept { return stream_.get(); }
  /// The number of samples.
  [[nodiscard]] std::size_t samples() const noexcept { return samples_; }
  /// What the last summarize() found.
  [[nodiscard]] const SignalSummary& summary() const noexcept { return summary_; }

 private:
  std::size_t samples_;
  course::Stream stream_;
  course::PinnedArray<std::int16_t> raw_;          // the recording, as the ADC delivers it
  course::PinnedArray<float> volts_;               // decode's output, upload's input
  course::PinnedArray<float> envelope_host_;       // download's output
  course::PinnedArray<std::uint32_t> peaks_host_;  // download's output (one counter)
  course::DeviceArray<float> signal_;              // uploaded volts
  course::DeviceArray<float> filtered_;            // filter's output
  course::DeviceArray<float> envelope_;            // envelope's output
  course::DeviceArray<std::uint32_t> peaks_;       // detect's output (one counter)
  SignalSummary summary_;
};

/// Exercise 5.1: runs the pipeline's seven stages once, in order (Stage::decode to
/// Stage::summarize), and returns the time of each. Every stage runs inside an NVTX range named
/// kStageNames[stage] (nvtxRangePushA / nvtxRangePop from <nvtx3/nvToolsExt.h>), so that a
/// profiler's timeline shows it. GPU stages are timed with CUDA events recorded on
/// pipeline.stream() around the stage; host stages with a steady host clock, started only once
/// the GPU work before them is finished. Returns when everything is done: summary() is then the
/// same as after pipeline.run().
StageTimes run_instrumented(SignalPipeline& pipeline);

// ---- 5.2 (amdahl.cu) --------------------------------------------------------------------------

/// The parallelisable fraction p of a program whose serial part takes `serial_ms` and whose
/// parallelisable part takes `parallel_ms`: p = parallel / (serial + parallel).
/// @throws std::invalid_argument when a time is negative or not finite, or both are 0.
double parallel_fraction(double serial_ms, double parallel_ms);

/// Amdahl's law: the speed-up of the whole program when its parallelisable fraction p runs n
/// times faster and the rest does not change: 1 / ((1 - p) + p / n).
/// @throws std::invalid_argument when p is outside [0, 1] or n < 1 (NaN included).
double amdahl_speedup(double parallel_fraction, double n);

/// Amdahl's bound: the speed-up as n grows without limit, 1 / (1 - p); +infinity for p == 1.
/// @throws std::invalid_argument when p is outside [0, 1] (NaN included).
double amdahl_limit(double parallel_fraction);

/// Gustafson's law: the scaled speed-up s + (1 - s) n of a program that spends the fraction s of
/// its time in serial work when it runs on n times the resources with n times the parallel work,
/// against running that same bigger work on one unit.
/// @throws std::invalid_argument when s is outside [0, 1] or n < 1 (NaN included).
double gustafson_speedup(double serial_fraction, double n);

/// Given (complete, in amdahl.cu): a program with a serial part that more SMs cannot speed up
/// (an upload and a download of `transfer_bytes` through pinned memory) and a parallel part (a
/// latency-bound kernel, chains of dependent FMAs, whose `work` units are spread evenly over
/// exactly `sms` SMs, one block per SM). Run on twice the SMs, the parallel part takes half the
/// time. Everything runs on stream(). Move-only.
class AmdahlWorkload {
 public:
  /// Allocates the buffers (pinned and device), `transfer_bytes` each (rounded down to floats).
  /// @throws std::invalid_argument when transfer_bytes < 4.
  explicit AmdahlWorkload(std::size_t transfer_bytes = std::size_t{64} << 20);
  /// Queues the serial part on stream(): the upload, then the download.
  void serial_part();
  /// Queues the parallel part on stream(): the kernel, `work` units over `sms` blocks of which
  /// the GPU holds only one per SM (each asks for more than half of an SM's shared memory).
  /// @throws std::invalid_argument when work < 1, sms < 1 or sms > the GPU's SM count.
  void parallel_part(std::int64_t work, int sms);
  /// The whole program: serial_part(), then parallel_part(work, sms). Returns without waiting.
  void run(std::int64_t work, int sms);
  /// The stream everything is queued on (non-blocking).
  [[nodiscard]] cudaStream_t stream() const noexcept { return stream_.get(); }
  /// The GPU's SM count: the most SMs parallel_part can use.
  [[nodiscard]] static int max_sms();

 private:
  course::Stream stream_;
  course::PinnedArray<float> host_;
  course::DeviceArray<float> device_;
  course::DeviceArray<float> sink_;  // the kernel's results, so that its work is not optimised away
};

/// The two parts of an AmdahlWorkload run, as measured.
struct WorkloadProfile {
  double serial_ms = 0;    ///< serial_part()
  double parallel_ms = 0;  ///< parallel_part(work, sms)
};

/// Exercise 5.2 (GPU part): the median times of workload.serial_part() and of
/// workload.parallel_part(work, sms), timed with CUDA events on workload.stream(), after one
/// untimed warm-up run, over `repetitions` runs.
/// @throws std::invalid_argument when repetitions < 1, and whatever the workload throws.
WorkloadProfile profile_workload(AmdahlWorkload& workload, std::int64_t work, int sms,
                                 int repetitions = 5);

// ---- 5.3 (roofline.cu) ------------------------------------------------------------------------

/// What one kernel run costs: the floating-point operations it does and the bytes it must move
/// between DRAM and the SMs at the least (every input read once, every output written once).
struct KernelCost {
  double flops = 0;  ///< floating-point operations (an FMA counts as 2)
  double bytes = 0;  ///< bytes of DRAM traffic
};

/// A GPU's two roofs.
struct Roof {
  double peak_flops = 0;  ///< FP32 FLOP/s the SMs can do at most
  double bandwidth = 0;   ///< bytes/s DRAM can deliver at most
};

/// Which roof limits a kernel.
enum class Bound { memory, compute };

/// chapter 1's vector add, c = a + b, on n floats.
KernelCost vector_add_cost(std::size_t n);
/// chapter 2's SAXPY, y = a x + y, on n floats.
KernelCost saxpy_cost(std::size_t n);
/// chapter 2's Mandelbrot image of `pixels` 16-bit counts whose escape-time loops ran
/// `iterations` times in all (the sum of the counts): 8 FLOPs per iteration (zr^2, zi^2, their
/// sum for the test, zr zi, doubled, plus ci, zr^2 - zi^2, plus cr).
KernelCost mandelbrot_cost(std::size_t pixels, double iterations);
/// chapter 3's transpose of a rows x cols float matrix (no arithmetic at all).
KernelCost transpose_cost(std::size_t rows, std::size_t cols);
/// chapter 3's sum of n floats into one (n additions; the one float written is negligible but
/// counted).
KernelCost sum_cost(std::size_t n);
/// An SGEMM C = A B of n x n float matrices, with DRAM traffic at its least: A and B read once,
/// C written once.
KernelCost sgemm_cost(std::size_t n);
/// The global-memory traffic of the SGEMM steps: a kernel that stages tile x tile blocks of A
/// and B through shared memory reads each element of A and B n / tile times (tile = 1: the naive
/// kernel, which reads two floats per FMA), and writes C once. Bytes requested from global
/// memory, which L2 (and L1) may serve without reaching DRAM.
/// @throws std::invalid_argument when tile < 1 or n is not a multiple of tile.
KernelCost sgemm_tiled_traffic(std::size_t n, std::size_t tile);

/// Arithmetic intensity: FLOPs per byte of DRAM traffic.
/// @throws std::invalid_argument when cost.bytes <= 0 or a figure is negative or not finite.
double arithmetic_intensity(const KernelCost& cost);
/// The roofline: the FLOP/s a kernel of this intensity can reach at most on `roof`,
/// min(peak, intensity x bandwidth).
/// @throws std::invalid_argument when intensity < 0, or a roof is <= 0 or not finite.
double attainable_flops(double intensity, const Roof& roof);
/// Bound::memory when the intensity is below the ridge point peak / bandwidth, Bound::compute
/// otherwise (at the ridge point too). The same checks as attainable_flops.
Bound bound_of(double intensity, const Roof& roof);

/// Exercise 5.3 (GPU part): this GPU's FP32 peak as it really runs, measured with a kernel of
/// your own that does nothing but independent FMAs, timed with events, counted in FLOP/s.
double measure_peak_flops();
/// Exercise 5.3 (GPU part): this GPU's DRAM bandwidth as it really runs, measured with a
/// streaming kernel of your own over arrays far larger than the L2 cache, timed with events,
/// counting every byte read and written.
double measure_bandwidth();

// ---- 5.4 (app.cu) -----------------------------------------------------------------------------

/// The frames the application of 5.4 processes.
struct AppConfig {
  int frames = 48;         ///< how many frames the camera delivers
  int width = 1024;        ///< pixels per row
  int height = 1024;       ///< rows
  std::uint64_t seed = 1;  ///< what the camera sees
};

/// Given (complete, in app.cu): the camera. Writes frame `index` of the sequence, width x height
/// 8-bit pixels (row-major), to `pixels` (host memory). Host work that stays on the host: the
/// frames arrive one after the other, each costing about the same time.
/// @throws std::invalid_argument when the config is invalid (frames < 1, width or height outside
///         [1, 16384]), index is outside [0, frames), or pixels is null.
void camera_frame(const AppConfig& config, int index, std::uint8_t* pixels);

/// Where the given application spends its time, from its own host clocks (it synchronises after
/// every step anyway).
struct AppProfile {
  double camera_ms = 0;    ///< camera_frame, every frame
  double convert_ms = 0;   ///< host: 8-bit pixels to floats
  double upload_ms = 0;    ///< pageable cudaMemcpy of the floats
  double kernel_ms = 0;    ///< the sharpening kernel, with the synchronisation after it
  double download_ms = 0;  ///< cudaMemcpy of the result
  double mean_ms = 0;      ///< host: the frame's mean
  double total_ms = 0;     ///< the whole run
};

/// Given (complete, in app.cu): the slow application. For every frame: camera_frame into a
/// std::vector, the pixels converted to floats p / 255 on the host, a pageable cudaMemcpy up, a
/// kernel that sharpens the frame (out = clamp(5 c - l - r - u - d, 0, 1), neighbours clamped at
/// the edges) with threads walking down the columns (uncoalesced), a cudaDeviceSynchronize, a
/// cudaMemcpy of the frame into out_frames, and its mean summed on the host. `out_frames` holds
/// frames x width x height floats (frame after frame, row-major) and must be pinned host memory
/// (course::PinnedArray); `out_means` holds one mean per frame. `profile`, when not null,
/// receives the time of each step.
/// @throws std::invalid_argument for an invalid config, a null pointer, or out_frames that is not
///         pinned.
void run_app_slow(const AppConfig& config, float* out_frames, double* out_means,
                  AppProfile* profile = nullptr);

/// Exercise 5.4: the same results as run_app_slow (every frame's sharpened pixels in
/// `out_frames`, every mean in `out_means`, within float rounding), end to end as fast as you
/// can make it. camera_frame stays as it is: call it once per frame, in order, on this thread.
/// Returns when every output is in place.
/// @throws std::invalid_argument as run_app_slow.
void run_app_fast(const AppConfig& config, float* out_frames, double* out_means);

/// Exercise 5.4 (on paper first): the Amdahl bound of an optimisation of the application that
/// makes everything except the camera infinitely fast (or hides it behind the camera): the
/// speed-up can never exceed profile.total_ms / profile.camera_ms.
/// @throws std::invalid_argument when camera_ms <= 0 or total_ms < camera_ms (NaN included).
double app_speedup_bound(const AppProfile& profile);

}  // namespace chapter5
