// KNOWN-WRONG VARIANT, kept so the graders are proven to catch it (see
// tests/chapter2/CMakeLists.txt). Everything else is the reference solution; look for WRONG.
// 2.5 — SAXPY and a Euclidean norm with Thrust: no kernel written by hand.
//
// Idea: thrust::transform applies a functor element by element (SAXPY: a binary functor on x[i]
// and y[i]); thrust::transform_reduce squares every element and sums the squares in one pass
// over x, with a tree reduction that Thrust (CUB underneath) writes and tunes. Raw device
// pointers are wrapped in thrust::device_ptr so that Thrust runs the algorithms on the GPU.
// The squares are summed in double: the kernel is limited by reading x, not by arithmetic, so
// double costs nothing here, and a float sum of millions of squares keeps only about 6 digits.
// Launch shape: Thrust's own. It queues on the default stream; transform_reduce copies the sum
// back to the host and so waits for it.
// Changed from 2.1: the functor is the kernel's loop body; Thrust writes the loop and the launch.
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <cmath>
#include <vector>

#include "chapter2.hpp"
#include "course/error.hpp"

namespace {

// a * x + y. __host__ __device__ so that Thrust can call it in its kernels (nvcc's
// --extended-lambda, which would allow a __device__ lambda instead, is not enabled).
struct SaxpyFunctor {
  float a;
  __host__ __device__ float operator()(float x, float y) const { return a * x + y; }
};

// x^2, widened to double before squaring so that the reduction adds doubles.
struct SquareFunctor {
  __host__ __device__ double operator()(float x) const {
    const double wide = x;
    return wide * wide;
  }
};

}  // namespace

namespace chapter2 {

void thrust_saxpy(float a, const float* x, float* y, std::size_t n) {
  if (n == 0)
    return;
  const thrust::device_ptr<const float> x_begin = thrust::device_pointer_cast(x);
  const thrust::device_ptr<float> y_begin = thrust::device_pointer_cast(y);
  // Two inputs (x, y), one output (y, in place): y[i] = functor(x[i], y[i]).
  thrust::transform(thrust::cuda::par, x_begin, x_begin + n, y_begin, y_begin, SaxpyFunctor{a});
}

double thrust_norm(const float* x, std::size_t n) {
  if (n == 0)
    return 0.0;
  // WRONG: x is copied to the host and summed there. The result is right, but the copy crosses
  // the bus at a few tens of GB/s and one CPU core does the sum: far below the GPU's bandwidth.
  std::vector<float> host_x(n);
  COURSE_CUDA_CHECK(cudaMemcpy(host_x.data(), x, n * sizeof(float), cudaMemcpyDeviceToHost));
  double sum_of_squares = 0.0;
  for (const float value : host_x)
    sum_of_squares += SquareFunctor{}(value);
  return std::sqrt(sum_of_squares);
}

}  // namespace chapter2
