// Grader for 2.3: the Mandelbrot kernel, against a CPU reference of the grader's own (the rule of
// chapter2.hpp followed in double precision, in another form than the exercise's float code), and
// its speed-up over that reference on one CPU core.
//
// Why not every pixel exactly: the exercise iterates in float, and the GPU compiler fuses a * b + c
// into one FMA instruction (one rounding instead of two). Near the set's boundary the orbit of z
// is chaotic, so a last-bit difference can change a pixel's count, by one or by hundreds; double
// precision follows the true orbit further than float can. Simulated on the CPU at 200 x 150,
// 256 x 256 and 640 x 480 (and 2048 x 2048 for the default view), a float version of the rule
// (without FMA, and taking at each pixel the worst of the FMA placements nvcc may choose) differs
// from this reference at 0.15 to 0.23% of the pixels of the default view and 2.0 to 2.7% of the
// zoomed one, with a mean difference of at most 0.02% and 0.43% of max_iterations.
// The limits below (1% and 5% of the pixels, 1% of max_iterations) leave a margin of about 2 to 4
// and still catch the usual mistakes: pixel corners instead of centres (8 to 11% of the pixels
// differ), counts off by one (29 to 77%), row 0 at the bottom (42% of the zoomed view; the default
// view is symmetric about the real axis).
//
// On the CPU ([2.3][cpu], no GPU needed), the host copy of escape_time: exactly on points whose
// count is known by hand (|c| > 2, c = 2, c = -2, cycles of the set, max_iterations 0 and 1), and
// over the same two views against the same double-precision reference. Points far enough from the
// boundary for a last-bit difference not to change the count must match exactly; "far enough" is
// proved per point with an error bound along the orbit (proven_count below). The others are
// allowed the GPU grader's tolerance, for the same reason: another order of the float operations,
// or an FMA where the host compiler emits one, changes their last bits.
//
// The GPU grader also saves its 640 x 480 images of both views (yours and the reference's) as
// image files to look at: image_files.hpp says where.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "call_checks.hpp"
#include "chapter2.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "image_files.hpp"

