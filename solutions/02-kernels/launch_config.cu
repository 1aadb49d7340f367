// 2.4 — A launch configuration from the occupancy API, checked before it is launched.
//
// Idea: cudaOccupancyMaxPotentialBlockSize looks at the compiled SAXPY kernel (its registers and
// shared memory) and the GPU's limits, and returns the block size that keeps the most threads
// resident per SM, together with the smallest grid that reaches that occupancy on every SM
// ("fill the GPU once"). With 2.1's grid-stride loop a larger grid buys nothing, so the grid is
// that figure, or fewer blocks when fewer already cover n.
// Launch shape: 1D; the suggested block size; min(blocks to cover n, blocks that fill the GPU
// once), at least 1.
// Changed from 2.1: the block and grid sizes come from the kernel and the device instead of
// being picked by hand, and a configuration is validated (course::validate_launch) before it
// reaches the launch, so that an impossible one fails with a message that names the broken limit.
#include <algorithm>
#include <stdexcept>

#include "chapter2.hpp"
#include "course/error.hpp"
#include "course/launch.hpp"

namespace chapter2 {

course::LaunchConfig saxpy_occupancy_config(std::size_t n) {
  int min_grid_size = 0;  // blocks that reach the best occupancy on every SM
  int block_size = 0;     // threads per block that give that occupancy
  COURSE_CUDA_CHECK(
      cudaOccupancyMaxPotentialBlockSize(&min_grid_size, &block_size, saxpy_kernel_address()));
  const std::size_t cover = course::blocks_to_cover(n, static_cast<unsigned>(block_size));
  const std::size_t fill = static_cast<std::size_t>(std::max(min_grid_size, 1));
  const std::size_t blocks = std::max<std::size_t>(std::min(cover, fill), 1);  // n == 0: 1 block

  course::LaunchConfig config;
  config.grid = dim3(static_cast<unsigned>(blocks));
  config.block = dim3(static_cast<unsigned>(block_size));
  return config;
}

void saxpy_with_config(float a, const float* x, float* y, std::size_t n,
                       const course::LaunchConfig& config, cudaStream_t stream) {
  course::validate_launch(config);  // throws std::invalid_argument naming the broken limit
  if (config.grid.y != 1 || config.grid.z != 1 || config.block.y != 1 || config.block.z != 1) {
    throw std::invalid_argument("saxpy_with_config: SAXPY takes a 1D configuration, not " +
                                course::describe(config));
  }
  saxpy(a, x, y, n, config.grid.x, config.block.x, stream);
}

}  // namespace chapter2
