// SplitMix64: tiny, fast and identical on every platform.
#include "course/random.hpp"

#include <cstdlib>
#include <string>

namespace course {

std::uint64_t Random::next_u64() noexcept {
  std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double Random::uniform(double lo, double hi) noexcept {
  const double unit = static_cast<double>(next_u64() >> 11) * 0x1.0p-53;  // [0, 1)
  return lo + (hi - lo) * unit;
}

std::int64_t Random::uniform_int(std::int64_t lo, std::int64_t hi) noexcept {
  const std::uint64_t span = static_cast<std::uint64_t>(hi - lo) + 1;
  return span == 0 ? static_cast<std::int64_t>(next_u64())
                   : lo + static_cast<std::int64_t>(next_u64() % span);
}

std::vector<float> random_floats(std::size_t n, std::uint64_t seed, float lo, float hi) {
  Random random(seed);
  std::vector<float> values(n);
  for (float& value : values)
    value = static_cast<float>(random.uniform(lo, hi));
  return values;
}

std::uint64_t seed_from_environment(std::uint64_t fallback) {
  const char* text = std::getenv("COURSE_SEED");
  if (text == nullptr || *text == '\0')
    return fallback;
  try {
    return std::stoull(text, nullptr, 0);
  } catch (...) {
    return fallback;
  }
}

}  // namespace course
