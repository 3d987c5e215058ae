// Replays every fuzz seed (fuzz/corpus/<target>/) and every input a fuzzer once crashed on
// (fuzz/regressions/<target>/) through the fuzz targets' own entry points (fuzz/entry_points.cpp), so
// a fixed crash stays fixed without clang or libFuzzer: under the normal build a crash here is a
// crash of the test binary, an unexpected exception type fails the test, and a slow input fails the
// per-input time check.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "fuzz/entry_points.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("fuzz: every target's seeds and regression inputs replay cleanly and quickly", "[fuzz]") {
  const fs::path root = fs::path(TRAFL_SOURCE_DIR) / "fuzz";
  std::size_t replayed = 0;
  for (const auto& target : trafl::fuzz::targets()) {
    auto seeds = inputs_in(root / "corpus" / target.name);
    INFO("target " << target.name);
    CHECK(!seeds.empty());  // every target has a seed corpus in the repository
    auto regressions = inputs_in(root / "regressions" / target.name);
    seeds.insert(seeds.end(), regressions.begin(), regressions.end());
    for (const auto& file : seeds) {
      std::ifstream in(file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), {});
      INFO("input " << file.string());
      const auto t0 = std::chrono::steady_clock::now();
      CHECK_NOTHROW(trafl::fuzz::run_one(target, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
      // The fuzzers run with a 2 s (math grading) / 10 s budget per input; replay is held to 5 s so
      // that a loaded CI machine does not make it flaky.
      CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5.0);
      ++replayed;
    }
  }
  CHECK(replayed >= trafl::fuzz::targets().size());
}
