// Kernels of known shapes for the launch recorder's own tests. In a named namespace, so that
// their recorded names are predictable: "launch_recorder_test::shaped_kernel".
#include "course/error.hpp"
#include "launch_recorder_test_kernels.hpp"

namespace launch_recorder_test {

namespace {
dim3 to_dim3(const std::array<unsigned, 3>& value) {
  return dim3(value[0], value[1], value[2]);
}
}  // namespace

__global__ void shaped_kernel(float* sink, unsigned dynamic_floats) {
  constexpr unsigned kDeclared = kShapedStaticSharedBytes / sizeof(float);
  __shared__ float declared[kDeclared];
  extern __shared__ float dynamic[];
  const unsigned thread = (threadIdx.z * blockDim.y + threadIdx.y) * blockDim.x + threadIdx.x;
  // One writer per element: no race for compute-sanitizer's racecheck to report.
  if (thread < kDeclared)
    declared[thread] = static_cast<float>(thread);
  if (thread < dynamic_floats)
    dynamic[thread] = 1.0f;
  __syncthreads();
  if (sink != nullptr && thread == 0)  // keeps the arrays alive; never taken (sink is null)
    *sink = declared[kDeclared - 1] + (dynamic_floats > 0 ? dynamic[0] : 0.0f);
}

template <int kFactor>
__global__ void templated_kernel(float* sink) {
  if (sink != nullptr)
    sink[threadIdx.x] *= kFactor;
}

__global__ void spin_kernel(unsigned long long nanoseconds) {
  unsigned long long start = 0;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
  unsigned long long now = start;
  while (now - start < nanoseconds)
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
}

__global__ void scaled_add_kernel(float scale, const float* x, const float* y, float* out,
                                  std::size_t n) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    out[i] = scale * x[i] + y[i];
}

void launch_shaped(const std::array<unsigned, 3>& grid, const std::array<unsigned, 3>& block,
                   unsigned dynamic_shared_bytes) {
  shaped_kernel<<<to_dim3(grid), to_dim3(block), dynamic_shared_bytes>>>(
      nullptr, dynamic_shared_bytes / sizeof(float));
  COURSE_CHECK_LAUNCH();
}

void launch_templated() {
  templated_kernel<4><<<1, 32>>>(nullptr);
  COURSE_CHECK_LAUNCH();
}

void launch_spin(unsigned milliseconds) {
  spin_kernel<<<1, 1>>>(milliseconds * 1000000ull);
  COURSE_CHECK_LAUNCH();
}

void launch_spin_on(unsigned milliseconds, cudaStream_t stream) {
  spin_kernel<<<1, 1, 0, stream>>>(milliseconds * 1000000ull);
  COURSE_CHECK_LAUNCH();
}

void launch_scaled_add(float scale, const float* x, const float* y, float* out, std::size_t n) {
  if (n == 0)
    return;
  scaled_add_kernel<<<1024, 256>>>(scale, x, y, out, n);
  COURSE_CHECK_LAUNCH();
}

}  // namespace launch_recorder_test
