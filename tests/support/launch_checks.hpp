// Grader checks of how work was launched (launch_recorder.hpp), and the two helpers they share
// with other contract checks: a requirement whose message survives Catch2's line wrapping, and a
// note for a check that could not run here.
#pragma once

#include <array>
#include <string>

#include "launch_recorder.hpp"

namespace course::grading {

/// REQUIREs `ok`. On failure `message` is first printed whole on one line ("COURSE-FAIL: ..."):
/// Catch2 wraps its own report at 80 columns, and the known-wrong self-test matches messages.
void require_that(bool ok, const std::string& message);

/// Reports a check that could not run here, e.g. "launch check not run: <reason>": a Catch2
/// warning and a FIGURE note for the scoreboard, once per process for each line. Never fails.
void note_not_run(const std::string& line);

/// A part of a test that this machine cannot grade (a GPU without a feature the exercise needs,
/// too little free memory for a case): noted like note_not_run, and counted as a skip, so the
/// grader exits with 4 ("not graded") unless something failed. The test goes on with its other
/// parts. A skip is never a pass.
void not_graded_here(const std::string& reason);

/// What a grader makes of a recording that could not be made.
enum class LaunchCheckOutcome {
  check,       ///< recorded: check the launches
  fail,        ///< CUPTI failed: the check fails (a broken recorder must never read as a pass)
  not_graded,  ///< this build has no CUPTI at all: the check is not graded here (exit 4)
  not_run,     ///< a tool holds CUPTI under the project's own sanitizer runs: noted, not failed
};

/// The outcome for `recording`, and the message to fail, skip or note with. `under_sanitizer` is
/// grading::under_sanitizer(): only there may a tool's hold on CUPTI leave the check unrun.
struct LaunchCheckVerdict {
  LaunchCheckOutcome outcome = LaunchCheckOutcome::check;
  std::string message;
};
LaunchCheckVerdict launch_check_verdict(const LaunchRecording& recording, bool under_sanitizer);

/// True when `recording` was made (the caller checks the launches). Otherwise, by
/// launch_check_verdict: fails "the launch recorder could not start (<reason>): ...", or counts
/// the test as not graded (a build without CUPTI), or notes "launch check not run: <reason>"
/// (a sanitizer run of the project's own suite), and returns false.
bool launch_check_can_run(const LaunchRecording& recording);

/// The library a kernel belongs to ("CUB", "Thrust", "cuBLAS", "CUTLASS", ...) when its name is
/// one of a library's (namespaces cub::, thrust::, cutlass::, cute::; cuBLAS's architecture
/// prefixes ampere_, sm90_, ...; xmma, nvjet; a cublas* type in its parameters), else "".
std::string library_of_kernel(const std::string& demangled_name);

/// Every kernel that `recording` holds is one of the student's own, not a library's (cuBLAS,
/// CUB, Thrust, CUTLASS): for exercises whose lesson asks for a kernel of one's own. Fails
/// naming the kernel; follows launch_check_can_run when nothing was recorded.
void require_own_kernels(const std::string& exercise, const LaunchRecording& recording,
                         const std::string& context);

/// The work ran in at least one kernel. `exercise` starts the message ("1.2 launched no kernel
/// for n = 7: ..."), `context` says for what input ("n = 7"). Notes instead when not recorded.
void require_some_kernel(const std::string& exercise, const LaunchRecording& recording,
                         const std::string& context);

/// Exactly one kernel ran, with exactly this grid and block. `hint` says what to try.
/// Notes instead when not recorded.
void require_one_launch_of_shape(const std::string& exercise, const LaunchRecording& recording,
                                 const std::array<unsigned, 3>& grid,
                                 const std::array<unsigned, 3>& block, const std::string& context,
                                 const std::string& hint);

}  // namespace course::grading
