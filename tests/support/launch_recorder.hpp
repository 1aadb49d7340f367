// How work was launched, as the CUDA driver saw it: the kernels a piece of work launched, with
// their grid, block, shared memory and registers. For graders whose contract says how the work is
// launched ("exactly `blocks` blocks", "in a kernel", "a tiled kernel uses shared memory").
// Built on CUPTI's activity API (launch_recorder.cpp); this header is plain C++.
#pragma once

#include <array>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace course::grading {

/// One kernel launch.
struct KernelLaunch {
  std::string name;                     ///< demangled when possible, with its parameter list
  std::array<unsigned, 3> grid{};       ///< blocks in x, y, z
  std::array<unsigned, 3> block{};      ///< threads per block in x, y, z
  unsigned static_shared_bytes = 0;     ///< the kernel's `__shared__` arrays
  unsigned dynamic_shared_bytes = 0;    ///< the third <<<...>>> argument
  unsigned registers_per_thread = 0;    ///< as compiled
  unsigned local_bytes_per_thread = 0;  ///< local memory: register spills, indexed local arrays
};

/// The kernel's name without "(anonymous namespace)::" and without its parameter list:
/// "saxpy_kernel", "chapter3::tiled_kernel<16>".
std::string short_name(const KernelLaunch& launch);

/// "grid (4,1,1) block (256,1,1)".
std::string describe_shape(const std::array<unsigned, 3>& grid,
                           const std::array<unsigned, 3>& block);

/// "saxpy_kernel grid (4,1,1) block (256,1,1), shared 0 B static + 0 B dynamic, 16 registers"
/// (and ", 64 B local per thread" when the kernel uses local memory).
std::string describe(const KernelLaunch& launch);

/// "no kernel", or each launch described, separated by "; ".
std::string describe(const std::vector<KernelLaunch>& launches);

/// What try_record_launches saw.
struct LaunchRecording {
  /// False when recording cannot work here; unavailable_reason then says why, and `launches` is
  /// empty (nothing is known about them, not "no kernel was launched").
  bool recorded = false;
  std::vector<KernelLaunch> launches;  ///< in launch order
  std::string unavailable_reason;
  /// Why not, when not recorded: this build has no CUPTI at all (the toolkit shipped none), or a
  /// tool (compute-sanitizer, Nsight Compute, Nsight Systems) holds CUPTI in this process. Neither
  /// set: CUPTI failed in some other way (launch_checks.hpp says what a grader makes of each).
  bool build_has_no_cupti = false;
  bool tool_holds_cupti = false;
};

/// Waits for the device, runs `work` exactly once, waits for the device again and returns the
/// kernels launched in between, in launch order. Kernels that earlier work launched are not
/// listed, nor are memory copies and memsets; kernels that other threads of this process launch
/// meanwhile are (graders run one thing at a time). Usable any number of times in a process, one
/// recording at a time: `work` must not record launches itself.
///
/// Recording cannot work in some processes: when compute-sanitizer, Nsight Compute or Nsight
/// Systems already uses CUPTI (CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED), when this build has
/// no CUPTI, or when a test launch is not recorded faithfully. `work` then still runs once and
/// the result says why nothing was recorded; a grader's launch check then fails, or is not graded
/// (launch_check_can_run in launch_checks.hpp): it never passes unchecked.
///
/// Exceptions from `work` propagate, as do CUDA errors (course::CudaError) from the waits.
LaunchRecording try_record_launches(const std::function<void()>& work);

/// Thrown by record_launches when recording cannot work here. what() is the reason.
class LaunchRecordingUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The same as try_record_launches, but throws LaunchRecordingUnavailable (after `work` has run)
/// when recording cannot work here.
std::vector<KernelLaunch> record_launches(const std::function<void()>& work);

}  // namespace course::grading
