/// @file launch.hpp
/// @brief Launch configurations checked before launching.
///
/// A launch with an impossible configuration (a block of 0 threads, more threads per block than
/// the GPU allows, a grid dimension over its limit) does not run at all: CUDA reports
/// cudaErrorInvalidConfiguration at the next check, and an unchecked launch leaves the output
/// silently untouched. validate_launch() catches these before the launch, with a message that
/// says which limit was broken.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <string>

#include "course/device_info.hpp"

namespace course {

/// The <<<grid, block, shared_bytes>>> of a launch.
struct LaunchConfig {
  dim3 grid{1, 1, 1};            ///< blocks in x, y, z
  dim3 block{1, 1, 1};           ///< threads per block in x, y, z
  std::size_t shared_bytes = 0;  ///< dynamic shared memory per block
};

/// Throws std::invalid_argument naming the broken limit when `config` cannot launch on a device
/// with these limits; does nothing otherwise. Needs no GPU.
/// @throws std::invalid_argument also when `limits` has a thread, block or grid limit <= 0.
void validate_launch(const LaunchConfig& config, const DeviceInfo& limits);

/// The same against the current device's limits.
void validate_launch(const LaunchConfig& config);

/// The number of blocks of `threads_per_block` threads that cover `n` elements (rounded up),
/// exact for every n (no overflow near SIZE_MAX). The result can exceed the grid limit:
/// validate_launch() checks that.
/// @throws std::invalid_argument when threads_per_block is 0.
[[nodiscard]] std::size_t blocks_to_cover(std::size_t n, unsigned threads_per_block);

/// "<<<(40, 1, 1), (256, 1, 1), 0>>>".
[[nodiscard]] std::string describe(const LaunchConfig& config);

}  // namespace course
