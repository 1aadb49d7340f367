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
/// reference, the guard to be untouched, a and b unchanged and, for n > 0, at least one kernel
/// to have been launched, all of them the student's own (not a library's). `exercise` ("1.2")
/// starts the messages.
void check_correct_for_all_sizes(const std::string& exercise, const Launcher& launch,
                                 std::size_t extra_large);

/// The same past 2^31 elements (course::grading::kPast2To31Elements), where 32-bit index
/// arithmetic breaks, on exact periodic inputs (large_arrays.hpp): every c[i] exact, the guard
/// after c intact, a and b unchanged. Needs about 10 GiB of free GPU memory (8 GiB for c, a and b
/// mapped at 6 MiB each, 2 GiB to spare), 26 GiB where the GPU cannot map memory: where that is
/// not free, it notes "the 2^31+ case was not run: needs ..." for the scoreboard and returns.
void check_correct_past_2_to_31(const std::string& exercise, const Launcher& launch);

/// Median bandwidth of `launch` at n floats (bytes read + written over the median time, bytes/s),
/// timed with course::grading::time_student (nothing may keep running after the call), then one
/// more call on new inputs in the same buffers, checked (no result memoised or replayed), with
/// a and b unchanged and only the student's own kernels. `exercise` ("1.2") starts the messages.
/// With `copy_bandwidth`, a device-to-device copy of n floats (the grader's yardstick) is timed
/// interleaved with the call (copy, call, copy, call, ...: course::grading::time_interleaved), so
/// that the share of the copy sees the same clocks, and its bandwidth (bytes read + written) is
/// written there.
double measure_bandwidth(const std::string& exercise, const Launcher& launch, std::size_t n,
                         double* copy_bandwidth = nullptr);

}  // namespace chapter1_grading
