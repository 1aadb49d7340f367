// Correctness cases past 2^31 elements, where 32-bit index arithmetic breaks: an `int` index
// turns negative at 2^31, an `unsigned` one wraps at 2^32. The arrays are filled and checked a
// chunk at a time through pinned host memory, on every host core: an 8 GiB array takes well under
// a second each way, and no host allocation is larger than one chunk.
//
// The inputs are small integers, exact in float, as are their sums and 2.5 x + y:
//   high(i) = i >> 16      differs between i and i +- 2^31 (and i +- 2^32)
//   low(i)  = i & 0xFFFF   differs between neighbours
// so an element read from the wrong place, or never written (poison), is caught exactly.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "course/memory.hpp"

namespace course::grading {

/// Elements in a past-2^31 case: 2^31 + 1000003. n % 4 == 3, so float4 code has a tail, and
/// 2^31 + 1000003 > 2^31 + 2^16 (blocks of up to 1024 threads end well past 2^31).
constexpr std::size_t kPast2To31Elements = (std::size_t{1} << 31) + 1000003;

/// Large cases of graders running side by side (ctest -j) take turns, so that together they never
/// exhaust the GPU's memory: hold a turn from before the free-memory check until the arrays are
/// freed (declare it before them). A lock (flock) on $TMPDIR/course-large-cases.lock, or
/// /tmp/...; the operating system releases it if the grader dies. Where that file cannot be
/// opened, no turns are taken.
class LargeCaseTurn {
 public:
  /// Waits for the turn.
  LargeCaseTurn();
  ~LargeCaseTurn();
  LargeCaseTurn(const LargeCaseTurn&) = delete;
  LargeCaseTurn& operator=(const LargeCaseTurn&) = delete;
  /// Takes over `other`'s turn; `other` then holds none.
  LargeCaseTurn(LargeCaseTurn&& other) noexcept;
  /// Ends this turn and takes over `other`'s.
  LargeCaseTurn& operator=(LargeCaseTurn&& other) noexcept;

 private:
  void release() noexcept;
  int descriptor_ = -1;
};

/// The device arrays of a past-2^31 case, counts[k] floats each, in that order; or none when the
/// GPU cannot hold them (with a margin for everything else) now. Then it notes "<who>the 2^31+ case
/// was not run: <why>" (e.g. "needs 24.0 GiB of GPU memory, 15.2 GiB free"), which is never a
/// failure, and the caller returns. Hold a LargeCaseTurn from before the call until they are freed.
std::vector<course::DeviceArray<float>> allocate_large_case(const std::vector<std::size_t>& counts,
                                                            const std::string& who = "");

/// The two input patterns.
enum class Pattern { high_bits, low_bits };

/// device[i] = pattern(i) for i < n.
void fill_with_pattern(float* device, std::size_t n, Pattern pattern);

/// How device[0, n) compares with scale * high(i) + low(i), exactly.
struct PatternComparison {
  std::size_t count = 0;
  std::size_t mismatches = 0;
  std::size_t untouched = 0;  ///< mismatches that still hold the poison (all bits set)
  std::size_t first_index = 0;
  float first_actual = 0;
  double first_expected = 0;
  bool ok() const { return mismatches == 0; }
  /// "1000003 of 2148483651 elements differ (1000003 never written), the first at index
  /// 2147483648 = 2^31 + 0: got <never written>, expected 32768"; "all 2148483651 elements right".
  std::string summary() const;
};

/// Compares device[i] with scale * high(i) + low(i) for i < n.
PatternComparison compare_with_pattern_sum(const float* device, std::size_t n, float scale);

/// How many of the `count` floats at device[first, first + count) are no longer the poison.
std::size_t count_overwritten(const float* device, std::size_t first, std::size_t count);

/// What to try when a past-2^31 case fails.
inline const char* const kWideIndexHint =
    "an index held in 32 bits wraps past 2^31 (int) or 2^32 (unsigned) elements: compute "
    "indices and strides in std::size_t, e.g. static_cast<std::size_t>(blockIdx.x) * "
    "blockDim.x + threadIdx.x";

}  // namespace course::grading
