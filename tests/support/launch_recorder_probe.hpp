// The launch recorder's test launch (launch_recorder_probe.cu): a kernel of a known shape that the
// recorder launches once per process to find out whether CUPTI's records can be trusted here.
#pragma once

#include <array>

namespace course::grading::detail {

/// The shape of the probe launch.
struct ProbeLaunch {
  std::array<unsigned, 3> grid;
  std::array<unsigned, 3> block;
  unsigned dynamic_shared_bytes;
  unsigned static_shared_bytes;  ///< what the kernel declares; CUPTI may report more, never less
  const char* name_part;         ///< a part of the kernel's name
};

/// Launches the probe kernel, waits for it and returns the shape it was launched with.
/// @throws course::CudaError when the launch fails (e.g. no code for this GPU in the build).
ProbeLaunch launch_recorder_probe();

}  // namespace course::grading::detail
