// Grader checks of how work was launched.
#include "launch_checks.hpp"

#include <cctype>
#include <iostream>
#include <mutex>
#include <set>

#include "grading.hpp"

namespace course::grading {

void require_that(bool ok, const std::string& message) {
  if (!ok)
    std::cout << "COURSE-FAIL: " << message << std::endl;
  INFO(message);
  REQUIRE(ok);
}

void note_not_run(const std::string& line) {
  static std::mutex mutex;
  static std::set<std::string> noted;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    if (!noted.insert(line).second)
      return;
  }
  note("FIGURE: " + line);
  WARN(line);
}

void not_graded_here(const std::string& reason) {
  note_not_run(reason);
  announce_skip(reason);
}

LaunchCheckVerdict launch_check_verdict(const LaunchRecording& recording, bool under_sanitizer) {
  if (recording.recorded)
    return {LaunchCheckOutcome::check, ""};
  const std::string& reason = recording.unavailable_reason;
  if (recording.build_has_no_cupti) {
    // Some packagings of the toolkit ship no CUPTI: nothing to record with, and nothing a
    // submission did. Not graded (exit 4), never a pass.
    return {LaunchCheckOutcome::not_graded, "launch check not graded here: " + reason};
  }
  if (under_sanitizer && recording.tool_holds_cupti) {
    // The project's own compute-sanitizer runs (COURSE_UNDER_SANITIZER=1): the tool holds CUPTI.
    // They look for memory errors, not grades.
    return {LaunchCheckOutcome::not_run, "launch check not run: " + reason};
  }
  // Anything else, a tool's hold outside a sanitizer run included: a recorder that a submission
  // can switch off (a replaced cupti* function, a second subscriber) must not switch the check
  // off with it.
  return {LaunchCheckOutcome::fail,
          "the launch recorder could not start (" + reason +
              "): the launch checks cannot run, so the exercise cannot be graded as passed"};
}

bool launch_check_can_run(const LaunchRecording& recording) {
  const LaunchCheckVerdict verdict = launch_check_verdict(recording, under_sanitizer());
  switch (verdict.outcome) {
    case LaunchCheckOutcome::check:
      return true;
    case LaunchCheckOutcome::not_graded:
      not_graded_here(verdict.message);
      return false;
    case LaunchCheckOutcome::not_run:
      note_not_run(verdict.message);
      return false;
    case LaunchCheckOutcome::fail:
      break;
  }
  require_that(false, verdict.message);
  return false;  // not reached: require_that throws
}

namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string lower(std::string text) {
  for (char& c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// "sm90_xmma_..." and the like: "sm", digits, "_".
bool starts_with_sm_architecture(const std::string& name) {
  if (!starts_with(name, "sm") || name.size() < 4)
    return false;
  std::size_t i = 2;
  while (i < name.size() && std::isdigit(static_cast<unsigned char>(name[i])))
    ++i;
  return i > 2 && i < name.size() && name[i] == '_';
}

}  // namespace

std::string library_of_kernel(const std::string& demangled_name) {
  KernelLaunch launch;
  launch.name = demangled_name;
  // The kernel's own name, without return type, parameters or "(anonymous namespace)::".
  const std::string name = short_name(launch);
  const std::string whole = lower(demangled_name);
  // Libraries with namespaces: the kernel is defined in them. A student kernel that merely uses
  // cub::BlockReduce inside has the student's name and is not matched.
  if (starts_with(name, "cub::"))
    return "CUB";
  if (starts_with(name, "thrust::"))
    return "Thrust";
  if (starts_with(name, "cutlass") || starts_with(name, "cute::"))
    return "CUTLASS";
  if (starts_with(name, "cublasLt") || starts_with(name, "cublas"))
    return "cuBLAS";
  // cuBLAS's kernels live in the global namespace under generated names: an architecture prefix
  // (ampere_sgemm_128x64_nn, sm90_xmma_gemm_..._cublas), the xmma and nvjet families, its own
  // GEMM/GEMV/transpose helpers, and parameter types named cublas* (cublasTransposeParams<float>,
  // cublasGemvParams<...>) that no student kernel has.
  static const char* const kArchitecturePrefixes[] = {"kepler_", "maxwell_", "pascal_",
                                                      "volta_",  "turing_",  "ampere_",
                                                      "ada_",    "hopper_",  "blackwell_"};
  for (const char* prefix : kArchitecturePrefixes) {
    if (starts_with(name, prefix))
      return "cuBLAS";
  }
  if (starts_with_sm_architecture(name))
    return "cuBLAS";
  static const char* const kCublasNames[] = {"xmma",    "nvjet",        "gemmSN_",
                                             "gemmk1_", "gemv2",        "gemvx",
                                             "gemvNSP", "splitKreduce", "transpose_readWrite",
                                             "geam_",   "cublas"};
  for (const char* part : kCublasNames) {
    if (name.find(part) != std::string::npos)
      return "cuBLAS";
  }
  if (whole.find("cublas") != std::string::npos)
    return "cuBLAS";
  if (whole.find("cutlass") != std::string::npos)
    return "CUTLASS";
  // A name the demangler could not read stays mangled: _ZN3cub..., _ZN6thrust...
  if (starts_with(name, "_ZN3cub"))
    return "CUB";
  if (starts_with(name, "_ZN6thrust"))
    return "Thrust";
  if (starts_with(name, "_ZN7cutlass"))
    return "CUTLASS";
  return "";
}

void require_own_kernels(const std::string& exercise, const LaunchRecording& recording,
                         const std::string& context) {
  if (!launch_check_can_run(recording))
    return;
  for (const KernelLaunch& launch : recording.launches) {
    const std::string library = library_of_kernel(launch.name);
    require_that(library.empty(),
                 exercise + " launched " + short_name(launch) + " for " + context + ": that is " +
                     library +
                     "'s kernel, not yours. The exercise asks for a kernel of your own: write "
                     "and launch it yourself instead of calling the library");
  }
}

void require_some_kernel(const std::string& exercise, const LaunchRecording& recording,
                         const std::string& context) {
  if (!launch_check_can_run(recording))
    return;
  require_that(!recording.launches.empty(),
               exercise + " launched no kernel for " + context +
                   ": the work must run on the GPU, in a kernel that you launch (copies, "
                   "memsets and host loops are not kernels)");
}

void require_one_launch_of_shape(const std::string& exercise, const LaunchRecording& recording,
                                 const std::array<unsigned, 3>& grid,
                                 const std::array<unsigned, 3>& block, const std::string& context,
                                 const std::string& hint) {
  if (!launch_check_can_run(recording))
    return;
  const std::string required = describe_shape(grid, block);
  const std::vector<KernelLaunch>& launches = recording.launches;
  if (launches.empty()) {
    require_that(false, exercise + " launched no kernel for " + context +
                            ": the contract is one kernel launched with exactly the grid you "
                            "are given: " +
                            required + ". Try: " + hint);
  } else if (launches.size() > 1) {
    require_that(false, exercise + " launched " + std::to_string(launches.size()) +
                            " kernels for " + context + " (" + describe(launches) +
                            "): the contract is one kernel launched with exactly the grid you "
                            "are given: " +
                            required + ". Try: " + hint);
  } else {
    const KernelLaunch& launch = launches.front();
    require_that(launch.grid == grid && launch.block == block,
                 exercise + " launched " + describe(launch) + " for " + context +
                     ": the contract is exactly the grid you are given: " + required +
                     ". Try: " + hint);
  }
}

}  // namespace course::grading
