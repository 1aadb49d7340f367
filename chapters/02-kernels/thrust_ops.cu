// 2.5 — SAXPY and a Euclidean norm with Thrust: no kernel written by hand.
//
// Idea: thrust::transform applies a functor element by element; thrust::transform_reduce
// transforms every element and sums the results in one pass. Raw device pointers become
// thrust::device_ptr so that Thrust runs the algorithms on the GPU.
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <cmath>

#include "chapter2.hpp"
#include "course/error.hpp"

namespace {

// a * x + y, callable from Thrust's kernels: hence __host__ __device__. (A __device__ lambda
// would need nvcc's --extended-lambda, which the course does not enable.)
struct SaxpyFunctor {
  float a;
  __host__ __device__ float operator()(float x, float y) const {
    // TODO(2.5): return a * x + y.
    return 0.0f;
  }
};

// x squared, for the norm.
struct SquareFunctor {
  __host__ __device__ double operator()(float x) const {
    // TODO(2.5): return the square of x. Why does this return double and not float: how many
    // significant digits does a float sum of millions of squares keep?
    return 0.0;
  }
};

}  // namespace

namespace chapter2 {

void thrust_saxpy(float a, const float* x, float* y, std::size_t n) {
  // TODO(2.5): wrap x and y with thrust::device_pointer_cast, then one thrust::transform with
  // two input ranges (x and y), y as the output and SaxpyFunctor{a}. Which execution policy
  // runs it on the GPU and returns without waiting, as chapter2.hpp asks (thrust::cuda::par
  // waits for the GPU before returning; thrust::cuda::par_nosync does not)?
  COURSE_TODO("2.5", "y = a * x + y with thrust::transform");
}

double thrust_norm(const float* x, std::size_t n) {
  // TODO(2.5): thrust::transform_reduce over x with SquareFunctor, an initial value and
  // thrust::plus<...>: what type must the initial value have for the sum to be a double?
  // Return the square root of the sum.
  COURSE_TODO("2.5", "the Euclidean norm with thrust::transform_reduce");
}

}  // namespace chapter2
