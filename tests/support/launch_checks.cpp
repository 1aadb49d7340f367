// Grader checks of how work was launched.
#include "launch_checks.hpp"

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

bool launch_check_can_run(const LaunchRecording& recording) {
  if (recording.recorded)
    return true;
  note_not_run("launch check not run: " + recording.unavailable_reason);
  return false;
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
