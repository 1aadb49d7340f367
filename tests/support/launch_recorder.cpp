// The launch recorder: CUPTI's activity API with kernel records
// (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL) enabled only while the recorded work runs.
//
// How CUPTI hands records over: it asks for empty buffers (on_buffer_requested), fills them, and
// returns them full (on_buffer_completed) from its own thread, or from ours inside
// cuptiActivityFlushAll. Records are collected only while a window is open; everything delivered
// outside one (earlier work, late stragglers) is dropped. The collector outlives main(): CUPTI may
// return buffers while the process exits.
//
// Coexistence with tools: compute-sanitizer (every tool) and Nsight Compute hold CUPTI in the
// process they run; there cuptiActivityRegisterCallbacks and every later call return
// CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED (seen on the H100 machine with CUDA 13.0). That,
// any other CUPTI failure, and a test launch that is not recorded faithfully make recording
// "unavailable" for the rest of the process. What a grader makes of it is launch_checks.cpp's
// business: a failed launch check, except under the project's own sanitizer runs (a tool holds
// CUPTI) and in a build without CUPTI (not graded). A submission that breaks CUPTI (a replaced
// cupti* function, say) therefore cannot turn the launch checks off.
#include "launch_recorder.hpp"

#include <cuda_runtime_api.h>
#include <cxxabi.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <sstream>
#include <utility>

#include "course/error.hpp"
#include "launch_recorder_probe.hpp"

#if COURSE_HAVE_CUPTI
#include <cupti.h>
#endif

