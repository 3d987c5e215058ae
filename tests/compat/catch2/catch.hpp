#pragma once
// Catch2 3.x under Catch2 2.x's header name: the one place that knows which Catch2 the suite is
// built with. Debian 12 ships Catch2 2.13 (this single header); Debian 13 ships Catch2 3.x (a
// compiled library, split headers, a few renamed names). CMakeLists.txt puts tests/compat on the
// test program's include path only when it finds Catch2 3, so the test files keep including
// <catch2/catch.hpp> and writing the 2.x names, which this header maps:
//   Catch::Contains (substring)  -> Catch::Matchers::ContainsSubstring
//   Catch::StartsWith, EndsWith  -> Catch::Matchers::StartsWith, EndsWith
// (Catch::Matchers::Contains is a range matcher in 3.x: tests name the substring one Catch::Contains.)
//   Approx, Catch::Detail::Approx -> Catch::Approx
// tests/main.cpp's CATCH_CONFIG_MAIN means nothing to 3.x: the main comes from Catch2::Catch2WithMain.
#include <catch2/catch_all.hpp>

#include <string>

namespace Catch {
inline Matchers::StringContainsMatcher Contains(const std::string& needle, CaseSensitive cs = CaseSensitive::Yes) {
  return Matchers::ContainsSubstring(needle, cs);
}
inline Matchers::StartsWithMatcher StartsWith(const std::string& prefix, CaseSensitive cs = CaseSensitive::Yes) {
  return Matchers::StartsWith(prefix, cs);
}
inline Matchers::EndsWithMatcher EndsWith(const std::string& suffix, CaseSensitive cs = CaseSensitive::Yes) {
  return Matchers::EndsWith(suffix, cs);
}
namespace Detail {
using Catch::Approx;
}  // namespace Detail
}  // namespace Catch
using Catch::Approx;
