// 5.3 — The roofline: what a kernel can reach at most, from its arithmetic intensity and the
// GPU's two roofs.
//
// Idea: a kernel that does F floating-point operations while moving B bytes of DRAM traffic has
// the arithmetic intensity I = F / B. It cannot go faster than the SMs compute (the peak P) nor
// than memory delivers its bytes (the bandwidth W, which allows I x W FLOP/s): attainable =
// min(P, I x W). Below the ridge point I = P / W a kernel is memory-bound, above it
// compute-bound. You measure the two roofs with two small kernels of your own: one that does
// nothing but independent FMAs, one that does nothing but stream bytes.
// Launch shape: both kernels fill the GPU once (blocks per SM from the occupancy API times the
// SMs), 256 threads per block, each thread looping (grid-stride for the copy).
// Changed from 1.1: the roofs are measured, not computed from the datasheet.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "chapter5.hpp"
#include "course/device_info.hpp"
#include "course/error.hpp"
#include "course/memory.hpp"
#include "course/stream.hpp"
#include "course/timer.hpp"

namespace {

constexpr int kThreads = 256;

// Your two kernels go here (TODO(5.3) below says what they do).

unsigned blocks_filling_the_gpu(const void* kernel) {
  int per_sm = 0;
  COURSE_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, 0));
  return static_cast<unsigned>(std::max(1, per_sm) * course::device_info().sm_count);
}

void require_cost(const chapter5::KernelCost& cost, const char* who) {
  if (!std::isfinite(cost.flops) || !std::isfinite(cost.bytes) || cost.flops < 0 ||
      cost.bytes <= 0) {
    throw std::invalid_argument(std::string(who) + ": the cost (" + std::to_string(cost.flops) +
                                " FLOPs, " + std::to_string(cost.bytes) +
                                " bytes) needs finite FLOPs >= 0 and bytes > 0");
  }
}

void require_roof(double intensity, const chapter5::Roof& roof, const char* who) {
  if (!(intensity >= 0) || !std::isfinite(intensity) || !std::isfinite(roof.peak_flops) ||
      !std::isfinite(roof.bandwidth) || roof.peak_flops <= 0 || roof.bandwidth <= 0) {
    throw std::invalid_argument(std::string(who) +
                                ": needs an intensity >= 0 and positive, "
                                "finite roofs (intensity " +
                                std::to_string(intensity) + ", peak " +
                                std::to_string(roof.peak_flops) + ", bandwidth " +
                                std::to_string(roof.bandwidth) + ")");
  }
}

}  // namespace

namespace chapter5 {

KernelCost vector_add_cost(std::size_t n) {
  // TODO(5.3): every cost function counts the FLOPs (an FMA is 2) and the bytes that must
  // cross between DRAM and the SMs at the least. Write down, for one element (one pixel, one
  // output), what is read, what is written and what is computed; then multiply.
  (void)n;
  COURSE_TODO("5.3", "vector_add_cost: FLOPs and bytes of c = a + b");
}

KernelCost saxpy_cost(std::size_t n) {
  (void)n;
  COURSE_TODO("5.3", "saxpy_cost: FLOPs and bytes of y = a x + y");
}

KernelCost mandelbrot_cost(std::size_t pixels, double iterations) {
  (void)pixels, (void)iterations;
  COURSE_TODO("5.3", "mandelbrot_cost: FLOPs and bytes of the image");
}

KernelCost transpose_cost(std::size_t rows, std::size_t cols) {
  (void)rows, (void)cols;
  COURSE_TODO("5.3", "transpose_cost: FLOPs and bytes of a transpose");
}

KernelCost sum_cost(std::size_t n) {
  (void)n;
  COURSE_TODO("5.3", "sum_cost: FLOPs and bytes of a sum");
}

KernelCost sgemm_cost(std::size_t n) {
  (void)n;
  COURSE_TODO("5.3", "sgemm_cost: FLOPs and the least DRAM traffic of C = A B");
}

KernelCost sgemm_tiled_traffic(std::size_t n, std::size_t tile) {
  (void)n, (void)tile;
  COURSE_TODO("5.3", "sgemm_tiled_traffic: global loads of a tiled SGEMM");
}

double arithmetic_intensity(const KernelCost& cost) {
  (void)cost;
  COURSE_TODO("5.3", "arithmetic_intensity: FLOPs per byte");
}

double attainable_flops(double intensity, const Roof& roof) {
  (void)intensity, (void)roof;
  COURSE_TODO("5.3", "attainable_flops: the roofline");
}

Bound bound_of(double intensity, const Roof& roof) {
  (void)intensity, (void)roof;
  COURSE_TODO("5.3", "bound_of: memory- or compute-bound");
}

double measure_peak_flops() {
  // TODO(5.3): a kernel of your own that does nothing but independent FMAs (several chains per
  // thread, so that one FMA's latency never stalls a warp), on enough blocks to fill the GPU
  // (blocks_filling_the_gpu), each thread running long loops; time it with course::time_gpu
  // (warm-up, median) and divide the FLOPs it did by the time.
  COURSE_TODO("5.3", "measure_peak_flops: time an FMA-only kernel and count its FLOPs");
}

double measure_bandwidth() {
  // TODO(5.3): a streaming kernel of your own (a copy, with 16-byte loads and a grid-stride
  // loop) over arrays far larger than the L2 cache (hundreds of MiB); time it with
  // course::time_gpu and count every byte read and every byte written.
  COURSE_TODO("5.3", "measure_bandwidth: time a streaming kernel and count its bytes");
}

}  // namespace chapter5
