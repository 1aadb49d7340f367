// What grade_reduction.cpp needs from nvcc: CUB's sum, and a fast fill of a large array.
// Plain C++ declarations (g++ compiles the grader); the definitions are in reduction_helpers.cu.
#pragma once

#include <cstddef>

#include "course/memory.hpp"

namespace chapter3_grading {

/// cub::DeviceReduce::Sum over the n floats at x into *result (device pointers), its temporary
/// storage sized and allocated once, at construction, outside any timed region: what a
/// well-written library call costs, the yardstick for sum_fast, timed interleaved with it.
class CubSum {
 public:
  /// @throws std::invalid_argument when n does not fit in an int; course::CudaError on a CUDA
  ///         failure.
  CubSum(const float* x, std::size_t n, float* result);
  /// Queues one sum on the default stream (returns at once).
  void operator()();

 private:
  const float* x_;
  int count_;
  float* result_;
  std::size_t temp_bytes_ = 0;
  course::DeviceArray<unsigned char> temp_;
};

/// x[i] = a hash of i, a float in [0.5, 1.5), times `scale`, on the device (waits): the 1 GiB
/// speed array, filled in milliseconds instead of the seconds a host fill and upload would take.
/// A power of two for `scale` keeps every value exact: the sum is then scale * pattern_sum(n).
void fill_pattern(float* x, std::size_t n, float scale = 1.0f);

/// The sum of fill_pattern's first n values, in double on the host (about a second at 2^28).
double pattern_sum(std::size_t n);

}  // namespace chapter3_grading
