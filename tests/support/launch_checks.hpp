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

/// When `recording` could not be made: notes "launch check not run: <reason>" and returns false.
/// Otherwise returns true (the caller checks the launches).
bool launch_check_can_run(const LaunchRecording& recording);

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