namespace {

constexpr std::size_t kGuard = 4096;       // counts after the output that must stay untouched
constexpr std::uint16_t kPoison = 0xFFFF;  // what fill_bytes(0xFF) writes: above any count here

// The count of one point by the rule of chapter2.hpp, in double precision (53 bits against
// float's 24), the real part of z^2 as (x + y)(x - y). Returns as soon as an iterate lies outside
// the circle |z| = 2, or max_iterations.
int double_precision_count(float cr, float ci, int max_iterations) {
  const double c_re = cr;  // c itself is a float: the exercise's input, exactly
  const double c_im = ci;
  double x = 0.0, y = 0.0;
  for (int count = 0; count < max_iterations; ++count) {
    if (x * x + y * y > 4.0)
      return count;
    const double next_x = (x + y) * (x - y) + c_re;
    y = 2.0 * x * y + c_im;
    x = next_x;
  }
  return max_iterations;
}

// The whole image on one CPU core: pixel centres in double, rounded to float, row 0 at the top.
std::vector<std::uint16_t> mandelbrot_reference(int width, int height,
                                                const chapter2::MandelbrotView& view) {
  std::vector<std::uint16_t> counts(static_cast<std::size_t>(width) * height);
  for (int py = 0; py < height; ++py) {
    const double y = view.y_max - (py + 0.5) * (view.y_max - view.y_min) / height;
    for (int px = 0; px < width; ++px) {
      const double x = view.x_min + (px + 0.5) * (view.x_max - view.x_min) / width;
      counts[static_cast<std::size_t>(py) * width + px] =
          static_cast<std::uint16_t>(double_precision_count(
              static_cast<float>(x), static_cast<float>(y), view.max_iterations));
    }
  }
  return counts;
}

struct ViewCase {
  const char* name;
  chapter2::MandelbrotView view;
  double allowed_fraction;  // of the pixels that may differ from the reference
  const char* picture;      // the name of its image files
};

// The default view, and a zoom into the "seahorse valley" between the main cardioid and the
// period-2 bulb, around -0.75 + 0.1i: 71% of its pixels are in the set (1000 iterations each), and
// it is not symmetric about the real axis, so an image upside down shows.
const ViewCase kDefaultView{"the default view", chapter2::MandelbrotView{}, 0.01,
                            "mandelbrot-default"};
const ViewCase kZoomedView{"the view zoomed on -0.75 + 0.1i",
                           chapter2::MandelbrotView{-0.80, -0.70, 0.05, 0.15, 1000}, 0.05,
                           "mandelbrot-zoom"};

// Saves counts as a gray picture: the set black, the rest brighter the later it escapes (on a
// logarithmic scale: most points escape within a few iterations).
void save_counts(const std::string& name, const std::vector<std::uint16_t>& counts, int width,
                 int height, int max_iterations) {
  std::vector<std::uint8_t> gray(static_cast<std::size_t>(width) * height);
  for (std::size_t i = 0; i < gray.size(); ++i) {
    const int count = counts[i];
    gray[i] =
        count >= max_iterations
            ? 0
            : static_cast<std::uint8_t>(255.0 * std::log1p(count) / std::log1p(max_iterations));
  }
  chapter2_grading::save_pgm(name, width, height, gray.data());
}

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

TEST_CASE("2.3 mandelbrot matches the reference in two views", "[2.3][correctness]") {
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
      const std::vector<std::uint16_t> host_counts = counts.to_host();
      if (width == 640) {  // before the checks: a failing kernel's picture is there to look at
        save_counts(view_case.picture, host_counts, width, height, view_case.view.max_iterations);
        save_counts(std::string(view_case.picture) + "-expected", expected, width, height,
                    view_case.view.max_iterations);
      }
      check_counts(host_counts, expected, width, height, view_case);
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
  // A negative size is an error even when the other one is 0: -1 x 0 is not an empty image.
  const std::pair<int, int> negative_sizes[] = {{-1, 4}, {4, -1}, {-1, 0}, {0, -1}};
  for (const auto& size : negative_sizes) {
    INFO("mandelbrot of a " << size.first << " x " << size.second
                            << " image must throw std::invalid_argument (a negative size is an "
                               "error, even when the other one is 0)");
    REQUIRE_THROWS_AS(chapter2::mandelbrot(counts.data(), size.first, size.second, {}),
                      std::invalid_argument);
  }
}

TEST_CASE("2.3 mandelbrot: max_iterations 0 is valid; outside [0, 65535] is rejected",
          "[2.3][correctness]") {
  COURSE_REQUIRE_GPU();
  const int width = 3, height = 2;
  const std::size_t pixels = static_cast<std::size_t>(width) * height;
  course::DeviceArray<std::uint16_t> counts(pixels + kGuard);
  counts.fill_bytes(0xFF);
  chapter2::MandelbrotView view;
  view.max_iterations = 0;
  {
    INFO("mandelbrot of a 3 x 2 image with max_iterations = 0 must not throw");
    REQUIRE_NOTHROW(chapter2::mandelbrot(counts.data(), width, height, view));
  }
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  const std::vector<std::uint16_t> host_counts = counts.to_host();
  std::size_t not_zero = 0;
  for (std::size_t i = 0; i < pixels; ++i)
    not_zero += host_counts[i] == 0 ? 0 : 1;
  {
    INFO("mandelbrot with max_iterations = 0: " << not_zero << " of " << pixels
                                                << " counts are not 0 (no iteration is done)");
    REQUIRE(not_zero == 0);
  }
  // Arguments are checked before anything else: a bad max_iterations throws for an empty image
  // too, as a negative size does.
  for (const int bad : {-1, 65536}) {
    view.max_iterations = bad;
    for (const auto& size : {std::pair<int, int>{width, height}, std::pair<int, int>{0, 0}}) {
      INFO("mandelbrot of a " << size.first << " x " << size.second
                              << " image with max_iterations = " << bad
                              << " must throw std::invalid_argument (the counts are 16-bit: "
                              << "0 to 65535), also for an empty image");
      REQUIRE_THROWS_AS(chapter2::mandelbrot(counts.data(), size.first, size.second, view),
                        std::invalid_argument);
    }
  }
}

TEST_CASE("2.3 mandelbrot beats one CPU core by far", "[2.3][speed]") {
  COURSE_REQUIRE_GPU();
  const int side = 2048;
  const chapter2::MandelbrotView view{};  // the default view, 256 iterations
  const std::size_t pixels = static_cast<std::size_t>(side) * side;
  course::DeviceArray<std::uint16_t> counts(pixels + kGuard);
  counts.fill_bytes(0xFF);
  const course::Timing gpu = course::grading::time_student(
      "2.3 mandelbrot", [&] { chapter2::mandelbrot(counts.data(), side, side, view); }, {3, 20});

  // The same image on one CPU core, timed in this run.
  std::vector<std::uint16_t> expected;
  const course::Timing cpu =
      course::time_cpu([&] { expected = mandelbrot_reference(side, side, view); }, {1, 3});
  {
    INFO("mandelbrot of the default view at " << side << " x " << side << " (the timed image)");
    check_counts(counts.to_host(), expected, side, side, kDefaultView);
  }

  // Once more in the same buffer, poisoned, with one iteration fewer: an image kept from an
  // earlier call (memoised on the pointer, or computed once in a warm-up) still holds counts of
  // 256. The reference for 255 iterations is the one above, clamped: the first 255 steps of every
  // orbit are the same.
  {
    chapter2::MandelbrotView fewer = view;
    fewer.max_iterations = view.max_iterations - 1;
    course::grading::FreshCall fresh;
    fresh.new_inputs = [] {};
    fresh.poison_outputs = [&] { counts.fill_bytes(0xFF); };
    fresh.call = [&] { chapter2::mandelbrot(counts.data(), side, side, fewer); };
    fresh.mismatch = [&]() -> std::string {
      const std::vector<std::uint16_t> got = counts.to_host();
      std::size_t differing = 0, above = 0;
      for (std::size_t i = 0; i < pixels; ++i) {
        const std::uint16_t want = std::min<std::uint16_t>(expected[i], fewer.max_iterations);
        differing += got[i] != want ? 1 : 0;
        above += got[i] > fewer.max_iterations ? 1 : 0;
      }
      if (above == 0 && differing <= static_cast<std::size_t>(kDefaultView.allowed_fraction *
                                                              static_cast<double>(pixels)))
        return std::string();
      return std::to_string(differing) + " of " + std::to_string(pixels) + " pixels differ, " +
             std::to_string(above) +
             " hold a count above max_iterations = " + std::to_string(fewer.max_iterations);
    };
    fresh.own_kernels_only = true;
    fresh.context = std::to_string(side) + " x " + std::to_string(side) + ", " +
                    std::to_string(fewer.max_iterations) + " iterations";
    course::grading::require_fresh_result("2.3 mandelbrot", fresh);
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

// ---- On the CPU: the host copy of escape_time --------------------------------------------------

namespace {

// The count of c that every float evaluation of the rule must give, whatever the order of its
// operations and with or without FMAs; -1 when rounding could change it. Follows the orbit in
// double together with a bound e_n on how far a float orbit can be from it: one step turns an
// error e into at most e (2 |z| + e), plus the rounding of the step itself, a few float ulps of
// |z|^2 + |c| (counted generously here as 8 ulps). The count is certain when, at every check,
// |z_n| +- e_n lies entirely inside or entirely outside the circle |z| = 2. This holds for about
// 97% of the default view and 86% of the zoomed one at 200 x 150: the points of the set inside its
// smooth parts, where the orbit is drawn to a cycle and errors shrink, and the points that escape
// early, but no point whose orbit is chaotic or passes close to the circle.
int proven_count(float cr, float ci, int max_iterations) {
  const double ulp = 1.0 / (1 << 23);  // 2 float ulps at 1
  const double c_modulus = std::hypot(double(cr), double(ci));
  double zr = 0.0, zi = 0.0, error = 0.0;
  for (int n = 0;; ++n) {
    const double modulus = std::hypot(zr, zi);
    const double largest = (modulus + error) * (modulus + error) * (1 + 4 * ulp);
    const double smallest =
        modulus > error ? (modulus - error) * (modulus - error) * (1 - 4 * ulp) : 0.0;
    if (smallest > 4.0)
      return n;  // escaped, whatever the rounding
    if (largest > 4.0)
      return -1;  // too close to the circle to tell
    if (n == max_iterations)
      return n;
    const double next_zi = 2.0 * zr * zi + ci;
    const double next_zr = zr * zr - zi * zi + cr;
    error = error * (2.0 * modulus + error) +
            4.0 * ulp * ((modulus + error) * (modulus + error) + c_modulus);
    zr = next_zr;
    zi = next_zi;
    if (error > 1e-2)
      return -1;  // the orbit is chaotic here: its errors grow without bound
  }
}

}  // namespace

TEST_CASE("2.3 escape_time on points whose count is known exactly", "[2.3][cpu]") {
  struct Point {
    float cr, ci;
    int max_iterations;
    int expected;
    const char* why;
  };
  const Point points[] = {
      {3.0f, 0.0f, 256, 1,
       "|c| = 3 > 2: z_0 = 0 does not escape, z_1 = c does, so the count is 1 (|z|^2 > 4 is "
       "checked before each iteration)"},
      {0.0f, -2.5f, 256, 1, "|c| = 2.5 > 2: the count is 1"},
      {-1.5f, 1.5f, 256, 1, "|c|^2 = 4.5 > 4: the count is 1"},
      {1.0f, 1.0f, 256, 2, "z = 0, 1 + i, 1 + 3i: z_2 is the first with |z|^2 > 4"},
      {1.0f, 0.0f, 256, 3, "z = 0, 1, 2, 5: z_3 is the first with |z|^2 > 4"},
      {2.0f, 0.0f, 256, 2, "z = 0, 2, 6: |z_1|^2 = 4 is not > 4, so z_1 does not escape yet"},
      {0.0f, 2.0f, 256, 2, "z = 0, 2i, -4 + 2i: |z_1|^2 = 4 is not > 4"},
      {-2.0f, 0.0f, 256, 256,
       "c = -2 is in the set: z = 0, -2, 2, 2, ... reaches |z|^2 = 4 but never more"},
      {0.0f, 0.0f, 256, 256, "c = 0 is in the set: z stays 0"},
      {-1.0f, 0.0f, 1000, 1000, "c = -1 is in the set: z = 0, -1, 0, -1, ..."},
      {0.0f, 1.0f, 100, 100,
       "c = i is in the set: z = 0, i, -1 + i, -i, -1 + i, -i, ... (both new parts come from the "
       "old zr and zi)"},
      {-1.0f, 0.0f, 65535, 65535, "the largest max_iterations a 16-bit count holds"},
      {3.0f, 0.0f, 0, 0, "max_iterations = 0: no iteration is done"},
      {0.0f, 0.0f, 0, 0, "max_iterations = 0: no iteration is done"},
      {0.0f, 0.0f, 1, 1, "max_iterations = 1: the count stops at 1"},
  };
  for (const Point& point : points) {
    const int got = chapter2::escape_time(point.cr, point.ci, point.max_iterations);
    INFO("escape_time(" << point.cr << ", " << point.ci << ", " << point.max_iterations
                        << ") = " << got << ", expected " << point.expected << ": " << point.why);
    REQUIRE(got == point.expected);
  }
}

TEST_CASE("2.3 escape_time matches the reference over both views", "[2.3][cpu]") {
  const int width = 200, height = 150;
  for (const ViewCase& view_case : {kDefaultView, kZoomedView}) {
    const chapter2::MandelbrotView& view = view_case.view;
    const int max_iterations = view.max_iterations;
    INFO("escape_time at the centres of the " << width << " x " << height << " pixels of "
                                              << view_case.name << " (" << describe(view) << ")");
    std::size_t certain = 0, certain_differ = 0, differ = 0, out_of_range = 0;
    double total_difference = 0;
    std::ostringstream first_certain, first_out;
    first_certain.precision(9);
    first_out.precision(9);
    for (int py = 0; py < height; ++py) {
      const auto ci =
          static_cast<float>(view.y_max - (py + 0.5) * (view.y_max - view.y_min) / height);
      for (int px = 0; px < width; ++px) {
        const auto cr =
            static_cast<float>(view.x_min + (px + 0.5) * (view.x_max - view.x_min) / width);
        const int expected = double_precision_count(cr, ci, max_iterations);
        const int got = chapter2::escape_time(cr, ci, max_iterations);
        if ((got < 0 || got > max_iterations) && out_of_range++ == 0)
          first_out << "escape_time(" << cr << ", " << ci << ", " << max_iterations
                    << ") = " << got;
        if (got != expected) {
          ++differ;
          total_difference += std::abs(got - expected);
        }
        const int certain_count = proven_count(cr, ci, max_iterations);
        if (certain_count >= 0) {
          ++certain;
          if (got != certain_count && certain_differ++ == 0) {
            first_certain << "escape_time(" << cr << ", " << ci << ", " << max_iterations
                          << ") = " << got << ", expected " << certain_count;
          }
        }
      }
    }
    const std::size_t points = static_cast<std::size_t>(width) * height;
    {
      INFO(out_of_range << " of " << points << " counts are outside [0, max_iterations], first "
                        << first_out.str());
      REQUIRE(out_of_range == 0);
    }
    {
      INFO(first_certain.str()
           << ", at a point far enough from the set's boundary for rounding not to matter (any "
           << "float evaluation of the rule gives that count); " << certain_differ << " of the "
           << certain << " such points differ. Check the count (a point with |c| > 2 gives 1) "
           << "and that both new parts of z come from the old zr and zi");
      REQUIRE(certain_differ == 0);
    }
    {
      INFO(differ << " of " << points << " points differ from the reference; at most "
                  << 100 * view_case.allowed_fraction << "% may (near the boundary, another float "
                  << "rounding can change a count)");
      REQUIRE(differ <= static_cast<std::size_t>(view_case.allowed_fraction * points));
    }
    const double mean_difference = total_difference / points;
    INFO("the counts differ from the reference by "
         << mean_difference << " on average; the "
         << "limit is 1% of max_iterations = " << max_iterations);
    REQUIRE(mean_difference < 0.01 * max_iterations);
  }
}