namespace course::grading {

namespace {

std::string demangle(const char* mangled) {
  if (mangled == nullptr)
    return "(unnamed kernel)";
  int status = 0;
  const std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(mangled);
}

std::string format_triple(const std::array<unsigned, 3>& value) {
  return "(" + std::to_string(value[0]) + "," + std::to_string(value[1]) + "," +
         std::to_string(value[2]) + ")";
}

// Serialises recordings, and remembers once per process whether recording works here.
struct RecorderState {
  std::mutex mutex;
  bool initialised = false;
  std::string unavailable_reason;  // empty: recording works
  bool tool_holds_cupti = false;   // the reason is a tool's hold on CUPTI
};

RecorderState& recorder_state() {
  static RecorderState* const state = new RecorderState;  // never destroyed, like the collector
  return *state;
}

}  // namespace

std::string short_name(const KernelLaunch& launch) {
  std::string name = launch.name;
  // The parameter list: from the '(' that matches the final ')'.
  if (!name.empty() && name.back() == ')') {
    int depth = 0;
    for (std::size_t i = name.size(); i-- > 0;) {
      if (name[i] == ')') {
        ++depth;
      } else if (name[i] == '(' && --depth == 0) {
        name.erase(i);
        break;
      }
    }
  }
  const std::string anonymous = "(anonymous namespace)::";
  for (std::size_t at = name.find(anonymous); at != std::string::npos;
       at = name.find(anonymous, at))
    name.erase(at, anonymous.size());
  // A template kernel's demangled name starts with its return type.
  const std::string return_type = "void ";
  if (name.rfind(return_type, 0) == 0)
    name.erase(0, return_type.size());
  return name.empty() ? launch.name : name;
}

std::string describe_shape(const std::array<unsigned, 3>& grid,
                           const std::array<unsigned, 3>& block) {
  return "grid " + format_triple(grid) + " block " + format_triple(block);
}

std::string describe(const KernelLaunch& launch) {
  std::ostringstream text;
  text << short_name(launch) << " " << describe_shape(launch.grid, launch.block) << ", shared "
       << launch.static_shared_bytes << " B static + " << launch.dynamic_shared_bytes
       << " B dynamic, " << launch.registers_per_thread << " registers";
  if (launch.local_bytes_per_thread > 0)
    text << ", " << launch.local_bytes_per_thread << " B local per thread";
  return text.str();
}

std::string describe(const std::vector<KernelLaunch>& launches) {
  if (launches.empty())
    return "no kernel";
  std::string text;
  for (const KernelLaunch& launch : launches) {
    if (!text.empty())
      text += "; ";
    text += describe(launch);
  }
  return text;
}

#if COURSE_HAVE_CUPTI

namespace {

// The kernel record of this toolkit's CUPTI. Every field read here sits at the same offset in
// CUpti_ActivityKernel4 to 10.
#if CUPTI_API_VERSION >= 130000
using KernelRecord = CUpti_ActivityKernel10;
#else
using KernelRecord = CUpti_ActivityKernel9;
#endif

constexpr std::size_t kBufferBytes = std::size_t{1} << 20;  // about 4000 kernel records

struct CollectedLaunch {
  std::uint32_t correlation_id;  // increases with every CUDA call: sorts launches into launch order
  KernelLaunch launch;
};

// What CUPTI delivered while a window was open. Shared with CUPTI's thread.
struct Collector {
  std::mutex mutex;
  bool collecting = false;
  std::vector<CollectedLaunch> launches;
  std::size_t lost = 0;  // records CUPTI dropped or we could not read
};

Collector& collector() {
  static Collector* const instance = new Collector;  // CUPTI may call back while the process exits
  return *instance;
}

unsigned non_negative(std::int32_t value) {
  return value < 0 ? 0u : static_cast<unsigned>(value);
}

KernelLaunch to_launch(const KernelRecord& record) {
  KernelLaunch launch;
  launch.name = demangle(record.name);
  launch.grid = {non_negative(record.gridX), non_negative(record.gridY),
                 non_negative(record.gridZ)};
  launch.block = {non_negative(record.blockX), non_negative(record.blockY),
                  non_negative(record.blockZ)};
  launch.static_shared_bytes = non_negative(record.staticSharedMemory);
  launch.dynamic_shared_bytes = non_negative(record.dynamicSharedMemory);
  launch.registers_per_thread = record.registersPerThread;
  launch.local_bytes_per_thread = record.localMemoryPerThread;
  return launch;
}

void CUPTIAPI on_buffer_requested(std::uint8_t** buffer, std::size_t* size,
                                  std::size_t* max_records) {
  // A null buffer is allowed: CUPTI then drops records, which the window reports as lost.
  *buffer = static_cast<std::uint8_t*>(std::aligned_alloc(ACTIVITY_RECORD_ALIGNMENT, kBufferBytes));
  *size = *buffer == nullptr ? 0 : kBufferBytes;
  *max_records = 0;  // as many as fit
}

// Called by CUPTI, from C: nothing may escape.
void CUPTIAPI on_buffer_completed(CUcontext context, std::uint32_t stream_id, std::uint8_t* buffer,
                                  std::size_t /*size*/, std::size_t valid_bytes) noexcept {
  std::vector<CollectedLaunch> found;
  std::size_t lost = 0;
  try {
    CUpti_Activity* record = nullptr;
    CUptiResult status = CUPTI_SUCCESS;
    while ((status = cuptiActivityGetNextRecord(buffer, valid_bytes, &record)) == CUPTI_SUCCESS) {
      if (record->kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL ||
          record->kind == CUPTI_ACTIVITY_KIND_KERNEL) {
        const auto& kernel = *reinterpret_cast<const KernelRecord*>(record);
        found.push_back({kernel.correlationId, to_launch(kernel)});
      }
    }
    if (status != CUPTI_ERROR_MAX_LIMIT_REACHED)
      ++lost;  // an incomplete or unreadable record
  } catch (...) {
    ++lost;  // out of memory while copying records
  }
  std::size_t dropped = 0;
  if (cuptiActivityGetNumDroppedRecords(context, stream_id, &dropped) == CUPTI_SUCCESS)
    lost += dropped;
  std::free(buffer);
  try {
    Collector& shared = collector();
    const std::lock_guard<std::mutex> lock(shared.mutex);
    if (shared.collecting) {
      shared.launches.insert(shared.launches.end(), std::make_move_iterator(found.begin()),
                             std::make_move_iterator(found.end()));
      shared.lost += lost;
    }
  } catch (...) {
    // Nothing to do: a failing lock loses this buffer, and the window cannot tell. Never seen.
  }
}

// Only this result means "a tool holds CUPTI": what compute-sanitizer and Nsight Compute cause.
bool is_tool_hold(CUptiResult result) {
  return result == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED;
}

std::string cupti_failure(const char* call, CUptiResult result) {
  const char* text = nullptr;
  if (cuptiGetResultString(result, &text) != CUPTI_SUCCESS || text == nullptr)
    text = "unknown CUPTI error";
  std::string reason = std::string(call) + " returned " + text;
  if (result == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED ||
      result == CUPTI_ERROR_NOT_INITIALIZED || result == CUPTI_ERROR_INSUFFICIENT_PRIVILEGES) {
    reason +=
        " (another tool, such as compute-sanitizer, Nsight Compute or Nsight Systems, is "
        "using CUPTI in this process)";
  }
  return reason;
}

// Kernel records are enabled, and collected, for the lifetime of a window: one at a time (the
// recorder's mutex). The device must be idle when a window opens and when it closes.
class KernelActivityWindow {
 public:
  KernelActivityWindow() {
    // Records of earlier work still in CUPTI's buffers are delivered now, and dropped.
    if (const CUptiResult result = cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
        result != CUPTI_SUCCESS) {
      fail("cuptiActivityFlushAll", result);
      return;
    }
    set_collecting(true);
    if (const CUptiResult result = cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
        result != CUPTI_SUCCESS) {
      set_collecting(false);
      fail("cuptiActivityEnable(CONCURRENT_KERNEL)", result);
      return;
    }
    open_ = true;
  }

