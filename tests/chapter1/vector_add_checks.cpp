#include "vector_add_checks.hpp"

#include <cuda_runtime_api.h>

#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "call_checks.hpp"
#include "course/course.hpp"
#include "grading.hpp"
#include "large_arrays.hpp"
#include "launch_checks.hpp"

namespace chapter1_grading {

namespace {
constexpr std::size_t kGuard = 4096;  // elements after the end of c that must stay untouched
}

void check_correct_for_all_sizes(const std::string& exercise, const Launcher& launch,
                                 std::size_t extra_large) {
  auto sizes = course::grading::interesting_sizes();
  sizes.push_back(extra_large);
  const std::uint64_t seed = course::grading::seed();
  for (const std::size_t n : sizes) {
    INFO("n = " << n << ", seed = " << seed << " (replay: COURSE_SEED=" << seed << ")");
    const std::vector<float> a = course::random_floats(n, seed + n, -100.0f, 100.0f);
    const std::vector<float> b = course::random_floats(n, seed + n + 1, -100.0f, 100.0f);
    std::vector<double> expected(n);
    for (std::size_t i = 0; i < n; ++i)
      expected[i] = double(a[i]) + double(b[i]);

    const course::DeviceArray<float> device_a = course::to_device(a);
    const course::DeviceArray<float> device_b = course::to_device(b);
    course::DeviceArray<float> device_c(n + kGuard);
    device_c.fill_bytes(0xFF);  // poison: every float is a NaN that no addition produces

    const course::grading::LaunchRecording recording = course::grading::try_record_launches([&] {
      launch(device_a.data(), device_b.data(), device_c.data(), n, nullptr);
      COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here
    });

    // Inputs left as they were: the check below compares with the grader's own copies anyway,
    // but a function that overwrites a and b is wrong (they are const).
    course::grading::require_input_unchanged(exercise + " vector_add", "a", device_a.data(), a);
    course::grading::require_input_unchanged(exercise + " vector_add", "b", device_b.data(), b);

    const std::vector<float> c = device_c.to_host();
    // float addition is correctly rounded: the only error allowed is that one rounding.
    const course::Comparison result =
        course::compare_close(c.data(), expected.data(), n, {1e-30, 1e-7});
    INFO(result.summary());
    REQUIRE(result.ok());

    std::size_t overwritten = 0;
    for (std::size_t i = n; i < n + kGuard; ++i)
      overwritten += course::is_poison(c[i]) ? 0 : 1;
    INFO("the kernel wrote past the end of c: " << overwritten << " of the " << kGuard
                                                << " elements after c[n-1] were changed "
                                                << "(is the bounds check missing?)");
    REQUIRE(overwritten == 0);

    // Right results, but were they computed on the GPU, in a kernel of the student's own?
    if (n > 0) {
      course::grading::require_some_kernel(exercise, recording, "n = " + std::to_string(n));
      course::grading::require_own_kernels(exercise, recording, "n = " + std::to_string(n));
    }
  }
}

void check_correct_past_2_to_31(const std::string& exercise, const Launcher& launch) {
  namespace grading = course::grading;
  const std::size_t n = grading::kPast2To31Elements;
  const std::string case_name = "n = 2^31 + " + std::to_string(n - (std::size_t{1} << 31));
  const grading::LargeCaseTurn turn;  // before the arrays: held until they are freed
  // a and b mapped (6 MiB each) where the GPU can, c real: about 10 GiB free with the spare.
  std::optional<grading::LargeCase> arrays = grading::allocate_large_case(
      n, {grading::Pattern::counting, grading::Pattern::even}, {n + kGuard});
  if (!arrays)
    return;  // noted as not run
  const grading::PeriodicInput& a = arrays->inputs[0];
  const grading::PeriodicInput& b = arrays->inputs[1];
  course::DeviceArray<float>& c = arrays->outputs[0];
  c.fill_bytes(0xFF);  // poison, and the guard after it
  INFO(exercise << " on " << case_name << " elements, " << grading::describe(a.pattern(), "a")
                << ", " << grading::describe(b.pattern(), "b") << ": c[i] = 3q + 1");

  launch(a.data(), b.data(), c.data(), n, nullptr);
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // errors inside the kernel surface here

  const grading::PatternComparison result = grading::compare_with_pattern_sum(
      c.data(), n, 1.0f, grading::Pattern::counting, grading::Pattern::even);
  grading::require_that(result.ok(), exercise + " is wrong past 2^31 elements (" + case_name +
                                         "): in c, " + result.summary() +
                                         ". Try: " + grading::kWideIndexHint);
  const std::size_t overwritten = grading::count_overwritten(c.data(), n, kGuard);
  grading::require_that(overwritten == 0,
                        exercise + " wrote past the end of c at " + case_name + ": " +
                            std::to_string(overwritten) + " of the " + std::to_string(kGuard) +
                            " elements after c[n-1] were changed (is the bounds check missing?)");
  for (const grading::PeriodicInput* input : {&a, &b}) {
    const grading::PatternComparison unchanged = input->compare_with_pattern();
    grading::require_that(unchanged.ok(), exercise + " wrote into its input " +
                                              (input == &a ? "a" : "b") + " at " + case_name +
                                              ": " + unchanged.summary() +
                                              " (a and b are read-only: const float*)");
  }
}

double measure_bandwidth(const std::string& exercise, const Launcher& launch, std::size_t n,
                         double* copy_bandwidth) {
  namespace grading = course::grading;
  std::vector<float> host_a = course::random_floats(n, grading::seed());
  std::vector<float> host_b = host_a;
  course::DeviceArray<float> a = course::to_device(host_a);
  course::DeviceArray<float> b = course::to_device(host_b);
  course::DeviceArray<float> c(n);
  const std::string what = exercise + " vector_add at n = " + std::to_string(n);
  const std::function<void()> call = [&] { launch(a.data(), b.data(), c.data(), n, nullptr); };
  course::Timing timing;
  if (copy_bandwidth == nullptr) {
    timing = grading::time_student(what, call, {3, 30});
  } else {
    course::DeviceArray<float> copied(n);
    const std::vector<course::Timing> timings = grading::time_interleaved(
        {{"the grader's device-to-device copy of n = " + std::to_string(n) + " floats",
          [&] {
            COURSE_CUDA_CHECK(cudaMemcpyAsync(copied.data(), a.data(), n * sizeof(float),
                                              cudaMemcpyDeviceToDevice));
          },
          nullptr},
         {what, call, nullptr}},
        {3, 30});
    *copy_bandwidth = 2.0 * n * sizeof(float) / (timings[0].median_ms * 1e-3);
    timing = timings[1];
  }

  // The same call on new values in the same buffers: a result kept from an earlier call with the
  // same pointers (or computed once in a warm-up) does not match them.
  grading::FreshCall fresh;
  fresh.new_inputs = [&] {
    host_a = course::random_floats(n, grading::seed() + 101, -100.0f, 100.0f);
    host_b = course::random_floats(n, grading::seed() + 102, -100.0f, 100.0f);
    a.copy_from_host(host_a);
    b.copy_from_host(host_b);
  };
  fresh.poison_outputs = [&] { c.fill_bytes(0xFF); };
  fresh.call = [&] { launch(a.data(), b.data(), c.data(), n, nullptr); };
  fresh.mismatch = [&]() -> std::string {
    grading::require_input_unchanged(what, "a", a.data(), host_a);
    grading::require_input_unchanged(what, "b", b.data(), host_b);
    const std::vector<float> got = c.to_host();
    std::size_t wrong = 0;
    std::size_t first = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double expected = double(host_a[i]) + double(host_b[i]);
      // One rounding allowed, as in the correctness test; NaN (the poison) never passes.
      if (!(std::fabs(got[i] - expected) <= 1e-7 * std::fabs(expected) + 1e-30) && wrong++ == 0)
        first = i;
    }
    if (wrong == 0)
      return "";
    return std::to_string(wrong) + " of " + std::to_string(n) + " elements of c differ; c[" +
           std::to_string(first) + "] = " + std::to_string(got[first]) + ", expected " +
           std::to_string(double(host_a[first]) + double(host_b[first])) +
           (course::is_poison(got[first]) ? " (never written)" : "");
  };
  fresh.own_kernels_only = true;
  fresh.context = "n = " + std::to_string(n);
  grading::require_fresh_result(what, fresh);
  return 3.0 * n * sizeof(float) / (timing.median_ms * 1e-3);
}

}  // namespace chapter1_grading
