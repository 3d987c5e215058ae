#pragma once
// The fuzz targets' entry points, one per parser (fuzz/README.md). Each takes arbitrary bytes and runs
// them through the same public functions the tool uses on user files. The contract a target checks:
// for any input, the parser returns or throws one of the tool's own errors (InputError, UsageError,
// codegrade::DecodeError), which the CLI turns into a message naming the file; it never crashes, never
// trips ASan/UBSan, never leaks another exception type (nlohmann's type_error, std::out_of_range …,
// which reach the user without file or line), and never runs past the target's time budget.
//
// The same functions are linked into the libFuzzer binaries (fuzz/fuzz_main.cpp, built by scripts/fuzz
// with clang) and into the Catch2 suite, which replays every seed and every regression input
// (fuzz/corpus/<target>/, fuzz/regressions/<target>/) through them without clang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trafl::fuzz {

struct Target {
  const char* name;
  void (*run)(const std::uint8_t* data, std::size_t size);
};

const std::vector<Target>& targets();
const Target* find_target(const std::string& name);

// Runs one input through `target`, swallowing the tool's own errors (the expected outcome for bad
// input); anything else propagates.
void run_one(const Target& target, const std::uint8_t* data, std::size_t size);

}  // namespace trafl::fuzz
