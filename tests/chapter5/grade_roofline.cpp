// Grader for 5.3: the roofline. On the CPU: every cost function, the intensity, the roofline and
// the bound against values worked out by hand. On the GPU: your two roofs against the grader's own
// measurements, then the course's operations (the vector add, SAXPY, the transpose, the sum and an
// SGEMM, done by Thrust, CUB and cuBLAS: roofline_kernels.cu) measured on this GPU and placed on
// your roofline: none may be above it, and those you call memory-bound must come close to it. The
// points are written to ch5.3-gpu-roofline.json beside the scoreboard's notes: `./course roofline`
// draws them (SVG).
//
// Tolerances. Your peak and bandwidth must reach 85% of the grader's own measurement of the same
// thing in the same run (an FMA-only kernel, a device-to-device copy). Your peak must stay below
// 1.3x the grader's FMA kernel (the datasheet, from the rated boost clock, is no bound: GeForce
// cards run above it); your bandwidth below the datasheet figure (2% over, for rounding). A kernel
// may sit up to 25% above your roof before the grader calls your model wrong (the roofs and the
// kernels are measured minutes apart, and a copy is not the very fastest way to stream bytes), and
// a kernel you call memory-bound must reach 40% of what your roofline allows: the course's
// streaming kernels reach 80% and more. A model off by a factor of 4 (FLOPs per float instead of
// per byte) or 2 (an FMA counted once) lands far outside.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "chapter5.hpp"
#include "course/course.hpp"
#include "gpu_requirements.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"
#include "published_peaks.hpp"
#include "roofline_kernels.hpp"