  KernelActivityWindow(const KernelActivityWindow&) = delete;
  KernelActivityWindow& operator=(const KernelActivityWindow&) = delete;

  ~KernelActivityWindow() { close(); }

  /// Why this window's records cannot be trusted; empty while they can.
  const std::string& failure() const noexcept { return failure_; }
  /// True when failure() is a tool's hold on CUPTI.
  bool failure_is_tool_hold() const noexcept { return failure_is_tool_hold_; }

  /// Delivers the records, stops collecting and returns the launches in launch order. Check
  /// failure() afterwards. Never throws except std::bad_alloc.
  std::vector<KernelLaunch> close() {
    if (!open_)
      return {};
    open_ = false;
    const CUptiResult flushed = cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    const CUptiResult disabled = cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
    std::vector<CollectedLaunch> collected;
    std::size_t lost = 0;
    {
      Collector& shared = collector();
      const std::lock_guard<std::mutex> lock(shared.mutex);
      shared.collecting = false;
      collected.swap(shared.launches);
      lost = std::exchange(shared.lost, 0);
    }
    if (flushed != CUPTI_SUCCESS) {
      fail("cuptiActivityFlushAll", flushed);
    } else if (disabled != CUPTI_SUCCESS) {
      fail("cuptiActivityDisable(CONCURRENT_KERNEL)", disabled);
    } else if (lost > 0) {
      failure_ = "CUPTI lost " + std::to_string(lost) + " activity record(s)";
    }
    std::stable_sort(collected.begin(), collected.end(),
                     [](const CollectedLaunch& a, const CollectedLaunch& b) {
                       return a.correlation_id < b.correlation_id;
                     });
    std::vector<KernelLaunch> launches;
    launches.reserve(collected.size());
    for (CollectedLaunch& entry : collected)
      launches.push_back(std::move(entry.launch));
    return launches;
  }

 private:
  static void set_collecting(bool collecting) {
    Collector& shared = collector();
    const std::lock_guard<std::mutex> lock(shared.mutex);
    shared.collecting = collecting;
    shared.launches.clear();
    shared.lost = 0;
  }

  void fail(const char* call, CUptiResult result) {
    failure_ = cupti_failure(call, result);
    failure_is_tool_hold_ = is_tool_hold(result);
  }

