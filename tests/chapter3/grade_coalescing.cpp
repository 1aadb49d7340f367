// Grader for 3.1: the structure-of-arrays update is exact for every size, launched in a kernel,
// rejects a null array, and is fast: close to the copy rate counting the bytes it must move, and
// at least twice as fast as the given array-of-structures kernel timed in the same run.
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "call_checks.hpp"
#include "chapter3.hpp"
#include "course/course.hpp"
#include "gpu_requirements.hpp"
#include "grading.hpp"
#include "launch_checks.hpp"

namespace {

constexpr float kFactor = 1.5f;
constexpr std::size_t kGuard = 4096;  // poisoned floats after x: a kernel that runs past n shows

// Element-by-element, exact: x * factor is one IEEE float multiplication on both sides.
std::string describe_differences(const std::vector<float>& actual,
                                 const std::vector<float>& expected, std::size_t* mismatches) {
  std::ostringstream text;
  std::size_t count = 0;
  std::size_t shown = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (std::memcmp(&actual[i], &expected[i], sizeof(float)) != 0) {
      if (shown < 4) {
        text << (shown == 0 ? "first: " : ", ") << "x[" << i << "] = " << actual[i]
             << (course::is_poison(actual[i]) ? " (poison)" : "") << ", expected " << expected[i];
        ++shown;
      }
      ++count;
    }
  }
  *mismatches = count;
  return text.str();
}

}  // namespace