namespace {

// Your measured FP32 peak against the grader's own FMA kernel (roofline_kernels.cu) in the same
// run. Measured on 2026-11-22 (docs/results/chapter5-h100.md): the reference 61.1 TFLOP/s, the
// grader's kernel 55.9 (1.09x) on an H100 and an H200. At most 1.3x: room for a kernel better
// than the grader's, while an FMA counted twice (2.2x) fails; at least 85%: an FMA counted as
// one FLOP (0.55x) fails.
constexpr double kPeakBelowGraderAtLeast = course::grading::kPeakBelowGraderAtLeast_5_3;
constexpr double kPeakAboveGraderAtMost = course::grading::kPeakAboveGraderAtMost_5_3;

bool close(double yours, double expected) {
  return std::isfinite(yours) && std::fabs(yours - expected) <= 1e-9 * std::fabs(expected) + 1e-12;
}

void require_cost(const std::string& call, const chapter5::KernelCost& yours, double flops,
                  double bytes) {
  course::grading::require_that(
      close(yours.flops, flops) && close(yours.bytes, bytes),
      "5.3 " + call + ": yours " + course::grading::format_number(yours.flops) + " FLOPs and " +
          course::grading::format_number(yours.bytes) + " bytes, expected " +
          course::grading::format_number(flops) + " FLOPs and " +
          course::grading::format_number(bytes) +
          " bytes (an FMA is 2 FLOPs; bytes are what crosses between DRAM and the SMs at the "
          "least: every input read once, every output written once)");
}

void require_value(const std::string& call, double yours, double expected, const char* unit) {
  course::grading::require_that(close(yours, expected),
                                "5.3 " + call + ": yours " + course::grading::format_number(yours) +
                                    ", expected " + course::grading::format_number(expected) + " " +
                                    unit);
}

template <typename Call>
void require_invalid(const std::string& call, Call&& function) {
  bool threw = false;
  try {
    (void)function();
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  course::grading::require_that(threw, "5.3 " + call + " must throw std::invalid_argument");
}

const char* bound_name(chapter5::Bound bound) {
  return bound == chapter5::Bound::memory ? "memory" : "compute";
}

chapter5::KernelCost student_cost(const roofline_probe::Measured& kernel) {
  if (kernel.cost.rfind("vector_add_cost", 0) == 0)
    return chapter5::vector_add_cost(kernel.size);
  if (kernel.cost.rfind("saxpy_cost", 0) == 0)
    return chapter5::saxpy_cost(kernel.size);
  if (kernel.cost.rfind("transpose_cost", 0) == 0)
    return chapter5::transpose_cost(kernel.size, kernel.size2);
  if (kernel.cost.rfind("sum_cost", 0) == 0)
    return chapter5::sum_cost(kernel.size);
  return chapter5::sgemm_cost(kernel.size);
}

// Beside this test's note file ($COURSE_NOTE_FILE, e.g. course-notes/ch5.3-gpu.txt ->
// course-notes/ch5.3-gpu-roofline.json: the self-test's known-wrong variants have notes of their
// own, so they never overwrite it), or roofline-5.3.json in the working directory.
std::string json_path() {
  const char* note = std::getenv("COURSE_NOTE_FILE");
  if (note == nullptr || *note == '\0')
    return "roofline-5.3.json";
  std::string path = note;
  const std::size_t slash = path.find_last_of('/');
  const std::size_t dot = path.find_last_of('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
    path.resize(dot);
  return path + "-roofline.json";
}

std::string quoted(const std::string& text) {
  std::string result = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\')
      result += '\\';
    if (static_cast<unsigned char>(c) >= 0x20)
      result += c;
  }
  return result + "\"";
}

}  // namespace

TEST_CASE("5.3 costs, intensities, the roofline and the bound", "[5.3][cpu]") {
  require_cost("vector_add_cost(1000)", chapter5::vector_add_cost(1000), 1000, 12000);
  require_cost("saxpy_cost(1000)", chapter5::saxpy_cost(1000), 2000, 12000);
  require_cost("mandelbrot_cost(100 pixels, 5000 iterations)", chapter5::mandelbrot_cost(100, 5000),
               40000, 200);
  require_cost("transpose_cost(3, 5)", chapter5::transpose_cost(3, 5), 0, 120);
  require_cost("sum_cost(1000)", chapter5::sum_cost(1000), 1000, 4004);
  const double n = 64;
  require_cost("sgemm_cost(64)", chapter5::sgemm_cost(64), 2 * n * n * n, 12 * n * n);
  require_cost("sgemm_tiled_traffic(64, 1)", chapter5::sgemm_tiled_traffic(64, 1), 2 * n * n * n,
               8 * n * n * n + 4 * n * n);
  require_cost("sgemm_tiled_traffic(64, 16)", chapter5::sgemm_tiled_traffic(64, 16), 2 * n * n * n,
               8 * n * n * n / 16 + 4 * n * n);
  require_invalid("sgemm_tiled_traffic(64, 0)",
                  [] { return chapter5::sgemm_tiled_traffic(64, 0); });
  require_invalid("sgemm_tiled_traffic(64, 5)",
                  [] { return chapter5::sgemm_tiled_traffic(64, 5); });

  require_value("arithmetic_intensity(vector_add_cost(1000))",
                chapter5::arithmetic_intensity(chapter5::vector_add_cost(1000)), 1.0 / 12,
                "FLOPs per byte");
  require_value("arithmetic_intensity(saxpy_cost(1000))",
                chapter5::arithmetic_intensity(chapter5::saxpy_cost(1000)), 1.0 / 6,
                "FLOPs per byte");
  require_value("arithmetic_intensity(sgemm_cost(1024))",
                chapter5::arithmetic_intensity(chapter5::sgemm_cost(1024)), 2.0 * 1024 / 12,
                "FLOPs per byte");
  require_value("arithmetic_intensity({3 FLOPs, 12 bytes})",
                chapter5::arithmetic_intensity({3, 12}), 0.25, "FLOPs per byte");
  require_invalid("arithmetic_intensity({1 FLOP, 0 bytes})", [] {
    return chapter5::arithmetic_intensity({1, 0});
  });
  require_invalid("arithmetic_intensity({-1 FLOPs, 4 bytes})", [] {
    return chapter5::arithmetic_intensity({-1, 4});
  });
  require_invalid("arithmetic_intensity({NaN FLOPs, 4 bytes})", [] {
    return chapter5::arithmetic_intensity({std::numeric_limits<double>::quiet_NaN(), 4});
  });

  const chapter5::Roof roof{60e12, 3e12};  // ridge point: 20 FLOPs per byte
  require_value("attainable_flops(1/12, {60 TFLOP/s, 3 TB/s})",
                chapter5::attainable_flops(1.0 / 12, roof), 0.25e12, "FLOP/s");
  require_value("attainable_flops(100, {60 TFLOP/s, 3 TB/s})",
                chapter5::attainable_flops(100, roof), 60e12, "FLOP/s");
  require_value("attainable_flops(20, {60 TFLOP/s, 3 TB/s})", chapter5::attainable_flops(20, roof),
                60e12, "FLOP/s");
  require_value("attainable_flops(0, {60 TFLOP/s, 3 TB/s})", chapter5::attainable_flops(0, roof), 0,
                "FLOP/s");
  const struct {
    double intensity;
    chapter5::Bound bound;
  } bounds[] = {{1.0 / 12, chapter5::Bound::memory},
                {19.99, chapter5::Bound::memory},
                {20, chapter5::Bound::compute},
                {100, chapter5::Bound::compute}};
  for (const auto& expected : bounds) {
    const chapter5::Bound bound = chapter5::bound_of(expected.intensity, roof);
    course::grading::require_that(
        bound == expected.bound,
        "5.3 bound_of(" + course::grading::format_number(expected.intensity) +
            ", {60 TFLOP/s, 3 TB/s}): yours " + bound_name(bound) + "-bound, expected " +
            bound_name(expected.bound) + "-bound (the ridge point is 20 FLOPs per byte)");
  }
  require_invalid("attainable_flops(-1, {60 TFLOP/s, 3 TB/s})",
                  [&] { return chapter5::attainable_flops(-1, roof); });
  require_invalid("attainable_flops(1, {0, 3 TB/s})", [] {
    return chapter5::attainable_flops(1, {0, 3e12});
  });
  require_invalid("bound_of(1, {60 TFLOP/s, NaN})", [] {
    return chapter5::bound_of(1, {60e12, std::numeric_limits<double>::quiet_NaN()});
  });
}

TEST_CASE("5.3 your roofs, and the course's kernels on your roofline", "[5.3][gpu]") {
  COURSE_REQUIRE_GPU();
  const course::DeviceInfo& info = course::device_info();
  INFO(course::describe(info));
  const bool timed = !course::grading::under_sanitizer();
  if (!timed)
    course::grading::note_not_run("5.3 roofs and kernels: not compared under compute-sanitizer");

  // Everything is measured and written down first (the plot helps most when a check fails), then
  // checked.
  // The datasheet's figures (0 for an architecture the graders' table does not have): published
  // data, not a formula, since computing them is exercise 1.1.
  const course::grading::PublishedPeaks published = course::grading::published_peaks(info);
  const double theoretical_peak = published.fp32_flops;
  const double theoretical_bandwidth = published.bandwidth;
  const double peak = chapter5::measure_peak_flops();
  const double grader_peak = roofline_probe::grader_peak_flops();
  const double bandwidth = chapter5::measure_bandwidth();
  const double copy = course::measured_copy_bandwidth();
  const chapter5::Roof roof{peak, bandwidth};
  std::cout << "COURSE-FIGURE: 5.3 roofs: " << peak / 1e12 << " TFLOP/s, "
            << course::grading::format_rate(bandwidth) << ", ridge point " << peak / bandwidth
            << " FLOPs per byte" << std::endl;

  struct Point {
    roofline_probe::Measured kernel;
    chapter5::KernelCost cost;
    double intensity, attainable, achieved_flops, achieved_bandwidth;
    chapter5::Bound bound;
  };
  std::vector<Point> points;
  for (const roofline_probe::Measured& kernel : roofline_probe::measure_course_kernels()) {
    Point point{kernel, student_cost(kernel), 0, 0, 0, 0, chapter5::Bound::memory};
    point.intensity = chapter5::arithmetic_intensity(point.cost);
    point.attainable = chapter5::attainable_flops(point.intensity, roof);
    point.bound = chapter5::bound_of(point.intensity, roof);
    point.achieved_flops = point.cost.flops / kernel.seconds;
    point.achieved_bandwidth = point.cost.bytes / kernel.seconds;
    points.push_back(point);
    std::cout << "COURSE-FIGURE: 5.3 " << kernel.name << ": intensity " << point.intensity
              << " FLOP/B, " << point.achieved_flops / 1e12 << " TFLOP/s of "
              << point.attainable / 1e12 << " attainable, "
              << course::grading::format_rate(point.achieved_bandwidth) << ", "
              << bound_name(point.bound) << "-bound, " << kernel.seconds * 1e3 << " ms"
              << std::endl;
  }

  std::ostringstream json;
  json.precision(6);
  json << "{\n  \"exercise\": \"5.3\",\n  \"gpu\": " << quoted(info.name)
       << ",\n  \"peak_flops\": " << peak << ",\n  \"bandwidth\": " << bandwidth
       << ",\n  \"grader_peak_flops\": " << grader_peak << ",\n  \"copy_bandwidth\": " << copy
       << ",\n  \"theoretical_peak_flops\": " << theoretical_peak
       << ",\n  \"theoretical_bandwidth\": " << theoretical_bandwidth << ",\n  \"kernels\": [";
  for (std::size_t k = 0; k < points.size(); ++k) {
    const Point& point = points[k];
    json << (k ? "," : "") << "\n    {\"name\": " << quoted(point.kernel.name)
         << ", \"cost\": " << quoted(point.kernel.cost) << ", \"flops\": " << point.cost.flops
         << ", \"bytes\": " << point.cost.bytes << ", \"seconds\": " << point.kernel.seconds
         << ", \"intensity\": " << point.intensity
         << ", \"flops_per_second\": " << point.achieved_flops
         << ", \"bytes_per_second\": " << point.achieved_bandwidth
         << ", \"attainable_flops\": " << point.attainable << ", \"bound\": \""
         << bound_name(point.bound) << "\"}";
  }
  json << "\n  ]\n}\n";
  const std::string path = json_path();
  std::ofstream(path) << json.str();
  std::cout << "COURSE-FIGURE: 5.3 roofline data written to " << path
            << " (./course roofline draws it)" << std::endl;
  if (!timed)
    return;

  {
    std::ostringstream message;
    message.precision(4);
    message << "5.3 measure_peak_flops: yours " << peak / 1e12
            << " TFLOP/s; the grader's FMA kernel " << grader_peak / 1e12
            << " TFLOP/s (the datasheet " << theoretical_peak / 1e12
            << " TFLOP/s at the rated boost clock): required at least "
            << 100 * kPeakBelowGraderAtLeast << "% and at most " << 100 * kPeakAboveGraderAtMost
            << "% of the grader's. Count 2 FLOPs per FMA, give every thread several independent "
               "FMA chains, fill the GPU, and time with events after a warm-up";
    // Bounded above by the grader's kernel, not the datasheet: cudaDevAttrClockRate is the rated
    // boost clock, and a GeForce card often runs above it.
    course::grading::require_that(std::isfinite(peak) &&
                                      peak >= kPeakBelowGraderAtLeast * grader_peak &&
                                      peak <= kPeakAboveGraderAtMost * grader_peak,
                                  message.str());
  }
  {
    std::ostringstream message;
    message.precision(4);
    message << "5.3 measure_bandwidth: yours " << course::grading::format_rate(bandwidth)
            << "; a device-to-device copy " << course::grading::format_rate(copy)
            << ", the datasheet " << course::grading::format_rate(theoretical_bandwidth)
            << ": required at least 85% of the copy and at most the datasheet's. Count every "
               "byte read and every byte written, on arrays far larger than the L2 cache";
    const bool upper = theoretical_bandwidth <= 0 || bandwidth <= 1.02 * theoretical_bandwidth;
    course::grading::require_that(std::isfinite(bandwidth) && bandwidth >= 0.85 * copy && upper,
                                  message.str());
  }
  for (const Point& point : points) {
    std::ostringstream where;
    where.precision(4);
    where << "5.3 " << point.kernel.name << " (" << point.kernel.cost << "): intensity "
          << point.intensity << " FLOPs per byte, measured " << point.achieved_flops / 1e12
          << " TFLOP/s and " << course::grading::format_rate(point.achieved_bandwidth) << " in "
          << point.kernel.seconds * 1e3 << " ms; your roofline allows " << point.attainable / 1e12
          << " TFLOP/s (" << bound_name(point.bound) << "-bound)";
    course::grading::require_that(
        point.achieved_bandwidth <= 1.25 * bandwidth,
        where.str() +
            ": it moves its bytes faster than your bandwidth roof: are its bytes "
            "overcounted, or is your roof too low?");
    if (point.cost.flops > 0) {
      course::grading::require_that(
          point.achieved_flops <= 1.25 * point.attainable,
          where.str() +
              ": it is above your roofline: its intensity is too low (bytes "
              "overcounted?) or your roofs are too low");
    }
    if (point.bound == chapter5::Bound::memory) {
      const double share = point.cost.flops > 0 ? point.achieved_flops / point.attainable
                                                : point.achieved_bandwidth / bandwidth;
      course::grading::require_that(
          share >= 0.4, where.str() + ": you call it memory-bound, yet it reaches only " +
                            course::grading::format_number(100 * share) +
                            "% of what your roofline allows: is its intensity too high (FLOPs "
                            "per element instead of per byte?)");
    }
  }
  std::ostringstream figure;
  figure.precision(3);
  figure << "FIGURE: roofs " << peak / 1e12 << " TFLOP/s and "
         << course::grading::format_rate(bandwidth) << " (ridge " << peak / bandwidth
         << " FLOP/B); " << points.size() << " kernels under the roofline";
  course::grading::note(figure.str());
}
