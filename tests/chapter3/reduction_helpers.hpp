// What grade_reduction.cpp needs from nvcc: CUB's sum, timed, and a fast fill of a large array.
// Plain C++ declarations (g++ compiles the grader); the definitions are in reduction_helpers.cu.
#pragma once

#include <cstddef>

namespace chapter3_grading {

/// Median time in ms of cub::DeviceReduce::Sum over the n floats at x into *result (device
/// pointers), on the default stream, with course::time_gpu (3 warm-up runs, 20 timed). Its
/// temporary storage is sized and allocated once, before and outside the timed region: what a
/// well-written library call costs, the yardstick for sum_fast.
double time_cub_sum_ms(const float* x, std::size_t n, float* result);

/// x[i] = a hash of i, a float in [0.5, 1.5), times `scale`, on the device (waits): the 1 GiB
/// speed array, filled in milliseconds instead of the seconds a host fill and upload would take.
/// A power of two for `scale` keeps every value exact: the sum is then scale * pattern_sum(n).
void fill_pattern(float* x, std::size_t n, float scale = 1.0f);

/// The sum of fill_pattern's first n values, in double on the host (about a second at 2^28).
double pattern_sum(std::size_t n);

}  // namespace chapter3_grading
