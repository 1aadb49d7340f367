// Tolerant comparison with poison and NaN/Inf detection.
#include "course/compare.hpp"

#include <cmath>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

namespace course {
namespace {

constexpr std::size_t kListed = 8;

void require_same_size(std::size_t actual, std::size_t expected) {
  if (actual != expected) {
    throw std::invalid_argument("compare: result has " + std::to_string(actual) +
                                " elements but the reference has " + std::to_string(expected));
  }
}

void record(Comparison& result, std::size_t index, double actual, double expected) {
  ++result.mismatches;
  if (result.first_mismatches.size() < kListed) {
    result.first_mismatches.push_back({index, actual, expected});
  }
}

}  // namespace

bool is_poison(float value) noexcept {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  return bits == 0xFFFFFFFFu;
}

Comparison compare_close(const float* actual, const double* expected, std::size_t n,
                         Tolerance tolerance) {
  if (n > 0 && (actual == nullptr || expected == nullptr))
    throw std::invalid_argument("compare_close: null pointer for " + std::to_string(n) +
                                " elements");
  // Written so that NaN fails too. A negative tolerance would fail every element, exact ones
  // included, and read as a wrong kernel.
  if (!(tolerance.atol >= 0.0) || !(tolerance.rtol >= 0.0)) {
    throw std::invalid_argument("compare_close: tolerances must be >= 0, not atol " +
                                std::to_string(tolerance.atol) + ", rtol " +
                                std::to_string(tolerance.rtol));
  }
  Comparison result;
  result.count = n;
  for (std::size_t i = 0; i < n; ++i) {
    const float a = actual[i];
    const double e = expected[i];
    if (is_poison(a)) {
      ++result.untouched;
      record(result, i, a, e);
      continue;
    }
    if (!std::isfinite(a)) {
      ++result.non_finite;
      record(result, i, a, e);
      continue;
    }
    const double error = std::fabs(static_cast<double>(a) - e);
    if (error > result.max_abs_error)
      result.max_abs_error = error;
    if (e != 0.0 && error / std::fabs(e) > result.max_rel_error) {
      result.max_rel_error = error / std::fabs(e);
    }
    // Written so that a NaN reference also fails.
    if (!(error <= tolerance.atol + tolerance.rtol * std::fabs(e)))
      record(result, i, a, e);
  }
  return result;
}

Comparison compare_close(const std::vector<float>& actual, const std::vector<double>& expected,
                         Tolerance tolerance) {
  require_same_size(actual.size(), expected.size());
  return compare_close(actual.data(), expected.data(), actual.size(), tolerance);
}

Comparison compare_exact(const std::vector<std::uint8_t>& actual,
                         const std::vector<std::uint8_t>& expected) {
  require_same_size(actual.size(), expected.size());
  Comparison result;
  result.count = actual.size();
  for (std::size_t i = 0; i < actual.size(); ++i) {
    const double error = std::fabs(double(actual[i]) - double(expected[i]));
    if (error > result.max_abs_error)
      result.max_abs_error = error;
    if (error != 0.0)
      record(result, i, actual[i], expected[i]);
  }
  return result;
}

std::string Comparison::summary() const {
  std::ostringstream text;
  text.precision(3);
  if (ok()) {
    text << "ok: " << count << " elements, max abs error " << max_abs_error << ", max rel error "
         << max_rel_error;
    return text.str();
  }
  text << "FAILED: " << mismatches << " of " << count << " elements differ";
  if (untouched > 0)
    text << " (" << untouched << " untouched: never written by the GPU)";
  if (non_finite > 0)
    text << " (" << non_finite << " NaN or Inf)";
  text << "; max abs error " << max_abs_error << ", max rel error " << max_rel_error << "; first:";
  text.precision(9);
  for (const Mismatch& m : first_mismatches) {
    text << " [" << m.index << "] = " << m.actual << " (expected " << m.expected << ")";
  }
  return text.str();
}

}  // namespace course
