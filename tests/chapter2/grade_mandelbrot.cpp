// Grader for 2.3: the Mandelbrot kernel, against a float CPU reference written here from the rule
// in chapter2.hpp, and its speed-up over that reference on one CPU core.
//
// Why not every pixel exactly: the GPU compiler fuses a * b + c into one FMA instruction (one
// rounding instead of two). Near the set's boundary the orbit of z is chaotic, so a last-bit
// difference can change a pixel's count, by one or by hundreds. Simulated with the FMA placements
// nvcc may choose, this changes 0.2% of the pixels of the default view and 2.1% of the zoomed one
// at 640 x 480, with a mean difference of 0.01% and 0.23% of max_iterations. The limits below
// leave a margin of 2 to 5 and still catch the usual mistakes: pixel corners instead of centres
// (8 to 11% of the pixels differ), counts off by one (29 to 77%), row 0 at the bottom (42% of the
// zoomed view; the default view is symmetric about the real axis).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "chapter2.hpp"
#include "course/course.hpp"
#include "grading.hpp"

namespace {

constexpr std::size_t kGuard = 4096;       // counts after the output that must stay untouched
constexpr std::uint16_t kPoison = 0xFFFF;  // what fill_bytes(0xFF) writes: above any count here

// The escape time of one point, in float, with no FMA (g++ emits none without -mfma).
int escape_time(float cr, float ci, int max_iterations) {
  float zr = 0.0f, zi = 0.0f;
  int n = 0;
  while (n < max_iterations) {
    const float zr2 = zr * zr, zi2 = zi * zi;
    if (zr2 + zi2 > 4.0f)
      break;
    zi = 2.0f * zr * zi + ci;
    zr = zr2 - zi2 + cr;
    ++n;
  }
  return n;
}

// The whole image on one CPU core: pixel centres in double, rounded to float, row 0 at the top.
std::vector<std::uint16_t> mandelbrot_reference(int width, int height,
                                                const chapter2::MandelbrotView& view) {
  std::vector<std::uint16_t> counts(static_cast<std::size_t>(width) * height);
  for (int py = 0; py < height; ++py) {
    const double y = view.y_max - (py + 0.5) * (view.y_max - view.y_min) / height;
    for (int px = 0; px < width; ++px) {
      const double x = view.x_min + (px + 0.5) * (view.x_max - view.x_min) / width;
      counts[static_cast<std::size_t>(py) * width + px] = static_cast<std::uint16_t>(
          escape_time(static_cast<float>(x), static_cast<float>(y), view.max_iterations));
    }
  }
  return counts;
}

struct ViewCase {
  const char* name;
  chapter2::MandelbrotView view;
  double allowed_fraction;  // of the pixels that may differ from the reference
};

// The default view, and a zoom into the "seahorse valley" between the main cardioid and the
// period-2 bulb, around -0.75 + 0.1i: 71% of its pixels are in the set (1000 iterations each), and
// it is not symmetric about the real axis, so an image upside down shows.
const ViewCase kDefaultView{"the default view", chapter2::MandelbrotView{}, 0.01};
const ViewCase kZoomedView{"the view zoomed on -0.75 + 0.1i",
                           chapter2::MandelbrotView{-0.80, -0.70, 0.05, 0.15, 1000}, 0.05};

std::string describe(const chapter2::MandelbrotView& view) {
  std::ostringstream text;
  text << "x in [" << view.x_min << ", " << view.x_max << "], y in [" << view.y_min << ", "
       << view.y_max << "], max_iterations " << view.max_iterations;
  return text.str();
}

// REQUIREs `counts` (width x height, then the guard) to be fully written, within max_iterations,
// and close enough to the reference: at most `allowed_fraction` of the pixels differ and the mean
// absolute difference is below 1% of max_iterations.
void check_counts(const std::vector<std::uint16_t>& counts,
                  const std::vector<std::uint16_t>& expected, int width, int height,
                  const ViewCase& view_case) {
  const int max_iterations = view_case.view.max_iterations;
  const std::size_t pixels = static_cast<std::size_t>(width) * height;
  std::size_t untouched = 0, too_large = 0, differing = 0, first = pixels;
  double total_difference = 0;
  for (std::size_t i = 0; i < pixels; ++i) {
    untouched += counts[i] == kPoison ? 1 : 0;
    too_large += counts[i] > max_iterations ? 1 : 0;
    if (counts[i] != expected[i]) {
      if (differing++ == 0)
        first = i;
      total_difference += std::abs(int(counts[i]) - int(expected[i]));
    }
  }
  // Each message in its own scope: Catch2 prints every INFO still in scope with a failure.
  {
    INFO("mandelbrot: " << untouched << " of " << pixels << " pixels were never written (they "
                        << "still hold " << kPoison << ", written by the grader before the call)");
    REQUIRE(untouched == 0);
  }
  {
    INFO("mandelbrot: " << too_large << " of " << pixels << " pixels hold a count above "
                        << "max_iterations = " << max_iterations);
    REQUIRE(too_large == 0);
  }
  {
    std::ostringstream text;
    text << "mandelbrot: " << differing << " of " << pixels << " pixels differ";
    if (differing > 0) {
      text << "; first at (" << first % width << ", " << first / width << ") = got "
           << counts[first] << ", expected " << expected[first];
    }
    text << ". At most " << 100 * view_case.allowed_fraction << "% may (near the set's "
         << "boundary, a different float rounding such as an FMA can change a count). Check the "
         << "pixel centres (px + 0.5), row 0 at y_max, and the count: a point with |c| > 2 "
         << "escapes after 1 iteration";
    INFO(text.str());
    REQUIRE(differing <= static_cast<std::size_t>(view_case.allowed_fraction * pixels));
  }
  {
    const double mean_difference = total_difference / pixels;
    std::ostringstream text;
    text << "mandelbrot: the counts differ from the reference by " << mean_difference
         << " on average; the limit is 1% of max_iterations = " << max_iterations;
    INFO(text.str());
    REQUIRE(mean_difference < 0.01 * max_iterations);
  }
  std::size_t overwritten = 0;
  for (std::size_t i = pixels; i < counts.size(); ++i)
    overwritten += counts[i] == kPoison ? 0 : 1;
  std::ostringstream text;
  text << "mandelbrot: the kernel wrote past the end of the output: " << overwritten << " of the "
       << kGuard << " counts after the last pixel were changed (is a bounds check missing?)";
  INFO(text.str());
  REQUIRE(overwritten == 0);
}

}  // namespace

