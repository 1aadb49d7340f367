// CPU grader for 2.1: the index arithmetic of the grid-stride loop, grid_stride_start and
// grid_stride_step, through their host copies (they are __host__ __device__): no GPU needed.
//
// A grid-stride loop is correct when, over all the (block, thread) pairs of the grid, every index
// below n is visited exactly once. That is simulated here on the CPU for small grids and every n
// around their sizes, the loop exactly as the kernel runs it. A grid of more than 2^32 threads
// (CUDA allows 2^31 - 1 blocks of 1024) is too large to simulate pair by pair: there the values
// themselves are checked, against 64-bit arithmetic, on every thread of the blocks where a 32-bit
// product would go wrong first (the blocks around each multiple of 2^32 threads) and of a sample
// spread over the whole grid.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "chapter2.hpp"
#include "grading.hpp"

namespace {

struct Grid {
  unsigned blocks;
  unsigned threads_per_block;
  const char* what;
};

std::string describe(const Grid& grid) {
  std::ostringstream text;
  text << grid.blocks << " blocks of " << grid.threads_per_block << " threads (" << grid.what
       << ", " << std::uint64_t{grid.blocks} * grid.threads_per_block << " threads)";
  return text.str();
}

// REQUIREs grid_stride_step to be the exact number of threads in the grid.
void check_step(const Grid& grid) {
  const std::uint64_t expected = std::uint64_t{grid.blocks} * grid.threads_per_block;
  const std::size_t step = chapter2::grid_stride_step(grid.blocks, grid.threads_per_block);
  INFO("grid_stride_step(" << grid.blocks << ", " << grid.threads_per_block << ") = " << step
                           << ", expected " << expected
                           << ": the step is the number of threads in the whole grid, "
                              "computed in std::size_t (an unsigned product wraps around at 2^32)");
  REQUIRE(step == expected);
}

// REQUIREs grid_stride_start to be the exact global index of every thread of block `block`.
void check_starts_of_block(const Grid& grid, unsigned block) {
  for (unsigned thread = 0; thread < grid.threads_per_block; ++thread) {
    const std::uint64_t expected = std::uint64_t{block} * grid.threads_per_block + thread;
    const std::size_t start = chapter2::grid_stride_start(block, thread, grid.threads_per_block);
    if (start != expected) {
      INFO("grid_stride_start(" << block << ", " << thread << ", " << grid.threads_per_block
                                << ") = " << start << ", expected " << expected
                                << ": a thread starts at its global index, block * "
                                   "threads_per_block + thread, computed in std::size_t");
      REQUIRE(start == expected);
    }
  }
}

// Runs the grid-stride loop of every thread of `grid` over n indices, as the kernel does, and
// REQUIREs every index below n to be visited exactly once. Stops as soon as there are more visits
// than indices (some index is then visited twice), so that a wrong step cannot make it slow.
void check_visits(const Grid& grid, std::size_t n) {
  const std::size_t step = chapter2::grid_stride_step(grid.blocks, grid.threads_per_block);
  INFO("grid_stride_step(" << grid.blocks << ", " << grid.threads_per_block << ") = " << step);
  if (step == 0)
    FAIL("a step of 0: the grid-stride loop would never end");
  std::vector<unsigned> visits(n, 0);
  std::size_t total = 0;
  for (unsigned block = 0; block < grid.blocks && total <= n; ++block) {
    for (unsigned thread = 0; thread < grid.threads_per_block && total <= n; ++thread) {
      for (std::size_t i = chapter2::grid_stride_start(block, thread, grid.threads_per_block);
           i < n && total <= n; i += step) {
        ++visits[i];
        ++total;
      }
    }
  }
  const auto wrong = std::find_if(visits.begin(), visits.end(), [](unsigned v) { return v != 1; });
  if (wrong != visits.end()) {
    const std::size_t index = static_cast<std::size_t>(wrong - visits.begin());
    INFO("n = " << n << ": element " << index << " is visited " << *wrong
                << " times, not exactly once"
                << (total > n ? " (the simulation stopped at the first extra visit)" : "")
                << ". In a grid-stride loop each thread starts at its global index and steps by "
                   "the number of threads in the whole grid");
    REQUIRE(*wrong == 1);
  }
}

}  // namespace

TEST_CASE("2.1 the grid-stride loop visits every index exactly once, on every grid", "[2.1][cpu]") {
  const Grid grids[] = {
      {1, 32, "one block of one warp"},
      {1, 1024, "one block of 1024 threads"},
      {7, 96, "7 blocks of 96"},
      {3, 1024, "3 blocks of 1024"},
      {1009, 256, "a prime number of blocks: more threads than most n here"},
  };
  for (const Grid& grid : grids) {
    INFO("grid: " << describe(grid));
    const auto threads =
        static_cast<std::size_t>(std::uint64_t{grid.blocks} * grid.threads_per_block);
    // Less than one sweep, exactly one, a partial second one, several.
    const std::size_t sizes[] = {
        0, 1, 31, 32, 33, threads - 1, threads, threads + 1, 2 * threads, 1000, 10 * threads + 17};
    for (const std::size_t n : sizes)
      check_visits(grid, n);
    // And the values themselves, which the header defines exactly.
    check_step(grid);
    for (unsigned block = 0; block < grid.blocks; ++block)
      check_starts_of_block(grid, block);
  }
}

TEST_CASE("2.1 the grid-stride arithmetic does not overflow on grids of more than 2^32 threads",
          "[2.1][cpu]") {
  const Grid grids[] = {
      {4194304, 1024, "exactly 2^32 threads: a 32-bit step is 0"},
      {(1u << 23) + 5, 1024, "more than 2^33 threads"},
      {2147483647u, 1024, "the largest grid CUDA launches in x"},
      {2147483647u, 32, "2^31 - 1 blocks of one warp"},
  };
  for (const Grid& grid : grids) {
    INFO("grid: " << describe(grid));
    check_step(grid);
    const std::uint64_t threads = std::uint64_t{grid.blocks} * grid.threads_per_block;
    // The blocks where a 32-bit product first goes wrong: around each multiple of 2^32 threads.
    std::vector<unsigned> blocks = {0, 1, 2, grid.blocks - 2, grid.blocks - 1};
    for (std::uint64_t wrap = std::uint64_t{1} << 32; wrap < threads;
         wrap += std::uint64_t{1} << 32) {
      const std::uint64_t block = wrap / grid.threads_per_block;
      for (std::uint64_t b = block > 2 ? block - 2 : 0; b <= block + 2 && b < grid.blocks; ++b)
        blocks.push_back(static_cast<unsigned>(b));
    }
    // And about 500 blocks spread over the whole grid.
    const unsigned spacing = std::max(1u, grid.blocks / 500);
    for (std::uint64_t b = spacing / 2; b < grid.blocks; b += spacing)
      blocks.push_back(static_cast<unsigned>(b));
    for (const unsigned block : blocks)
      check_starts_of_block(grid, block);
  }
}
