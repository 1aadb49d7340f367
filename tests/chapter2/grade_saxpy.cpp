// Grader for 2.1: SAXPY with a grid-stride loop, correct for every size on every grid the grader
// picks (one warp to more threads than elements) and past 2^31 elements, launched with exactly the
// grid it is given, rejecting impossible grids, and fast.
#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "chapter2.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "large_arrays.hpp"
#include "launch_checks.hpp"
#include "saxpy_checks.hpp"

namespace {

struct Grid {
  unsigned blocks;
  unsigned threads_per_block;
  const char* what;
};

// The grids every size is run with. A grid-stride loop is correct on all of them; a loop that
// steps by anything but the whole grid's thread count is not.
std::vector<Grid> grids_for(std::size_t n) {
  const auto one_per_element =
      static_cast<unsigned>(std::max<std::size_t>(course::blocks_to_cover(n, 256), 1));
  return {
      {1, 32, "one block of one warp"},
      {1, 1024, "one block of 1024 threads"},
      {7, 96, "7 blocks of 96 threads"},
      {1009, 256, "a prime number of blocks"},
      {one_per_element, 256, "one thread per element"},
      {65535u * 4, 128, "more threads than most arrays have elements"},
  };
}

}  // namespace

// Also the launch contract: one kernel with exactly the grid given. In this test case, not one
// of its own: with Catch2 2 a grader's exit code is its number of failed assertions, and 4 reads
// as "skipped" (SKIP_RETURN_CODE), so the untouched skeleton must fail fewer than 4 test cases.
TEST_CASE("2.1 saxpy is correct for every size on every grid", "[2.1][correctness]") {
  COURSE_REQUIRE_GPU();
  auto sizes = course::grading::interesting_sizes();
  sizes.push_back((std::size_t{1} << 26) + 3);
  const std::uint64_t seed = course::grading::seed();
  for (const std::size_t n : sizes) {
    const chapter2_grading::SaxpyData data = chapter2_grading::make_saxpy_data(n, seed);
    for (const Grid& grid : grids_for(n)) {
      INFO("n = " << n << ", a = " << chapter2_grading::kA << ", grid: " << grid.blocks
                  << " blocks of " << grid.threads_per_block << " threads (" << grid.what
                  << "), seed = " << seed << " (replay: COURSE_SEED=" << seed << ")");
      course::grading::LaunchRecording recording;
      chapter2_grading::check_saxpy(
          [&](float a, const float* x, float* y, std::size_t count) {
            recording = course::grading::try_record_launches([&] {
              chapter2::saxpy(a, x, y, count, grid.blocks, grid.threads_per_block);
              COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here
            });
          },
          data);
      if (n > 0) {  // n = 0 may launch nothing
        course::grading::require_one_launch_of_shape(
            "2.1", recording, {grid.blocks, 1, 1}, {grid.threads_per_block, 1, 1},
            "n = " + std::to_string(n),
            "launch with dim3(blocks) and dim3(threads_per_block) exactly as given, whatever n "
            "is: the grid-stride loop covers any n with any grid");
      }
    }
  }
}