  bool open_ = false;
  std::string failure_;
  bool failure_is_tool_hold_ = false;
};

// Launches the probe kernel in a window: empty when its record is faithful, else why not (and
// *tool_hold says whether that is a tool's hold on CUPTI).
std::string check_probe(bool* tool_hold) {
  KernelActivityWindow window;
  *tool_hold = window.failure_is_tool_hold();
  if (!window.failure().empty())
    return window.failure();
  detail::ProbeLaunch probe{};
  try {
    probe = detail::launch_recorder_probe();
  } catch (const std::exception& error) {
    return std::string("the recorder's test kernel failed: ") + error.what();
  }
  const std::vector<KernelLaunch> launches = window.close();
  *tool_hold = window.failure_is_tool_hold();
  if (!window.failure().empty())
    return window.failure();
  const bool faithful = launches.size() == 1 && launches[0].grid == probe.grid &&
                        launches[0].block == probe.block &&
                        launches[0].dynamic_shared_bytes == probe.dynamic_shared_bytes &&
                        launches[0].static_shared_bytes >= probe.static_shared_bytes &&
                        launches[0].name.find(probe.name_part) != std::string::npos;
  if (faithful)
    return "";
  return "CUPTI recorded " + describe(launches) + " for a test launch of one kernel, " +
         describe_shape(probe.grid, probe.block) + " with " +
         std::to_string(probe.dynamic_shared_bytes) + " B of dynamic shared memory";
}

}  // namespace

#endif  // COURSE_HAVE_CUPTI

namespace {

// Once per process: whether recording works here. Empty when it does. Needs the device idle.
const std::string& ensure_ready(RecorderState& state) {
  if (state.initialised)
    return state.unavailable_reason;
  state.initialised = true;
#if COURSE_HAVE_CUPTI
  if (const CUptiResult result =
          cuptiActivityRegisterCallbacks(on_buffer_requested, on_buffer_completed);
      result != CUPTI_SUCCESS) {
    state.unavailable_reason = cupti_failure("cuptiActivityRegisterCallbacks", result);
    state.tool_holds_cupti = is_tool_hold(result);
  } else {
    state.unavailable_reason = check_probe(&state.tool_holds_cupti);
  }
#else
  state.unavailable_reason =
      "this build has no CUPTI (CMake found no CUDA::cupti in the CUDA toolkit)";
#endif
  return state.unavailable_reason;
}

}  // namespace

LaunchRecording try_record_launches(const std::function<void()>& work) {
  RecorderState& state = recorder_state();
  const std::lock_guard<std::mutex> lock(state.mutex);
  // Earlier work finishes before the window opens (its records are then dropped); this also
  // creates the CUDA context that CUPTI needs.
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());
  LaunchRecording recording;
  recording.unavailable_reason = ensure_ready(state);
  recording.tool_holds_cupti = state.tool_holds_cupti;
#if !COURSE_HAVE_CUPTI
  recording.build_has_no_cupti = true;
#endif
  if (!recording.unavailable_reason.empty()) {
    work();
    COURSE_CUDA_CHECK(cudaDeviceSynchronize());
    return recording;
  }
#if COURSE_HAVE_CUPTI
  KernelActivityWindow window;  // closed by its destructor if work() or a wait throws
  if (!window.failure().empty()) {
    state.unavailable_reason = window.failure();  // no later recording would fare better
    state.tool_holds_cupti = window.failure_is_tool_hold();
    recording.unavailable_reason = window.failure();
    recording.tool_holds_cupti = window.failure_is_tool_hold();
    work();
    COURSE_CUDA_CHECK(cudaDeviceSynchronize());
    return recording;
  }
  work();
  COURSE_CUDA_CHECK(cudaDeviceSynchronize());  // every kernel's record is complete
  std::vector<KernelLaunch> launches = window.close();
  if (!window.failure().empty()) {
    recording.unavailable_reason = window.failure();
    recording.tool_holds_cupti = window.failure_is_tool_hold();
    return recording;
  }
  recording.recorded = true;
  recording.launches = std::move(launches);
#endif
  return recording;
}

std::vector<KernelLaunch> record_launches(const std::function<void()>& work) {
  LaunchRecording recording = try_record_launches(work);
  if (!recording.recorded)
    throw LaunchRecordingUnavailable("launch recording is unavailable here: " +
                                     recording.unavailable_reason);
  return std::move(recording.launches);
}

}  // namespace course::grading
