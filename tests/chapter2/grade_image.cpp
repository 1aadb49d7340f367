// Grader for 2.2: the 2D image kernels, exact on images of every shape. Each output is compared
// byte for byte with an integer CPU reference written here, from the rules in chapter2.hpp.
#include <cstdint>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "chapter2.hpp"
#include "course/course.hpp"
#include "grading.hpp"

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

std::vector<std::uint8_t> gray_reference(const std::vector<std::uint8_t>& rgb, int width,
                                         int height) {
  std::vector<std::uint8_t> gray(static_cast<std::size_t>(width) * height);
  for (std::size_t i = 0; i < gray.size(); ++i) {
    const unsigned r = rgb[3 * i], g = rgb[3 * i + 1], b = rgb[3 * i + 2];
    gray[i] = static_cast<std::uint8_t>((77 * r + 150 * g + 29 * b + 128) >> 8);
  }
  return gray;
}

std::vector<std::uint8_t> blur_reference(const std::vector<std::uint8_t>& input, int width,
                                         int height) {
  std::vector<std::uint8_t> output(static_cast<std::size_t>(width) * height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      unsigned sum = 0, count = 0;
      for (int row = y - 1; row <= y + 1; ++row) {
        for (int column = x - 1; column <= x + 1; ++column) {
          if (row >= 0 && row < height && column >= 0 && column < width) {
            sum += input[static_cast<std::size_t>(row) * width + column];
            ++count;
          }
        }
      }
      output[static_cast<std::size_t>(y) * width + x] =
          static_cast<std::uint8_t>((sum + count / 2) / count);
    }
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
  for (const ImageSize size : {ImageSize{-1, 4}, ImageSize{4, -1}}) {
    INFO(name << " on a " << size.width << " x " << size.height
              << " image must throw std::invalid_argument");
    REQUIRE_THROWS_AS(run(input.data(), output.data(), size.width, size.height),
                      std::invalid_argument);
  }
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
