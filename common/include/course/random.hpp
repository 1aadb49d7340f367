/// @file random.hpp
/// @brief Deterministic random data: the same seed gives the same numbers on every machine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace course {

/// A small, fast, portable generator (SplitMix64). Unlike std::uniform_real_distribution, its
/// output does not depend on the standard library, so a seed printed by a failing grader
/// reproduces the failure anywhere.
class Random {
 public:
  /// A generator whose sequence is determined by `seed` alone.
  explicit Random(std::uint64_t seed) : state_(seed) {}
  /// The next 64 random bits.
  [[nodiscard]] std::uint64_t next_u64() noexcept;
  /// Uniform in [lo, hi); lo when lo == hi.
  /// @throws std::invalid_argument when lo > hi, or lo, hi or hi - lo is not finite.
  [[nodiscard]] double uniform(double lo, double hi);
  /// Uniform integer in [lo, hi] (inclusive), without modulo bias.
  /// @throws std::invalid_argument when lo > hi.
  [[nodiscard]] std::int64_t uniform_int(std::int64_t lo, std::int64_t hi);

 private:
  std::uint64_t state_;
};

/// n floats uniform in [lo, hi) (all equal to lo when lo == hi).
/// @throws std::invalid_argument when lo > hi, or lo, hi or hi - lo is not finite.
[[nodiscard]] std::vector<float> random_floats(std::size_t n, std::uint64_t seed, float lo = -1.0f,
                                               float hi = 1.0f);

/// The seed for this run: $COURSE_SEED when set (to reproduce a failure), otherwise `fallback`.
/// @throws std::invalid_argument when COURSE_SEED is set but is not a whole decimal number from
///         0 to 18446744073709551615 (digits only: no sign, spaces, hex or suffix).
[[nodiscard]] std::uint64_t seed_from_environment(std::uint64_t fallback);

}  // namespace course
