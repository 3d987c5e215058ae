// libFuzzer driver: one binary per target, the target's name compiled in (fuzz/CMakeLists.txt).
#include <cstdio>
#include <cstdlib>

#include "fuzz/entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const trafl::fuzz::Target* target = [] {
    const auto* t = trafl::fuzz::find_target(TRAFL_FUZZ_TARGET);
    if (!t) {
      std::fprintf(stderr, "unknown fuzz target %s\n", TRAFL_FUZZ_TARGET);
      std::abort();
    }
    return t;
  }();
  trafl::fuzz::run_one(*target, data, size);
  return 0;
}
