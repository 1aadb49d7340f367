// Grader for 2.4: the SAXPY configuration from the occupancy API (a launchable block size, the
// one the API suggests, a grid that covers n without overfilling the GPU, correct results), and
// impossible configurations rejected with std::invalid_argument before anything is launched.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "chapter2.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "saxpy_checks.hpp"

namespace {

// What the occupancy API suggests for the SAXPY kernel on this device.
struct Suggestion {
  int min_grid_size = 0;  // blocks that reach the best occupancy on every SM
  int block_size = 0;     // threads per block that give it
};

Suggestion occupancy_of_saxpy() {
  Suggestion suggestion;
  COURSE_CUDA_CHECK(cudaOccupancyMaxPotentialBlockSize(
      &suggestion.min_grid_size, &suggestion.block_size, chapter2::saxpy_kernel_address()));
  return suggestion;
}

// Runs saxpy_with_config(config) on `config` and requires std::invalid_argument, thrown before
// anything was launched: y must be unchanged.
void check_rejected(const course::LaunchConfig& config, const std::string& why) {
  const std::size_t n = 100000;
  const std::uint64_t seed = course::grading::seed();
  const std::vector<float> x = course::random_floats(n, seed);
  const std::vector<float> y = course::random_floats(n, seed + 1);
  const course::DeviceArray<float> device_x = course::to_device(x);
  course::DeviceArray<float> device_y = course::to_device(y);
  INFO("saxpy_with_config with " << course::describe(config) << ": " << why);

  bool rejected = false;
  std::string outcome = "it returned without an error";
  try {
    chapter2::saxpy_with_config(2.0f, device_x.data(), device_y.data(), n, config);
    COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  } catch (const std::invalid_argument&) {
    rejected = true;
  } catch (const course::NotImplemented&) {
    throw;  // an unfinished exercise reports its TODO, not a wrong answer
  } catch (const std::exception& error) {
    outcome = std::string("it threw ") + error.what();
  }
  if (!rejected) {
    FAIL(
        "an impossible configuration was launched: saxpy_with_config must throw "
        "std::invalid_argument before launching, but "
        << outcome << ". Check the configuration with course::validate_launch(config) first");
  }

  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  const std::vector<float> after = device_y.to_host();
  std::size_t changed = 0;
  for (std::size_t i = 0; i < n; ++i)
    changed += after[i] == y[i] ? 0 : 1;
  INFO("std::invalid_argument was thrown, but " << changed << " of " << n
                                                << " elements of y had changed: validate the "
                                                   "configuration before launching, not after");
  REQUIRE(changed == 0);
}

}  // namespace

TEST_CASE("2.4 saxpy_occupancy_config follows the occupancy API and the device's limits",
          "[2.4][correctness]") {
  COURSE_REQUIRE_GPU();
  const course::DeviceInfo& info = course::device_info();
  const Suggestion suggested = occupancy_of_saxpy();
  const std::uint64_t seed = course::grading::seed();
  for (const std::size_t n : {std::size_t{1}, std::size_t{1000}, std::size_t{1} << 24}) {
    const course::LaunchConfig config = chapter2::saxpy_occupancy_config(n);
    INFO("n = " << n << ": saxpy_occupancy_config returned " << course::describe(config) << " on "
                << info.name << "; the occupancy API suggests blocks of " << suggested.block_size
                << " threads and " << suggested.min_grid_size << " blocks to fill the GPU once");
    // A configuration the device cannot launch fails here, with the limit it breaks.
    REQUIRE_NOTHROW(course::validate_launch(config));
    {
      INFO("SAXPY is 1D: grid and block must be 1 in y and z");
      REQUIRE(config.grid.y == 1);
      REQUIRE(config.grid.z == 1);
      REQUIRE(config.block.y == 1);
      REQUIRE(config.block.z == 1);
    }
    {
      INFO("the block size must be a multiple of the warp size ("
           << info.warp_size << "), or the last warp of every block runs partly empty");
      REQUIRE(config.block.x % static_cast<unsigned>(info.warp_size) == 0);
    }
    {
      INFO(
          "the block size must be the one cudaOccupancyMaxPotentialBlockSize suggests for "
          "saxpy_kernel_address()");
      REQUIRE(config.block.x == static_cast<unsigned>(suggested.block_size));
    }
    const std::size_t cover = course::blocks_to_cover(n, config.block.x);
    const std::size_t fill = static_cast<std::size_t>(suggested.min_grid_size);
    {
      INFO("the grid must have at least 1 block and no more than cover n ("
           << cover << " blocks of " << config.block.x << " threads)");
      REQUIRE(config.grid.x >= 1);
      REQUIRE(config.grid.x <= cover);
    }
    {
      INFO(
          "the grid must not have more blocks than fill the GPU once (the occupancy API's "
          "minimum grid size, "
          << fill << "): with a grid-stride loop, more blocks add nothing");
      REQUIRE(config.grid.x <= fill);
    }
    {
      INFO("too few blocks: min(blocks to cover n, blocks that fill the GPU once) = "
           << std::min(cover, fill) << ", so that every SM has work");
      REQUIRE(config.grid.x >= std::min(cover, fill));
    }
    INFO("saxpy_with_config with that configuration, seed = " << seed << " (replay: COURSE_SEED="
                                                              << seed << ")");
    chapter2_grading::check_saxpy(
        [&](float a, const float* x, float* y, std::size_t count) {
          chapter2::saxpy_with_config(a, x, y, count, config);
        },
        chapter2_grading::make_saxpy_data(n, seed));
  }
}

TEST_CASE("2.4 saxpy_with_config rejects impossible configurations before launching",
          "[2.4][correctness]") {
  COURSE_REQUIRE_GPU();
  const course::DeviceInfo& info = course::device_info();
  course::LaunchConfig config;
  config.grid = dim3(16);

  config.block = dim3(0);
  check_rejected(config, "a block of 0 threads");

  config.block = dim3(static_cast<unsigned>(info.max_threads_per_block) + 1);
  check_rejected(config, "one thread more per block than " + info.name + " allows (" +
                             std::to_string(info.max_threads_per_block) + ")");

  config.grid = dim3(0);
  config.block = dim3(256);
  check_rejected(config, "a grid of 0 blocks");
}
