// 5.4 — Optimising an application end to end.
//
// Idea: profile first (the given run_app_slow reports its own steps), find what dominates, fix
// that, measure again. The slow application makes the classic mistakes one after the other: it
// converts pixels to floats on the host and uploads four times the bytes it needs, from pageable
// memory; its kernel walks the frame down the columns (every warp touches 32 rows: uncoalesced);
// it synchronises after every frame, so the camera, the copies and the kernel take turns; and it
// sums every frame on the host. The fast version uploads the camera's 8-bit pixels from pinned
// memory, converts them in a coalesced kernel that also sums the frame, and queues each frame's
// upload, kernel and download on one of three streams without waiting: the GPU works on frame k
// while the camera produces frame k + 1. What is left is the camera itself, the serial part: the
// Amdahl bound of this optimisation is total / camera.
// Launch shape: blocks of 32 x 8 threads, one thread per pixel. Slow: threadIdx.x walks the
// rows (down a column); fast: threadIdx.x walks the columns (along a row), plus a block sum.
// Changed from 3.5's pipeline: the host work (the camera) overlaps with the GPU's work too.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "chapter5.hpp"
#include "course/error.hpp"
#include "course/memory.hpp"
#include "course/stream.hpp"

namespace {

constexpr int kBlockX = 32;
constexpr int kBlockY = 8;
constexpr int kMaxSide = 16384;

void check_config(const chapter5::AppConfig& config, const char* who) {
  if (config.frames < 1 || config.width < 1 || config.height < 1 || config.width > kMaxSide ||
      config.height > kMaxSide) {
    throw std::invalid_argument(std::string(who) + ": frames = " + std::to_string(config.frames) +
                                " must be >= 1 and width = " + std::to_string(config.width) +
                                ", height = " + std::to_string(config.height) + " in [1, " +
                                std::to_string(kMaxSide) + "]");
  }
}

void check_outputs(const chapter5::AppConfig& config, const float* out_frames,
                   const double* out_means, const char* who) {
  check_config(config, who);
  if (out_frames == nullptr || out_means == nullptr)
    throw std::invalid_argument(std::string(who) + ": out_frames and out_means must not be null");
  cudaPointerAttributes attributes{};
  COURSE_CUDA_CHECK(cudaPointerGetAttributes(&attributes, out_frames));
  if (attributes.type != cudaMemoryTypeHost) {
    throw std::invalid_argument(std::string(who) +
                                ": out_frames must be pinned host memory (course::PinnedArray)");
  }
}

__device__ __host__ inline int clamp_index(int i, int size) {
  return i < 0 ? 0 : (i >= size ? size - 1 : i);
}

// The sharpening stencil: 5 c - l - r - u - d, clamped to [0, 1], neighbours clamped at the edges.
__device__ inline float sharpen(float c, float l, float r, float u, float d) {
  return fminf(fmaxf(5.0f * c - l - r - u - d, 0.0f), 1.0f);
}

// Slow: one thread per pixel, but threadIdx.x runs along y: the 32 threads of a warp read 32
// pixels of one column, `width` floats apart (32 sectors for 128 useful bytes).
__global__ void sharpen_by_columns(const float* __restrict__ in, float* __restrict__ out, int width,
                                   int height) {
  const int y = blockIdx.x * kBlockX + threadIdx.x;
  const int x = blockIdx.y * kBlockY + threadIdx.y;
  if (x >= width || y >= height)
    return;
  const std::size_t row = static_cast<std::size_t>(y) * width;
  const float c = in[row + x];
  const float l = in[row + clamp_index(x - 1, width)];
  const float r = in[row + clamp_index(x + 1, width)];
  const float u = in[static_cast<std::size_t>(clamp_index(y - 1, height)) * width + x];
  const float d = in[static_cast<std::size_t>(clamp_index(y + 1, height)) * width + x];
  out[row + x] = sharpen(c, l, r, u, d);
}

double milliseconds_since(std::chrono::steady_clock::time_point& mark) {
  const auto now = std::chrono::steady_clock::now();
  const double ms = std::chrono::duration<double, std::milli>(now - mark).count();
  mark = now;
  return ms;
}

}  // namespace

