/// @file compare.hpp
/// @brief Tolerant comparison of GPU results with a higher-precision CPU reference.
///
/// An element passes when |actual - expected| <= atol + rtol * |expected|. NaN and Inf never
/// pass, and an element still holding the poison pattern (all bits set, what
/// DeviceArray::fill_bytes(0xFF) writes) is counted as "untouched": the kernel never wrote it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace course {

/// The tolerance rule: atol + rtol * |expected|.
struct Tolerance {
  double atol = 1e-6;  ///< absolute tolerance
  double rtol = 1e-5;  ///< relative tolerance, a fraction of |expected|
};

/// One element that failed.
struct Mismatch {
  std::size_t index = 0;  ///< position in the arrays
  double actual = 0;      ///< what the GPU computed
  double expected = 0;    ///< what the reference says
};

/// The outcome of a comparison, with enough detail to debug it.
struct Comparison {
  std::size_t count = 0;                   ///< elements compared
  std::size_t mismatches = 0;              ///< elements that failed, for any reason
  std::size_t non_finite = 0;              ///< NaN or Inf among them (not counting untouched ones)
  std::size_t untouched = 0;               ///< still holding the poison pattern
  double max_abs_error = 0;                ///< over the finite elements
  double max_rel_error = 0;                ///< |actual - expected| / |expected|, over expected != 0
  std::vector<Mismatch> first_mismatches;  ///< up to 8, in index order

  /// True when every element passed.
  [[nodiscard]] bool ok() const noexcept { return mismatches == 0; }
  /// "ok: 1000 elements, max abs error 2.4e-07, max rel error 1.1e-07" or
  /// "FAILED: 3 of 1000 elements differ (3 untouched: never written) ...; first: [997] = nan
  ///  (expected 0.25) ...".
  [[nodiscard]] std::string summary() const;
};

/// True when `value` has the poison bit pattern (all ones).
[[nodiscard]] bool is_poison(float value) noexcept;

/// Compares `n` floats computed on the GPU with a double-precision reference.
/// @throws std::invalid_argument when a pointer is null and n > 0, or a tolerance is negative or
///         NaN.
[[nodiscard]] Comparison compare_close(const float* actual, const double* expected, std::size_t n,
                                       Tolerance tolerance);

/// Vector form. @throws std::invalid_argument when the sizes differ, or as above.
[[nodiscard]] Comparison compare_close(const std::vector<float>& actual,
                                       const std::vector<double>& expected, Tolerance tolerance);

/// Exact comparison of bytes (for integer image kernels).
/// @throws std::invalid_argument when the sizes differ.
[[nodiscard]] Comparison compare_exact(const std::vector<std::uint8_t>& actual,
                                       const std::vector<std::uint8_t>& expected);

}  // namespace course
