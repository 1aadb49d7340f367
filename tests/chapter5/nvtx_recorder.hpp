// An NVTX recorder for the graders: a static NVTX injection linked into the grader, so that the
// NVTX ranges a student's code opens are recorded in the process itself, with no profiler.
//
// How: NVTX3 is header-only; on its first call it looks for a tool to hand its calls to: a library
// named by $NVTX_INJECTION64_PATH (what Nsight Systems and Nsight Compute set), or else a
// function pointer InitializeInjectionNvtx2_fnptr that the program itself defines (a "static
// injection"; every file that includes the NVTX headers only has a weak, null one). The recorder
// defines that pointer, so NVTX hands it the range calls. Under a profiler the profiler's
// library wins and the recorder sees nothing: saw_probe() then says so.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace course::grading::nvtx {

/// One NVTX call the recorder saw.
struct RangeCall {
  enum class Kind { push, pop, start, end };
  Kind kind = Kind::push;
  std::string name;      ///< the message (push, start); empty for pop and end
  std::uint64_t id = 0;  ///< the range id (start, end); 0 for push and pop
};

/// True when the recorder saw a range named `probe` pushed since the last clear(): the caller
/// pushes and pops one (nvtxRangePushA, from a file that includes <nvtx3/nvToolsExt.h>; this one
/// cannot call NVTX itself) to learn whether NVTX's calls reach the recorder. Forgets every call
/// recorded so far. When false, `why_not` says why (for example a profiler's injection library).
bool saw_probe(const std::string& probe, std::string* why_not);

/// Forgets every call recorded so far.
void clear();

/// The calls recorded since the last clear(), in order.
std::vector<RangeCall> calls();

/// Checks that `calls` hold the ranges `names`, in this order, each opened once (push or start)
/// and closed (its pop or end) before the next one opens; other ranges may surround them or lie
/// between them, and every range must be closed at the end. Returns "" when they do, otherwise
/// what is wrong, for a grader's message.
std::string check_ranges(const std::vector<RangeCall>& calls,
                         const std::vector<std::string>& names);

}  // namespace course::grading::nvtx