TEST_CASE("3.1 scale_x_soa is exact for every size", "[3.1][correctness]") {
  COURSE_REQUIRE_GPU();
  std::vector<std::size_t> sizes = course::grading::interesting_sizes();
  sizes.push_back((std::size_t{1} << 24) + 7);
  const std::uint64_t seed = course::grading::seed();
  for (const std::size_t n : sizes) {
    INFO("3.1 scale_x_soa(x, n = " << n << ", factor = " << kFactor << "), seed = " << seed
                                   << " (replay: COURSE_SEED=" << seed << ")");
    const std::vector<float> x = course::random_floats(n, seed + n, -100.0f, 100.0f);
    std::vector<float> expected(n);
    for (std::size_t i = 0; i < n; ++i)
      expected[i] = x[i] * kFactor;

    course::DeviceArray<float> device(n + kGuard);
    device.fill_bytes(0xFF);  // the guard after x keeps this poison
    if (n > 0)
      COURSE_CUDA_CHECK(
          cudaMemcpy(device.data(), x.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    const course::grading::LaunchRecording recording = course::grading::try_record_launches([&] {
      chapter3::scale_x_soa(device.data(), n, kFactor);
      COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here
    });
    const std::vector<float> all = device.to_host();
    const std::vector<float> actual(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    std::size_t mismatches = 0;
    const std::string first = describe_differences(actual, expected, &mismatches);
    course::grading::require_that(
        mismatches == 0, "3.1 scale_x_soa: " + std::to_string(mismatches) + " of " +
                             std::to_string(n) + " elements differ for n = " + std::to_string(n) +
                             " (" + first + "): does every i < n get x[i] *= factor exactly once?");
    std::size_t overwritten = 0;
    for (std::size_t i = n; i < all.size(); ++i)
      overwritten += course::is_poison(all[i]) ? 0 : 1;
    course::grading::require_that(
        overwritten == 0, "3.1 scale_x_soa wrote past the end of x for n = " + std::to_string(n) +
                              ": " + std::to_string(overwritten) + " of the " +
                              std::to_string(kGuard) +
                              " floats after x[n-1] changed (does every thread stop at i < n?)");
    if (n > 0) {
      course::grading::require_some_kernel("3.1", recording, "n = " + std::to_string(n));
      course::grading::require_own_kernels("3.1", recording, "n = " + std::to_string(n));
    }
  }
}

TEST_CASE("3.1 scale_x_soa rejects a null array", "[3.1][correctness]") {
  COURSE_REQUIRE_GPU();
  {
    INFO("scale_x_soa(nullptr, 1000, ...) must throw std::invalid_argument");
    REQUIRE_THROWS_AS(chapter3::scale_x_soa(nullptr, 1000, kFactor), std::invalid_argument);
  }
  {
    INFO("scale_x_soa(nullptr, 0, ...) has nothing to do: it must not throw");
    REQUIRE_NOTHROW(chapter3::scale_x_soa(nullptr, 0, kFactor));
  }
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
}

TEST_CASE("3.1 scale_x_soa moves only the bytes it needs", "[3.1][speed]") {
  COURSE_REQUIRE_GPU();
  // 2^26 particles: x alone is 256 MiB and the AoS array 1 GiB, both far above the 50 MB L2, so
  // every timed run streams from DRAM.
  const std::size_t n = std::size_t{1} << 26;
  std::vector<float> host_x = course::random_floats(n, 1);
  course::DeviceArray<float> x = course::to_device(host_x);
  course::DeviceArray<chapter3::Particle> particles(n);
  particles.fill_bytes(0);  // 0.0f everywhere: the timings do not depend on the values
  const double copy = course::measured_copy_bandwidth();
  // factor -1: the values do not drift over the repetitions, and every element changes, so it
  // must be read and written (a factor of 1 would leave x as it is).
  // Interleaved (SoA, AoS, SoA, AoS ...): the ratio sees the same clocks on both sides.
  const std::vector<course::Timing> timings = course::grading::time_interleaved(
      {{"3.1 scale_x_soa", [&] { chapter3::scale_x_soa(x.data(), n, -1.0f); }, nullptr},
       {"3.1 scale_x_aos (given)", [&] { chapter3::scale_x_aos(particles.data(), n, -1.0f); },
        nullptr}});
  const course::Timing& soa = timings[0];
  const course::Timing& aos = timings[1];
  // Once more on new values in the same buffer, with the correctness test's factor: a result
  // kept from an earlier call does not match them.
  {
    std::vector<float> expected(n);
    course::grading::FreshCall fresh;
    fresh.new_inputs = [&] {
      host_x = course::random_floats(n, course::grading::seed() + 3, -100.0f, 100.0f);
      for (std::size_t i = 0; i < n; ++i)
        expected[i] = host_x[i] * kFactor;
      x.copy_from_host(host_x);
    };
    fresh.call = [&] { chapter3::scale_x_soa(x.data(), n, kFactor); };
    fresh.mismatch = [&]() -> std::string {
      std::size_t mismatches = 0;
      const std::string first = describe_differences(x.to_host(), expected, &mismatches);
      return mismatches == 0 ? std::string() : std::to_string(mismatches) + " differ, " + first;
    };
    fresh.own_kernels_only = true;
    fresh.context = "n = 2^26";
    course::grading::require_fresh_result("3.1 scale_x_soa at n = 2^26", fresh);
  }
  const double bytes = 2.0 * sizeof(float) * static_cast<double>(n);  // read x, write x
  const double soa_rate = bytes / (soa.median_ms * 1e-3);
  INFO("device: " << course::describe(course::device_info()) << "; n = " << n << "; scale_x_soa "
                  << soa.median_ms << " ms, scale_x_aos (given) " << aos.median_ms
                  << " ms (medians of " << soa.repetitions << ")");
  course::grading::require_share_of_copy(
      "3.1 scale_x_soa", soa_rate, copy, course::grading::kShareOfCopy_3_1,
      "make consecutive threads take consecutive elements at every step (threadIdx.x varies "
      "fastest along x), so that a warp's 32 loads fall in 4 sectors; no strides, no "
      "per-thread chunks of consecutive elements",
      "counting 8 bytes per element");
  course::grading::require_at_least(
      "3.1 speed-up of scale_x_soa over the given scale_x_aos (" + std::to_string(aos.median_ms) +
          " ms / " + std::to_string(soa.median_ms) + " ms)",
      aos.median_ms / soa.median_ms, 1.6, "x",
      "the SoA kernel should move a quarter of the AoS kernel's bytes; if it does not, look at "
      "which addresses one warp touches in one instruction");
}
