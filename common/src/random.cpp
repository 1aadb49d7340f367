// SplitMix64: tiny, fast and identical on every platform.
#include "course/random.hpp"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

namespace course {
namespace {

void require_range(double lo, double hi, const char* caller) {
  // hi - lo is checked too: -DBL_MAX..DBL_MAX overflows to Inf, and every value would be NaN.
  if (!std::isfinite(lo) || !std::isfinite(hi) || !std::isfinite(hi - lo) || lo > hi) {
    throw std::invalid_argument(std::string(caller) + ": the range [" + std::to_string(lo) + ", " +
                                std::to_string(hi) +
                                ") is not valid: lo and hi must be finite, with lo <= hi");
  }
}

// Digits only, so that a typo is an error instead of a different seed: std::stoull would read
// "12abc" as 12, " 7" as 7, "-1" as 2^64 - 1 and "0x10" as 16.
bool parse_decimal_u64(const std::string& text, std::uint64_t& value) {
  if (text.empty())
    return false;
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t result = 0;
  for (const char c : text) {
    if (c < '0' || c > '9')
      return false;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (result > (max - digit) / 10)
      return false;  // more than 2^64 - 1
    result = result * 10 + digit;
  }
  value = result;
  return true;
}

}  // namespace

std::uint64_t Random::next_u64() noexcept {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Random::uniform(double lo, double hi) {
  require_range(lo, hi, "Random::uniform");
  const double unit = static_cast<double>(next_u64() >> 11) * 0x1.0p-53;  // [0, 1)
  const double value = lo + (hi - lo) * unit;
  // Rounding can land exactly on hi when hi - lo is much larger than lo's spacing.
  return value < hi ? value : (lo < hi ? std::nextafter(hi, lo) : lo);
}

std::int64_t Random::uniform_int(std::int64_t lo, std::int64_t hi) {
  if (lo > hi) {
    throw std::invalid_argument("Random::uniform_int: lo (" + std::to_string(lo) +
                                ") is greater than hi (" + std::to_string(hi) + ")");
  }
  // Unsigned arithmetic: hi - lo overflows int64 for wide ranges such as [INT64_MIN, INT64_MAX].
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo) + 1;
  if (span == 0)  // the whole 64-bit range
    return static_cast<std::int64_t>(next_u64());
  // Reject the lowest (2^64 mod span) values so that every result is equally likely. For spans
  // that are powers of two nothing is rejected: the sequence is that of next_u64() % span.
  const std::uint64_t threshold = (0 - span) % span;
  std::uint64_t bits = next_u64();
  while (bits < threshold)
    bits = next_u64();
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + bits % span);
}

std::vector<float> random_floats(std::size_t n, std::uint64_t seed, float lo, float hi) {
  require_range(lo, hi, "random_floats");
  Random random(seed);
  std::vector<float> values(n);
  for (float& value : values) {
    value = static_cast<float>(random.uniform(lo, hi));
    // Rounding to float can reach hi even when the double was below it.
    if (value >= hi && lo < hi)
      value = std::nextafter(hi, lo);
  }
  return values;
}

std::uint64_t seed_from_environment(std::uint64_t fallback) {
  const char* variable = "COURSE_SEED";
  const char* text = std::getenv(variable);
  if (text == nullptr)
    return fallback;
  std::uint64_t seed = 0;
  if (!parse_decimal_u64(text, seed)) {
    throw std::invalid_argument(
        std::string(variable) + "=\"" + text +
        "\" is not a valid seed: use a whole decimal number from 0 to 18446744073709551615 "
        "(digits only, e.g. " +
        variable + "=12345), or unset " + variable + " for the default seed");
  }
  return seed;
}

}  // namespace course
