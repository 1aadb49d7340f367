// What the 5.3 grader places on the roofline: the course's operations (the vector add, SAXPY, the
// transpose, the sum and an SGEMM) done by Thrust, CUB and cuBLAS, never by an exercise's answer,
// each timed with CUDA events (warm-up, median of 5) at a size far above the L2 cache. Plus the
// grader's own FP32 peak, to judge the student's.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace roofline_probe {

/// One kernel as the grader ran it.
struct Measured {
  std::string name;       ///< e.g. "vector add (1.2), Thrust"
  std::string cost;       ///< which cost function describes it, e.g. "vector_add_cost(2^26)"
  double seconds = 0;     ///< median time of one run
  std::size_t size = 0;   ///< n, or the side of the matrix
  std::size_t size2 = 0;  ///< the second side (transpose), or 0
};

/// Runs and times every operation. Throws course::CudaError on a CUDA failure.
std::vector<Measured> measure_course_kernels();

/// The grader's FP32 peak: an FMA-only kernel (8 independent chains per thread, the GPU full),
/// timed with events; FLOP/s.
double grader_peak_flops();

}  // namespace roofline_probe
