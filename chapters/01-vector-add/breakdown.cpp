// 1.4 — Where the time goes: upload, kernel, download, timed with CUDA events.
#include <vector>

#include "chapter1.hpp"
#include "course/error.hpp"
#include "course/stream.hpp"

namespace chapter1 {

TransferBreakdown timed_vector_add(const std::vector<float>& a, const std::vector<float>& b,
                                   std::vector<float>& c) {
  // TODO(1.4): check the sizes, resize c, allocate three course::DeviceArray<float>.
  // Record a course::Event before the uploads, after the uploads, after the kernel and after
  // the download; fill every field of TransferBreakdown with course::elapsed_ms(from, to).
  // Why would a std::chrono clock around the kernel launch give the wrong answer?
  COURSE_TODO("1.4", "time the three steps of the round trip with events");
}

}  // namespace chapter1
