// Catch2 2.13 (Debian 12) and 3.x (Ubuntu 24.04) behind one include: the same test macros,
// Approx, and the ContainsSubstring matcher in both.
#pragma once

// tests/CMakeLists.txt defines COURSE_CATCH_VERSION from the package CMake found: when both
// versions are installed, guessing from the headers would mix one version's headers with the
// other's library.
#if !defined(COURSE_CATCH_VERSION) && __has_include(<catch2/catch_test_macros.hpp>)
#define COURSE_CATCH_VERSION 3
#endif

#if COURSE_CATCH_VERSION == 3
#include <catch2/catch_approx.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <catch2/reporters/catch_reporter_event_listener.hpp>
#include <catch2/reporters/catch_reporter_registrars.hpp>
using Catch::Approx;
#else
#undef COURSE_CATCH_VERSION
#define COURSE_CATCH_VERSION 2
#include <catch2/catch.hpp>
#include <string>
namespace Catch::Matchers {
// Catch2 3 renamed Contains (for strings) to ContainsSubstring.
inline StdString::ContainsMatcher ContainsSubstring(const std::string& text) {
  return Contains(text);
}
}  // namespace Catch::Matchers
#endif