namespace chapter5 {

void camera_frame(const AppConfig& config, int index, std::uint8_t* pixels) {
  check_config(config, "camera_frame");
  if (index < 0 || index >= config.frames || pixels == nullptr) {
    throw std::invalid_argument("camera_frame: index = " + std::to_string(index) +
                                " must be in [0, " + std::to_string(config.frames) +
                                ") and pixels not null");
  }
  // The scene: a horizontal gradient (0 to 119), a vertical one (0 to 39) and a bright square
  // (+60) that moves 7 pixels a frame, plus sensor noise (0 to 31) from a hash of the seed, the
  // frame and the position. Every row reads a window of one noise table: plain byte arithmetic
  // the compiler vectorises, the same on every machine.
  const int width = config.width;
  const int height = config.height;
  constexpr int kNoisePeriod = 4096;
  std::vector<std::uint8_t> noise(static_cast<std::size_t>(kNoisePeriod) + width);
  const std::uint32_t seed = static_cast<std::uint32_t>(config.seed ^ (config.seed >> 32));
  for (std::size_t k = 0; k < noise.size(); ++k) {
    std::uint32_t h = static_cast<std::uint32_t>(k) * 73856093u ^
                      static_cast<std::uint32_t>(index) * 83492791u ^ seed;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    noise[k] = static_cast<std::uint8_t>(h & 31u);
  }
  const int square = std::max(1, width / 8);
  const int square_x = (index * 7) % std::max(1, width - square + 1);
  std::vector<std::uint8_t> plain(width), lit(width);
  for (int x = 0; x < width; ++x) {
    plain[x] = static_cast<std::uint8_t>((x * 120) / width);
    lit[x] =
        static_cast<std::uint8_t>(plain[x] + (x >= square_x && x < square_x + square ? 60 : 0));
  }
  for (int y = 0; y < height; ++y) {
    std::uint8_t* row = pixels + static_cast<std::size_t>(y) * width;
    const bool square_row = y >= height / 3 && y < height / 3 + square;
    const std::uint8_t* scene = square_row ? lit.data() : plain.data();
    const std::uint8_t* row_noise = noise.data() + (y * 131) % kNoisePeriod;
    const int vertical = (y * 40) / height;
    for (int x = 0; x < width; ++x)
      row[x] = static_cast<std::uint8_t>(scene[x] + vertical + row_noise[x]);
  }
}

void run_app_slow(const AppConfig& config, float* out_frames, double* out_means,
                  AppProfile* profile) {
  check_outputs(config, out_frames, out_means, "run_app_slow");
  const std::size_t pixels = static_cast<std::size_t>(config.width) * config.height;
  std::vector<std::uint8_t> raw(pixels);
  std::vector<float> input(pixels);
  course::DeviceArray<float> device_in(pixels), device_out(pixels);
  const dim3 block(kBlockX, kBlockY);
  const dim3 grid((config.height + kBlockX - 1) / kBlockX, (config.width + kBlockY - 1) / kBlockY);

  AppProfile times;
  const auto start = std::chrono::steady_clock::now();
  auto mark = start;
  for (int frame = 0; frame < config.frames; ++frame) {
    camera_frame(config, frame, raw.data());
    times.camera_ms += milliseconds_since(mark);

    for (std::size_t i = 0; i < pixels; ++i)
      input[i] = raw[i] * (1.0f / 255.0f);
    times.convert_ms += milliseconds_since(mark);

    COURSE_CUDA_CHECK(
        cudaMemcpy(device_in.data(), input.data(), pixels * sizeof(float), cudaMemcpyHostToDevice));
    times.upload_ms += milliseconds_since(mark);

    sharpen_by_columns<<<grid, block>>>(device_in.data(), device_out.data(), config.width,
                                        config.height);
    COURSE_CHECK_LAUNCH();
    COURSE_CUDA_CHECK(cudaDeviceSynchronize());
    times.kernel_ms += milliseconds_since(mark);

    float* frame_out = out_frames + static_cast<std::size_t>(frame) * pixels;
    COURSE_CUDA_CHECK(
        cudaMemcpy(frame_out, device_out.data(), pixels * sizeof(float), cudaMemcpyDeviceToHost));
    times.download_ms += milliseconds_since(mark);

    double sum = 0.0;
    for (std::size_t i = 0; i < pixels; ++i)
      sum += frame_out[i];
    out_means[frame] = sum / static_cast<double>(pixels);
    times.mean_ms += milliseconds_since(mark);
  }
  times.total_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (profile != nullptr)
    *profile = times;
}

void run_app_fast(const AppConfig& config, float* out_frames, double* out_means) {
  // TODO(5.4): profile run_app_slow first (its AppProfile says where the time goes), then fix
  // what dominates, one step at a time, measuring after each. Keep the results identical:
  // every frame's pixels in out_frames (that is the application's output: it must come back to
  // the host) and every mean in out_means. camera_frame is called once per frame, in order.
  (void)config, (void)out_frames, (void)out_means;
  COURSE_TODO("5.4", "run_app_fast: the same results, end to end much faster");
}

double app_speedup_bound(const AppProfile& profile) {
  // TODO(5.4): check the profile (camera_ms > 0, total_ms >= camera_ms), then return the Amdahl
  // bound when everything but the camera takes no time at all.
  (void)profile;
  COURSE_TODO("5.4", "app_speedup_bound: the Amdahl bound set by the camera");
}

}  // namespace chapter5
