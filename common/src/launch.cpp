// Launch configuration checks.
#include "course/launch.hpp"

#include <sstream>
#include <stdexcept>
#include <string>

namespace course {
namespace {

[[noreturn]] void reject(const LaunchConfig& config, const std::string& why) {
  throw std::invalid_argument("invalid launch " + describe(config) + ": " + why);
}

}  // namespace

void validate_launch(const LaunchConfig& config, const DeviceInfo& limits) {
  // A default DeviceInfo has every limit at 0: every launch would be "over the limit", with a
  // message that blames the launch instead of the missing limits.
  const bool limits_set = limits.max_threads_per_block > 0 && limits.max_block_dim[0] > 0 &&
                          limits.max_block_dim[1] > 0 && limits.max_block_dim[2] > 0 &&
                          limits.max_grid_dim[0] > 0 && limits.max_grid_dim[1] > 0 &&
                          limits.max_grid_dim[2] > 0;
  if (!limits_set) {
    throw std::invalid_argument(
        "validate_launch: the device limits are not set (max_threads_per_block, max_block_dim "
        "and max_grid_dim must be positive): pass device_info() or fill them in");
  }
  const unsigned block[3] = {config.block.x, config.block.y, config.block.z};
  const unsigned grid[3] = {config.grid.x, config.grid.y, config.grid.z};
  const char* axis[3] = {"x", "y", "z"};
  for (int d = 0; d < 3; ++d) {
    if (block[d] == 0)
      reject(config, std::string("a block of 0 threads in ") + axis[d]);
    if (grid[d] == 0)
      reject(config, std::string("a grid of 0 blocks in ") + axis[d]);
    if (block[d] > static_cast<unsigned>(limits.max_block_dim[d])) {
      reject(config, std::to_string(block[d]) + " threads in " + axis[d] + ": " + limits.name +
                         " allows at most " + std::to_string(limits.max_block_dim[d]));
    }
    if (grid[d] > static_cast<unsigned>(limits.max_grid_dim[d])) {
      reject(config, std::to_string(grid[d]) + " blocks in " + axis[d] + ": " + limits.name +
                         " allows at most " + std::to_string(limits.max_grid_dim[d]));
    }
  }
  const unsigned long long threads = 1ull * block[0] * block[1] * block[2];
  if (threads > static_cast<unsigned long long>(limits.max_threads_per_block)) {
    reject(config, std::to_string(threads) + " threads per block: " + limits.name +
                       " allows at most " + std::to_string(limits.max_threads_per_block));
  }
  if (config.shared_bytes > limits.shared_memory_per_block) {
    reject(config, std::to_string(config.shared_bytes) + " bytes of shared memory: " + limits.name +
                       " allows " + std::to_string(limits.shared_memory_per_block) +
                       " per block without opting in");
  }
}

void validate_launch(const LaunchConfig& config) {
  validate_launch(config, device_info());
}

std::size_t blocks_to_cover(std::size_t n, unsigned threads_per_block) {
  if (threads_per_block == 0)
    throw std::invalid_argument("blocks_to_cover: 0 threads per block");
  // Not (n + threads_per_block - 1) / threads_per_block: that wraps around to a tiny grid when
  // n is within threads_per_block of SIZE_MAX.
  return n / threads_per_block + (n % threads_per_block != 0 ? 1 : 0);
}

std::string describe(const LaunchConfig& config) {
  std::ostringstream text;
  text << "<<<(" << config.grid.x << ", " << config.grid.y << ", " << config.grid.z << "), ("
       << config.block.x << ", " << config.block.y << ", " << config.block.z << "), "
       << config.shared_bytes << ">>>";
  return text.str();
}

}  // namespace course
