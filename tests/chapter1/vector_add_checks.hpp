// Checks shared by the graders of 1.2 and 1.5, which have the same contract.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <functional>
#include <string>

namespace chapter1_grading {

using Launcher = std::function<void(const float*, const float*, float*, std::size_t, cudaStream_t)>;

/// Runs `launch` for every interesting size (and `extra_large`) on random data into a poisoned
/// output with a poisoned guard region after it, and REQUIREs every element to match the CPU
/// reference and the guard to be untouched.
void check_correct_for_all_sizes(const Launcher& launch, std::size_t extra_large);

/// Median bandwidth of `launch` at n floats (bytes read + written over the median time, bytes/s).
double measure_bandwidth(const Launcher& launch, std::size_t n);

}  // namespace chapter1_grading
