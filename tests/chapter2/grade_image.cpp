// Grader for 2.2: the 2D image kernels, exact on images of every shape. Each output is compared
// byte for byte with an integer CPU reference written here, from the rules in chapter2.hpp.
// On the CPU ([2.2][cpu], no GPU needed): the host copies of gray_value and blur_pixel, against
// the same references. On the GPU: rgb_to_gray and box_blur, and a test picture whose results are
// saved as image files to look at (image_files.hpp says where).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "chapter2.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "image_files.hpp"

namespace {

struct ImageSize {
  int width, height;
};

// Not square on purpose: a kernel that swaps x and y goes wrong on 17 x 33 and 33 x 17. 1920 x 1080
// fills many blocks in both directions. 4097 = 4096 + 1 leaves a last block with one column (or
// row) in it for any power-of-two block side, and 3 is less than any sensible block side.
const ImageSize kSizes[] = {{1, 1}, {17, 33}, {33, 17}, {1920, 1080}, {4097, 3}, {3, 4097}};

constexpr std::size_t kGuard = 4096;  // bytes after the output that must stay untouched
// Random bytes before and after each input image, in the same allocation: a kernel that reads a
// row or a pixel outside the image gets wrong pixels instead of crashing.
constexpr std::size_t kInputPadding = 65536;

using ImageKernel = std::function<void(const std::uint8_t*, std::uint8_t*, int, int)>;
using Reference =
    std::function<std::vector<std::uint8_t>(const std::vector<std::uint8_t>&, int, int)>;

std::vector<std::uint8_t> random_bytes(std::size_t n, std::uint64_t seed) {
  course::Random random(seed);
  std::vector<std::uint8_t> bytes(n);
  for (std::uint8_t& byte : bytes)
    byte = static_cast<std::uint8_t>(random.next_u64() >> 56);
  return bytes;
}

// The lesson's rule as what it means: the weighted mean (77 r + 150 g + 29 b) / 256 rounded to the
// nearest integer, halves up. In double, exactly: the sum is an integer below 2^16 and a division
// by 256 is exact in binary.
std::uint8_t gray_rule(unsigned r, unsigned g, unsigned b) {
  const double mean = (77.0 * r + 150.0 * g + 29.0 * b) / 256.0;
  return static_cast<std::uint8_t>(std::floor(mean + 0.5));
}

std::vector<std::uint8_t> gray_reference(const std::vector<std::uint8_t>& rgb, int width,
                                         int height) {
  std::vector<std::uint8_t> gray(static_cast<std::size_t>(width) * height);
  for (std::size_t i = 0; i < gray.size(); ++i)
    gray[i] = gray_rule(rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]);
  return gray;
}

std::uint8_t blur_rule(const std::uint8_t* input, int width, int height, int x, int y) {
  unsigned sum = 0, count = 0;
  for (int row = y - 1; row <= y + 1; ++row) {
    for (int column = x - 1; column <= x + 1; ++column) {
      if (row >= 0 && row < height && column >= 0 && column < width) {
        sum += input[static_cast<std::size_t>(row) * width + column];
        ++count;
      }
    }
  }
  return static_cast<std::uint8_t>((sum + count / 2) / count);
}

std::vector<std::uint8_t> blur_reference(const std::vector<std::uint8_t>& input, int width,
                                         int height) {
  std::vector<std::uint8_t> output(static_cast<std::size_t>(width) * height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x)
      output[static_cast<std::size_t>(y) * width + x] =
          blur_rule(input.data(), width, height, x, y);
  }
  return output;
}

// "rgb_to_gray: 17 of 561 pixels differ; first at (0, 32) = got 0, expected 93".
std::string describe_differences(const std::string& name, const course::Comparison& result,
                                 int width) {
  std::ostringstream text;
  text << name << ": " << result.mismatches << " of " << result.count << " pixels differ";
  if (!result.first_mismatches.empty()) {
    const course::Mismatch& first = result.first_mismatches.front();
    text << "; first at (" << first.index % width << ", " << first.index / width << ") = got "
         << static_cast<int>(first.actual) << ", expected " << static_cast<int>(first.expected);
  }
  return text.str();
}

