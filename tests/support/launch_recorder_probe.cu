// The launch recorder's test launch: grid, block, static and dynamic shared memory all differ
// from their defaults and from each other, so a record that mixes up fields does not match.
#include "course/error.hpp"
#include "course/memory.hpp"
#include "launch_recorder_probe.hpp"

namespace {

constexpr unsigned kStaticInts = 32;
constexpr unsigned kDynamicInts = 24;

__global__ void course_launch_recorder_probe(int* out) {
  __shared__ int declared[kStaticInts];  // used below, so that the compiler keeps it
  extern __shared__ int dynamic[];
  const unsigned thread = threadIdx.y * blockDim.x + threadIdx.x;
  // One writer per element: no race for compute-sanitizer's racecheck to report.
  if (thread < kStaticInts)
    declared[thread] = static_cast<int>(thread);
  if (thread < kDynamicInts)
    dynamic[thread] = 1;
  __syncthreads();
  if (thread == 0 && blockIdx.x == 0 && blockIdx.y == 0)
    *out = declared[5] + dynamic[0];
}

}  // namespace

namespace course::grading::detail {

ProbeLaunch launch_recorder_probe() {
  const ProbeLaunch probe{{3, 2, 1},
                          {64, 2, 1},
                          kDynamicInts * sizeof(int),
                          kStaticInts * sizeof(int),
                          "launch_recorder_probe"};
  course::DeviceArray<int> out(1);
  course_launch_recorder_probe<<<dim3(probe.grid[0], probe.grid[1], probe.grid[2]),
                                 dim3(probe.block[0], probe.block[1], probe.block[2]),
                                 probe.dynamic_shared_bytes>>>(out.data());
  COURSE_CHECK_LAUNCH();
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  return probe;
}

}  // namespace course::grading::detail
