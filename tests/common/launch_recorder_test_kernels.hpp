// Kernels of known shapes for the launch recorder's own tests (launch_recorder_test_kernels.cu).
// Plain C++: each function launches on the default stream (launch_spin_on: on the stream given)
// and returns without waiting.
#pragma once

#include <cuda_runtime_api.h>

#include <array>
#include <cstddef>

namespace launch_recorder_test {

/// Static shared memory that shaped_kernel declares.
constexpr unsigned kShapedStaticSharedBytes = 512;

/// launch_recorder_test::shaped_kernel with this grid, block and dynamic shared memory.
void launch_shaped(const std::array<unsigned, 3>& grid, const std::array<unsigned, 3>& block,
                   unsigned dynamic_shared_bytes);

/// launch_recorder_test::templated_kernel<4>, one block of 32 threads.
void launch_templated();

/// A kernel that keeps one thread busy for about `milliseconds`.
void launch_spin(unsigned milliseconds);

/// The same on `stream`.
void launch_spin_on(unsigned milliseconds, cudaStream_t stream);

/// out[i] = scale * x[i] + y[i] for i < n (device pointers).
void launch_scaled_add(float scale, const float* x, const float* y, float* out, std::size_t n);

}  // namespace launch_recorder_test