// Runs `run` on random images of every size, `channels` input bytes per pixel, into an output
// poisoned first with 0x00 and then with 0xFF (so a pixel never written differs from the reference
// in one of the two runs), and REQUIREs the output to match `reference` exactly and the guard
// after it to be untouched.
void check_every_size(const std::string& name, int channels, const ImageKernel& run,
                      const Reference& reference) {
  const std::uint64_t seed = course::grading::seed();
  for (const ImageSize& size : kSizes) {
    const int width = size.width, height = size.height;
    INFO(name << " on a " << width << " x " << height << " image, seed = " << seed
              << " (replay: COURSE_SEED=" << seed << ")");
    const std::size_t pixels = static_cast<std::size_t>(width) * height;
    const std::uint64_t image_seed = seed + 65536 * static_cast<std::uint64_t>(width) + height;
    const std::vector<std::uint8_t> padded_input =
        random_bytes(kInputPadding + pixels * channels + kInputPadding, image_seed);
    const std::vector<std::uint8_t> input(padded_input.begin() + kInputPadding,
                                          padded_input.end() - kInputPadding);
    const std::vector<std::uint8_t> expected = reference(input, width, height);

    const course::DeviceArray<std::uint8_t> device_input = course::to_device(padded_input);
    course::DeviceArray<std::uint8_t> device_output(pixels + kGuard);
    const unsigned char poisons[] = {0x00, 0xFF};
    for (const unsigned char poison : poisons) {
      INFO("the output was filled with " << static_cast<int>(poison)
                                         << " before the call: a pixel never written reads "
                                         << static_cast<int>(poison));
      device_output.fill_bytes(poison);
      run(device_input.data() + kInputPadding, device_output.data(), width, height);
      COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here

      const std::vector<std::uint8_t> output = device_output.to_host();
      const std::vector<std::uint8_t> image(output.begin(), output.begin() + pixels);
      const course::Comparison result = course::compare_exact(image, expected);
      {
        // In its own scope: Catch2 prints every INFO still in scope with a later failure.
        INFO(describe_differences(name, result, width));
        REQUIRE(result.ok());
      }

      std::size_t overwritten = 0;
      for (std::size_t i = pixels; i < output.size(); ++i)
        overwritten += output[i] == poison ? 0 : 1;
      INFO(name << ": the kernel wrote past the end of the output: " << overwritten << " of the "
                << kGuard << " bytes after the last pixel were changed (is a bounds check "
                << "missing?)");
      REQUIRE(overwritten == 0);
    }
  }
}

// Empty images (0 x 0, 0 x 7, 7 x 0) are nothing to do: no throw, no launch error, nothing
// written. Negative sizes throw std::invalid_argument.
void check_edge_sizes(const std::string& name, const ImageKernel& run) {
  const course::DeviceArray<std::uint8_t> input(3 * kGuard);
  course::DeviceArray<std::uint8_t> output(kGuard);
  for (const ImageSize size : {ImageSize{0, 0}, ImageSize{0, 7}, ImageSize{7, 0}}) {
    INFO(name << " on an empty " << size.width << " x " << size.height
              << " image must do nothing, and not throw");
    output.fill_bytes(0xFF);
    REQUIRE_NOTHROW(run(input.data(), output.data(), size.width, size.height));
    COURSE_CUDA_CHECK(cudaDeviceSynchronize());
    std::size_t written = 0;
    for (const std::uint8_t byte : output.to_host())
      written += byte == 0xFF ? 0 : 1;
    INFO(name << " wrote " << written << " bytes for an empty image");
    REQUIRE(written == 0);
  }
  // A negative size is an error even when the other one is 0: -1 x 0 is not an empty image.
  for (const ImageSize size :
       {ImageSize{-1, 4}, ImageSize{4, -1}, ImageSize{-1, 0}, ImageSize{0, -1}}) {
    INFO(name << " on a " << size.width << " x " << size.height
              << " image must throw std::invalid_argument (a negative size is an error, even "
                 "when the other one is 0)");
    REQUIRE_THROWS_AS(run(input.data(), output.data(), size.width, size.height),
                      std::invalid_argument);
  }
}

