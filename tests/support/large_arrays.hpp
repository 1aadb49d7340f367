// Correctness cases past 2^31 elements, where 32-bit index arithmetic breaks: an `int` index
// turns negative at 2^31, an `unsigned` one wraps at 2^32. They run on a GPU of 16 GB (a T4):
// only the arrays a kernel writes take real memory; its read-only inputs repeat with a period of
// 6 MiB, and one 6 MiB chunk of GPU memory is mapped again and again behind the whole input
// (mapped_memory.hpp). Memory each case needs (n = 2^31 + 1000003 floats, 8.0 GiB per array):
//   1.2, 1.5 (c = a + b)        c: 8.0 GiB; a, b: 6 MiB each       about 10 GiB free with the spare
//   2.1 (y = 2.5 x + y)         y: 8.0 GiB; x: 6 MiB               about 10 GiB free
//   3.3 (sum of x)              x: 6 MiB                           about 2 GiB free
// plus 2 GiB left to spare. Where the GPU cannot map memory that way, the inputs take real memory
// too (26, 18 and 10 GiB free). A case that still does not fit is noted as not run, by name, on
// the scoreboard: the exercise is graded on its other cases (the GPU cannot run this one).
//
// The data. P = kPatternPeriod = 3 x 2^19 = 1,572,864 elements (6 MiB of floats); q = i mod P:
//   counting(i) = q + 1   1 .. P          1.2's a, 2.1's x
//   even(i)     = 2q      0 .. 2P - 2     1.2's b, 2.1's y before the call
//   sparse(i)   = 1 where q >= 2^19 and q % 257 == 0, else 0      3.3's x
// Why P = 3 x 2^19:
// - a multiple of the allocation granularity (2 MiB = 2^19 floats on every GPU met so far): one
//   chunk of P floats can be mapped back to back, and element i then reads the chunk at q;
// - 3 divides no power of two, so P divides none: an index that wraps at 2^k elements, for any k
//   (2^31 for an int, 2^32 for an unsigned, 2^30 or 2^29 for a 32-bit byte offset), lands on
//   another q. 2^31 mod P = 2^19 (2^31 = 2^19 x 4096, 4096 mod 3 = 1) and 2^32 mod P = 2^20
//   (8192 mod 3 = 2): element i read from i - 2^31 reads q - 2^19 (mod P) instead of q;
// - small enough that every input and every right result is an integer or a half below 2^23,
//   exact in float: c = a + b = 3q + 1 <= 4,718,590; y = 2.5 x + y = 4.5q + 2.5 <= 7,077,886,
//   whose terms 2.5 (q + 1) and 2q are exact too, with or without a fused multiply-add.
// Within one period a, b, c, x and y are strictly increasing in q, so different at every q: an
// element read from the wrong place (any distance that is not a multiple of P, i +- 2^31 among
// them), in a, in b or in both, gives a different c or y. x >= 1 everywhere: an element updated
// twice (a grid-stride loop whose unsigned index wraps around) gives 7q + 5, not 4.5q + 2.5. An
// element never written still holds the poison (c) or 2q (y), never its right value.
// 3.3's sum: every element is 0 or 1, and the sum of all n is 5,573,091 < 2^24, so every partial
// sum, in any order, is an integer that float holds exactly: the expected sum is exact, and so is
// the check. The 1,000,003 elements past 2^31 hold 3891 ones (q runs from 2^19 to 2^19 + 1000002,
// all where the ones are); read from 2^31 earlier (q from 0) they would hold 1851.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "course/memory.hpp"
#include "mapped_memory.hpp"

