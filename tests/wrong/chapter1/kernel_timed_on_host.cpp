// KNOWN-WRONG VARIANT, kept so the graders are proven to catch it (see
// tests/chapter1/CMakeLists.txt). Everything else is the reference solution; look for WRONG. 1.4 —
// Where the time goes: upload, kernel, download, timed with CUDA events.
//
// Events are recorded into the stream between the steps; the GPU stamps each one as it reaches
// it. A host clock around the kernel launch would measure only the launch: the launch returns
// before the kernel has run.
#include <chrono>
#include <vector>

#include "chapter1.hpp"
#include "course/stream.hpp"

namespace chapter1 {

TransferBreakdown timed_vector_add(const std::vector<float>& a, const std::vector<float>& b,
                                   std::vector<float>& c) {
  course::require_same_size(a.size(), b.size(), "timed_vector_add: a vs b");
  const std::size_t n = a.size();
  c.resize(n);
  course::DeviceArray<float> device_a(n);
  course::DeviceArray<float> device_b(n);
  course::DeviceArray<float> device_c(n);

  course::Event start, uploaded, computed, downloaded;
  start.record();
  device_a.copy_from_host(a);
  device_b.copy_from_host(b);
  uploaded.record();
  // WRONG: a host clock around the launch measures the launch, not the kernel.
  const auto launch_start = std::chrono::steady_clock::now();
  vector_add(device_a.data(), device_b.data(), device_c.data(), n);
  const auto launch_end = std::chrono::steady_clock::now();
  computed.record();
  device_c.copy_to_host(c.data(), n);
  downloaded.record();

  TransferBreakdown breakdown;
  breakdown.host_to_device_ms = course::elapsed_ms(start, uploaded);
  breakdown.kernel_ms =
      std::chrono::duration<double, std::milli>(launch_end - launch_start).count();
  breakdown.device_to_host_ms = course::elapsed_ms(computed, downloaded);
  breakdown.total_ms =
      breakdown.host_to_device_ms + breakdown.kernel_ms + breakdown.device_to_host_ms;
  return breakdown;
}

}  // namespace chapter1