// A 640 x 480 RGB picture to look at: colour gradients (red left to right, green top to bottom),
// a white disc, and a square of stripes, one white column in three, that the blur turns into an
// even gray (every 3 x 3 neighbourhood inside it holds exactly one white column).
std::vector<std::uint8_t> test_picture(int width, int height) {
  std::vector<std::uint8_t> rgb(3 * static_cast<std::size_t>(width) * height);
  const int radius = height / 4;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      unsigned r = 255u * x / (width - 1), g = 255u * y / (height - 1), b = 255 - (r + g) / 2;
      const int dx = x - width / 4, dy = y - height / 2;
      if (dx * dx + dy * dy < radius * radius)
        r = g = b = 255;
      if (x >= width / 2 && x < width / 2 + height / 3 && y >= height / 3 &&
          y < height / 3 + height / 3)
        r = g = b = (x % 3 == 0) ? 255 : 0;
      std::uint8_t* pixel = &rgb[3 * (static_cast<std::size_t>(y) * width + x)];
      pixel[0] = static_cast<std::uint8_t>(r);
      pixel[1] = static_cast<std::uint8_t>(g);
      pixel[2] = static_cast<std::uint8_t>(b);
    }
  }
  return rgb;
}

const ImageKernel kGray = [](const std::uint8_t* in, std::uint8_t* out, int width, int height) {
  chapter2::rgb_to_gray(in, out, width, height);
};
const ImageKernel kBlur = [](const std::uint8_t* in, std::uint8_t* out, int width, int height) {
  chapter2::box_blur(in, out, width, height);
};

}  // namespace

TEST_CASE("2.2 rgb_to_gray follows the integer rule on images of every shape",
          "[2.2][correctness]") {
  COURSE_REQUIRE_GPU();
  check_every_size("rgb_to_gray", 3, kGray, gray_reference);
}

TEST_CASE("2.2 box_blur averages the in-image neighbours on images of every shape",
          "[2.2][correctness]") {
  COURSE_REQUIRE_GPU();
  check_every_size("box_blur", 1, kBlur, blur_reference);
}

TEST_CASE("2.2 empty images are nothing to do; negative sizes are rejected", "[2.2][correctness]") {
  COURSE_REQUIRE_GPU();
  check_edge_sizes("rgb_to_gray", kGray);
  check_edge_sizes("box_blur", kBlur);
}

TEST_CASE("2.2 the test picture, saved as image files", "[2.2][correctness]") {
  COURSE_REQUIRE_GPU();
  const int width = 640, height = 480;
  const std::size_t pixels = static_cast<std::size_t>(width) * height;
  const std::vector<std::uint8_t> rgb = test_picture(width, height);
  const std::vector<std::uint8_t> expected_gray = gray_reference(rgb, width, height);
  const std::vector<std::uint8_t> expected_blur = blur_reference(expected_gray, width, height);

  const course::DeviceArray<std::uint8_t> device_rgb = course::to_device(rgb);
  // The blur gets the reference's gray image, so that a wrong rgb_to_gray does not spoil it.
  const course::DeviceArray<std::uint8_t> device_expected_gray = course::to_device(expected_gray);
  course::DeviceArray<std::uint8_t> device_gray(pixels);
  course::DeviceArray<std::uint8_t> device_blur(pixels);
  device_gray.fill_bytes(0);
  device_blur.fill_bytes(0);
  chapter2::rgb_to_gray(device_rgb.data(), device_gray.data(), width, height);
  chapter2::box_blur(device_expected_gray.data(), device_blur.data(), width, height);
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  const std::vector<std::uint8_t> gray = device_gray.to_host();
  const std::vector<std::uint8_t> blur = device_blur.to_host();

  // Saved before the checks, so that a failing kernel's picture is there to look at.
  chapter2_grading::save_ppm("picture", width, height, rgb.data());
  chapter2_grading::save_pgm("gray", width, height, gray.data());
  chapter2_grading::save_pgm("gray-expected", width, height, expected_gray.data());
  chapter2_grading::save_pgm("blur", width, height, blur.data());
  chapter2_grading::save_pgm("blur-expected", width, height, expected_blur.data());

  {
    const course::Comparison result = course::compare_exact(gray, expected_gray);
    INFO("the test picture: " << describe_differences("rgb_to_gray", result, width));
    REQUIRE(result.ok());
  }
  const course::Comparison result = course::compare_exact(blur, expected_blur);
  INFO("the test picture: " << describe_differences("box_blur", result, width));
  REQUIRE(result.ok());
}

