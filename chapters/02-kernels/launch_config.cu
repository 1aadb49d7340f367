// 2.4 — A launch configuration from the occupancy API, checked before it is launched.
//
// Idea: let the CUDA runtime pick the block size for the SAXPY kernel of 2.1 from the kernel's
// resources and the GPU's limits, size the grid from n and from what fills the GPU, and refuse
// an impossible configuration before it reaches the launch.
// Launch shape: 1D blocks of the suggested size; enough blocks to cover n, but no more than
// fill the GPU once.
#include <algorithm>
#include <stdexcept>

#include "chapter2.hpp"
#include "course/error.hpp"
#include "course/launch.hpp"

namespace chapter2 {

course::LaunchConfig saxpy_occupancy_config(std::size_t n) {
  // TODO(2.4): call cudaOccupancyMaxPotentialBlockSize(&min_grid_size, &block_size,
  // saxpy_kernel_address()) inside COURSE_CUDA_CHECK. What do its two results mean?
  // How many blocks of block_size threads cover n (course::blocks_to_cover)? With a grid-stride
  // loop, is there any point in more blocks than min_grid_size? What grid does n == 0 get?
  // Return the configuration: 1D grid, 1D block, no shared memory.
  COURSE_TODO("2.4", "build the SAXPY configuration from the occupancy API");
}

void saxpy_with_config(float a, const float* x, float* y, std::size_t n,
                       const course::LaunchConfig& config, cudaStream_t stream) {
  // TODO(2.4): check `config` with course::validate_launch before anything else. SAXPY is 1D:
  // what should a configuration with y or z other than 1 do (std::invalid_argument)?
  // Then run your saxpy (2.1) with config.grid.x blocks of config.block.x threads.
  COURSE_TODO("2.4", "validate the configuration, then run saxpy with it");
}

}  // namespace chapter2