namespace course::grading {

/// Elements in a past-2^31 case: 2^31 + 1000003. n % 4 == 3, so float4 code has a tail, and
/// 2^31 + 1000003 > 2^31 + 2^16 (blocks of up to 1024 threads end well past 2^31).
constexpr std::size_t kPast2To31Elements = (std::size_t{1} << 31) + 1000003;

/// The period of every pattern, in elements: 3 x 2^19 (6 MiB of floats). See the top of the file.
constexpr std::size_t kPatternPeriod = 3 * (std::size_t{1} << 19);

/// The input patterns (q = i mod kPatternPeriod).
enum class Pattern {
  counting,  ///< q + 1
  even,      ///< 2q
  sparse,    ///< 1 where q >= 2^19 and q % 257 == 0, else 0
};

/// The value of `pattern` at element i.
float pattern_value(Pattern pattern, std::size_t i);

/// The sum of pattern_value(pattern, i) for i < n, exactly (an integer, far below 2^53).
double pattern_sum(Pattern pattern, std::size_t n);

/// "x[i] = q + 1, q = i mod 1572864" for the messages; `name` is the array's ("x").
std::string describe(Pattern pattern, const std::string& name);

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

/// How a comparison of device memory with a pattern, or a sum of two, came out, exactly.
struct PatternComparison {
  std::size_t count = 0;
  std::size_t mismatches = 0;
  /// Mismatches that still hold the poison (all bits set), or the array's value from before the
  /// call when the comparison was given one.
  std::size_t untouched = 0;
  std::size_t first_index = 0;
  float first_actual = 0;
  double first_expected = 0;
  bool ok() const { return mismatches == 0; }
  /// "1000003 of 2148483651 elements differ (1000003 never written), the first at index
  /// 2147483648 = 2^31 + 0: got <never written>, expected 1572865"; "all 2148483651 elements
  /// right".
  std::string summary() const;
};

/// A read-only device array of n floats holding a pattern. Mapped: one chunk of kPatternPeriod
/// floats mapped ceil(n / kPatternPeriod) + 1 times (the extra copy: reads a little past the end,
/// as a kernel without a bounds check makes, find memory, as they would after cudaMalloc's
/// rounding), 6 MiB of GPU memory. Not mapped: n floats of device memory. Move-only.
class PeriodicInput {
 public:
  /// Throws course::OutOfMemory, or DriverError (CUDA_ERROR_OUT_OF_MEMORY among others) when
  /// mapped. `mapped` needs virtual_memory_support().supported and a granularity that divides
  /// the period's 6 MiB.
  PeriodicInput(Pattern pattern, std::size_t n, bool mapped);

  [[nodiscard]] const float* data() const noexcept;
  [[nodiscard]] std::size_t size() const noexcept { return n_; }
  [[nodiscard]] Pattern pattern() const noexcept { return pattern_; }
  [[nodiscard]] bool mapped() const noexcept { return mapped_.has_value(); }

  /// The GPU memory an input of n floats takes, mapped or not.
  static std::size_t device_bytes(std::size_t n, bool mapped);

  /// Compares the memory behind the input with its pattern: a kernel that wrote into its input
  /// shows here. Mapped: the one chunk (a write at element i shows at i mod kPatternPeriod);
  /// otherwise every element.
  [[nodiscard]] PatternComparison compare_with_pattern() const;

 private:
  Pattern pattern_;
  std::size_t n_;
  std::optional<RepeatedChunk> mapped_;
  DeviceArray<float> array_;
};

/// The arrays of one past-2^31 case: its inputs, then its outputs (poison them before use).
struct LargeCase {
  std::vector<PeriodicInput> inputs;
  std::vector<DeviceArray<float>> outputs;
};

/// Whether inputs can be mapped here (virtual_memory_support(), and a granularity that divides
/// the period's 6 MiB); when not, `why` (if given) says why not.
bool inputs_can_be_mapped(std::string* why = nullptr);

/// The inputs (n floats each, holding `inputs`) and outputs (output_counts[k] floats each) of a
/// past-2^31 case, inputs mapped where they can be; or nothing when the GPU cannot hold them
/// (with 2 GiB to spare). A GPU whose total memory is enough is waited for, until 60 s after the
/// grader's start, while other tests of the same run hold some of it. Then it notes "<who>the 2^31+
/// case was not run: <why>" (e.g. "needs 10.0 GiB of GPU memory ..., 7.1 GiB free of 7.6 GiB") for
/// the scoreboard, and the caller returns: the case is not run, which fails nothing and is not a
/// skip; with $COURSE_LARGE_CASES_REQUIRED=1 (the known-wrong self-tests, which need the case to
/// catch their variant) it is a skip instead (not graded). Hold a LargeCaseTurn from before the
/// call until the arrays are freed.
std::optional<LargeCase> allocate_large_case(std::size_t n, const std::vector<Pattern>& inputs,
                                             const std::vector<std::size_t>& output_counts,
                                             const std::string& who = "");

/// device[i] = pattern_value(pattern, i) for i < n, in device memory of n floats or more.
void fill_with_pattern(float* device, std::size_t n, Pattern pattern);

/// Compares device[i] with scale * scaled(i) + added(i) for i < n, exactly. With `initial`,
/// elements that still hold initial(i) count as untouched, as poisoned ones do.
PatternComparison compare_with_pattern_sum(const float* device, std::size_t n, float scale,
                                           Pattern scaled, Pattern added,
                                           std::optional<Pattern> initial = std::nullopt);

/// How many of the `count` floats at device[first, first + count) are no longer the poison.
std::size_t count_overwritten(const float* device, std::size_t first, std::size_t count);

/// What to try when a past-2^31 case fails.
inline const char* const kWideIndexHint =
    "an index held in 32 bits wraps past 2^31 (int) or 2^32 (unsigned) elements: compute "
    "indices and strides in std::size_t, e.g. static_cast<std::size_t>(blockIdx.x) * "
    "blockDim.x + threadIdx.x";

}  // namespace course::grading