// ---- On the CPU: the host copies of the per-pixel functions ------------------------------------

TEST_CASE("2.2 gray_value follows the integer rule for all 2^24 colours", "[2.2][cpu]") {
  // The lesson's example first, then white and black, then every colour.
  const unsigned examples[][3] = {{200, 100, 50}, {255, 255, 255}, {0, 0, 0}};
  for (const auto& colour : examples) {
    const unsigned r = colour[0], g = colour[1], b = colour[2];
    const int got = chapter2::gray_value(static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g),
                                         static_cast<std::uint8_t>(b));
    const int expected = gray_rule(r, g, b);
    INFO("gray_value(" << r << ", " << g << ", " << b << ") = " << got << ", expected " << expected
                       << ": (77 R + 150 G + 29 B + 128) >> 8, in int");
    REQUIRE(got == expected);
  }
  std::size_t differ = 0;
  std::string first;  // the first colour that differs, as a message
  for (unsigned r = 0; r < 256; ++r) {
    for (unsigned g = 0; g < 256; ++g) {
      for (unsigned b = 0; b < 256; ++b) {
        const int got =
            chapter2::gray_value(static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(g),
                                 static_cast<std::uint8_t>(b));
        const int expected = gray_rule(r, g, b);
        if (got != expected && differ++ == 0) {
          std::ostringstream text;
          text << "gray_value(" << r << ", " << g << ", " << b << ") = " << got << ", expected "
               << expected;
          first = text.str();
        }
      }
    }
  }
  INFO(first << "; " << differ << " of the 16777216 colours differ (the rule: (77 R + 150 G + "
             << "29 B + 128) >> 8, computed in int: in std::uint8_t the sum wraps around)");
  REQUIRE(differ == 0);
}

TEST_CASE("2.2 blur_pixel averages the in-image neighbours", "[2.2][cpu]") {
  // The lesson's 4 x 3 example, then random images of small and odd shapes. Every image sits in
  // the middle of random bytes, so that a read outside the image gives a wrong value, not a crash.
  const std::uint8_t lesson[] = {0, 10, 23, 30, 40, 52, 60, 70, 80, 90, 100, 255};
  struct Case {
    int width, height;
  };
  const Case cases[] = {{4, 3}, {1, 1}, {2, 1},   {1, 2},   {2, 2},   {3, 3},
                        {1, 9}, {9, 1}, {17, 33}, {33, 17}, {64, 48}, {5, 130}};
  const std::uint64_t seed = course::grading::seed();
  for (const Case& c : cases) {
    const int width = c.width, height = c.height;
    const std::size_t pixels = static_cast<std::size_t>(width) * height;
    std::vector<std::uint8_t> padded =
        random_bytes(kInputPadding + pixels + kInputPadding, seed + 65536u * width + height);
    std::uint8_t* image = padded.data() + kInputPadding;
    const bool is_lesson = width == 4 && height == 3;
    if (is_lesson)
      std::copy(std::begin(lesson), std::end(lesson), image);
    INFO((is_lesson ? "the lesson's 4 x 3 example" : "a random image")
         << ", " << width << " x " << height << ", seed = " << seed
         << " (replay: COURSE_SEED=" << seed << ")");
    for (int y = 0; y < height; ++y) {
      for (int x = 0; x < width; ++x) {
        const int got = chapter2::blur_pixel(image, width, height, x, y);
        const int expected = blur_rule(image, width, height, x, y);
        if (got != expected) {
          const int count = (std::min(x + 1, width - 1) - std::max(x - 1, 0) + 1) *
                            (std::min(y + 1, height - 1) - std::max(y - 1, 0) + 1);
          INFO("blur_pixel(image, " << width << ", " << height << ", " << x << ", " << y << ") = "
                                    << got << ", expected " << expected << ": the mean of " << count
                                    << " in-image pixels, rounded to nearest as "
                                    << "(sum + count / 2) / count");
          REQUIRE(got == expected);
        }
      }
    }
  }
}
