// Grader for 1.5 (optional): vector add at the memory ceiling.
#include "chapter1.hpp"
#include "course/course.hpp"
#include "gpu_requirements.hpp"
#include "grading.hpp"
#include "vector_add_checks.hpp"

namespace {
const chapter1_grading::Launcher kLauncher = [](const float* a, const float* b, float* c,
                                                std::size_t n, cudaStream_t stream) {
  chapter1::vector_add_fast(a, b, c, n, stream);
};
}  // namespace

TEST_CASE("1.5 vector_add_fast is correct for every size", "[1.5][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter1_grading::check_correct_for_all_sizes("1.5", kLauncher, (std::size_t{1} << 26) + 3);
}

TEST_CASE("1.5 vector_add_fast is correct past 2^31 elements", "[1.5][correctness]") {
  COURSE_REQUIRE_GPU();
  chapter1_grading::check_correct_past_2_to_31("1.5", kLauncher);
}

TEST_CASE("1.5 vector_add_fast reaches the copy bandwidth", "[1.5][speed]") {
  COURSE_REQUIRE_GPU();
  const std::size_t n = std::size_t{1} << 27;
  // The copy timed interleaved with the kernel (copy, kernel, copy, ...): a card that changes
  // clocks between runs changes both alike. Measured on 2026-11-22, in blocks: the reference 103%
  // of the copy on an H100 and 104% on an H200, the plain 1.2 kernel 93.1% and 82.8%. 95% cannot
  // separate the two on a GPU where the plain kernel already streams at the copy's speed: by
  // speed alone, nothing can (see the lesson); interleaved: not yet run on a GPU.
  double copy = 0;
  const double kernel = chapter1_grading::measure_bandwidth("1.5", kLauncher, n, &copy);
  INFO("device: " << course::describe(course::device_info()));
  course::grading::require_share_of_copy(
      "bandwidth", kernel, copy, course::grading::kShareOfCopy_1_5,
      "16-byte loads and stores (float4) so that each thread moves four elements per "
      "request; keep consecutive threads on consecutive float4s");
}