TEST_CASE("2.3 mandelbrot matches the float reference in two views", "[2.3][correctness]") {
  COURSE_REQUIRE_GPU();
  const int sizes[][2] = {{1, 1}, {3, 2}, {256, 256}, {640, 480}};
  for (const ViewCase& view_case : {kDefaultView, kZoomedView}) {
    for (const auto& size : sizes) {
      const int width = size[0], height = size[1];
      INFO("mandelbrot of " << view_case.name << " (" << describe(view_case.view) << ") at "
                            << width << " x " << height);
      const std::size_t pixels = static_cast<std::size_t>(width) * height;
      const std::vector<std::uint16_t> expected =
          mandelbrot_reference(width, height, view_case.view);
      course::DeviceArray<std::uint16_t> counts(pixels + kGuard);
      counts.fill_bytes(0xFF);
      chapter2::mandelbrot(counts.data(), width, height, view_case.view);
      COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here
      check_counts(counts.to_host(), expected, width, height, view_case);
    }
  }
}

TEST_CASE("2.3 mandelbrot: empty images are nothing to do; negative sizes are rejected",
          "[2.3][correctness]") {
  COURSE_REQUIRE_GPU();
  course::DeviceArray<std::uint16_t> counts(kGuard);
  counts.fill_bytes(0xFF);
  const std::pair<int, int> empty_sizes[] = {{0, 0}, {0, 7}, {7, 0}};
  for (const auto& size : empty_sizes) {
    INFO("mandelbrot of an empty " << size.first << " x " << size.second
                                   << " image must do nothing, and not throw");
    REQUIRE_NOTHROW(chapter2::mandelbrot(counts.data(), size.first, size.second, {}));
  }
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  std::size_t written = 0;
  for (const std::uint16_t count : counts.to_host())
    written += count == kPoison ? 0 : 1;
  INFO("mandelbrot wrote " << written << " counts for empty images");
  REQUIRE(written == 0);
  const std::pair<int, int> negative_sizes[] = {{-1, 4}, {4, -1}};
  for (const auto& size : negative_sizes) {
    INFO("mandelbrot of a " << size.first << " x " << size.second
                            << " image must throw std::invalid_argument");
    REQUIRE_THROWS_AS(chapter2::mandelbrot(counts.data(), size.first, size.second, {}),
                      std::invalid_argument);
  }
}

TEST_CASE("2.3 mandelbrot beats one CPU core by far", "[2.3][speed]") {
  COURSE_REQUIRE_GPU();
  const int side = 2048;
  const chapter2::MandelbrotView view{};  // the default view, 256 iterations
  const std::size_t pixels = static_cast<std::size_t>(side) * side;
  course::DeviceArray<std::uint16_t> counts(pixels + kGuard);
  counts.fill_bytes(0xFF);
  const course::Timing gpu =
      course::time_gpu([&] { chapter2::mandelbrot(counts.data(), side, side, view); }, {3, 20});

  // The same image on one CPU core, timed in this run.
  std::vector<std::uint16_t> expected;
  const course::Timing cpu =
      course::time_cpu([&] { expected = mandelbrot_reference(side, side, view); }, {1, 3});
  {
    INFO("mandelbrot of the default view at " << side << " x " << side << " (the timed image)");
    check_counts(counts.to_host(), expected, side, side, kDefaultView);
  }

  double iterations = 0;
  for (const std::uint16_t count : expected)
    iterations += count;
  std::ostringstream figure;
  figure.precision(3);
  figure << "FIGURE: mandelbrot " << side << " x " << side << ", " << view.max_iterations
         << " iterations: " << gpu.median_ms << " ms on the GPU ("
         << iterations / (gpu.median_ms * 1e-3) / 1e9 << " G iterations/s), " << cpu.median_ms
         << " ms on one CPU core";
  course::grading::note(figure.str());

  std::ostringstream what;
  what.precision(3);
  what << "speed-up over one CPU core (" << gpu.median_ms << " ms vs " << cpu.median_ms << " ms)";
  course::grading::require_at_least(
      what.str(), cpu.median_ms / gpu.median_ms, 50.0, "x",
      "one thread per pixel on a 2D grid, all of the work in the kernel (no loop on the host, no "
      "copies); float, not double, for z");
}