TEST_CASE("2.1 saxpy is correct past 2^31 elements", "[2.1][correctness]") {
  COURSE_REQUIRE_GPU();
  namespace grading = course::grading;
  const std::size_t n = grading::kPast2To31Elements;
  const std::size_t guard = chapter2_grading::kGuard;
  const std::string case_name = "n = 2^31 + " + std::to_string(n - (std::size_t{1} << 31));
  const grading::LargeCaseTurn turn;  // before the arrays: held until they are freed
  static_assert(chapter2_grading::kA == 2.5f, "large_arrays.hpp works out exactness for a = 2.5");
  // x mapped (6 MiB) where the GPU can, y real: about 10 GiB free with the spare.
  std::optional<grading::LargeCase> arrays =
      grading::allocate_large_case(n, {grading::Pattern::counting}, {n + guard});
  if (!arrays)
    return;  // noted as not run
  const grading::PeriodicInput& x = arrays->inputs[0];
  course::DeviceArray<float>& y = arrays->outputs[0];
  const Grid grids[] = {
      {1024, 256, "every thread's grid-stride loop steps past 2^31"},
      {static_cast<unsigned>(course::blocks_to_cover(n, 256)), 256, "one thread per element"},
  };
  for (const Grid& grid : grids) {
    const std::string context = case_name + ", grid: " + std::to_string(grid.blocks) +
                                " blocks of " + std::to_string(grid.threads_per_block) +
                                " threads (" + grid.what + ")";
    INFO("2.1 on " << context << ", a = " << chapter2_grading::kA << ", "
                   << grading::describe(x.pattern(), "x") << ", y[i] = 2q before the call: "
                   << "y[i] = 4.5q + 2.5 after it");
    grading::fill_with_pattern(y.data(), n, grading::Pattern::even);
    COURSE_CUDA_CHECK(cudaMemset(y.data() + n, 0xFF, guard * sizeof(float)));  // poisoned guard

    chapter2::saxpy(chapter2_grading::kA, x.data(), y.data(), n, grid.blocks,
                    grid.threads_per_block);
    COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here

    // Elements still 2q count as never written.
    const grading::PatternComparison result = grading::compare_with_pattern_sum(
        y.data(), n, chapter2_grading::kA, grading::Pattern::counting, grading::Pattern::even,
        grading::Pattern::even);
    grading::require_that(result.ok(), "2.1 is wrong past 2^31 elements (" + context + "): in y, " +
                                           result.summary() + ". Try: " + grading::kWideIndexHint);
    const std::size_t overwritten = grading::count_overwritten(y.data(), n, guard);
    grading::require_that(overwritten == 0,
                          "2.1 wrote past the end of y at " + context + ": " +
                              std::to_string(overwritten) + " of the " + std::to_string(guard) +
                              " elements after y[n-1] were changed (does every loop stop at "
                              "i < n?)");
    const grading::PatternComparison unchanged = x.compare_with_pattern();
    grading::require_that(unchanged.ok(), "2.1 wrote into its input x at " + context + ": " +
                                              unchanged.summary() + " (x is read-only)");
  }
}

TEST_CASE("2.1 saxpy rejects a grid of 0 blocks and a block of 0 threads", "[2.1][correctness]") {
  COURSE_REQUIRE_GPU();
  const std::size_t n = 1000;
  const std::vector<float> x = course::random_floats(n, course::grading::seed());
  const std::vector<float> y = course::random_floats(n, course::grading::seed() + 1);
  const course::DeviceArray<float> device_x = course::to_device(x);
  course::DeviceArray<float> device_y = course::to_device(y);
  {
    INFO(
        "saxpy(..., blocks = 0, threads_per_block = 256) must throw std::invalid_argument "
        "(course::validate_launch does it)");
    REQUIRE_THROWS_AS(chapter2::saxpy(2.0f, device_x.data(), device_y.data(), n, 0, 256),
                      std::invalid_argument);
  }
  {
    INFO(
        "saxpy(..., blocks = 4, threads_per_block = 0) must throw std::invalid_argument "
        "(course::validate_launch does it)");
    REQUIRE_THROWS_AS(chapter2::saxpy(2.0f, device_x.data(), device_y.data(), n, 4, 0),
                      std::invalid_argument);
  }
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  INFO(
      "y changed although both launches were rejected: check the configuration before "
      "launching");
  REQUIRE(device_y.to_host() == y);
}

TEST_CASE("2.1 saxpy reaches the memory bandwidth", "[2.1][speed]") {
  COURSE_REQUIRE_GPU();
  const std::size_t n = std::size_t{1} << 26;
  const auto blocks = static_cast<unsigned>(course::blocks_to_cover(n, 256));
  const double copy = course::measured_copy_bandwidth();
  const double kernel = chapter2_grading::measure_saxpy_bandwidth(
      "2.1 saxpy",
      [&](float a, const float* x, float* y, std::size_t count) {
        chapter2::saxpy(a, x, y, count, blocks, 256);
      },
      n, true);
  INFO("device: " << course::describe(course::device_info()) << "; grid: " << blocks
                  << " blocks of 256 threads");
  course::grading::require_share_of_copy(
      "bandwidth", kernel, copy, 60.0,
      "start at blockIdx.x * blockDim.x + threadIdx.x and step by gridDim.x * blockDim.x, so "
      "that consecutive threads touch consecutive elements at every step (coalescing); no "
      "synchronisation and no work on the host inside saxpy");
}
