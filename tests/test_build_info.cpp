// What built the tool (src/core/build_info.hpp, cmake/build_info.cmake): the commit of a checkout,
// "unknown" outside one, and a generated unit that is left untouched when nothing changed (so an
// unchanged commit re-links nothing).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <thread>

#include "core/build_info.hpp"
#include "tests/support.hpp"

using trafl::test::TempDir;
namespace fs = std::filesystem;

namespace {
std::string run_script(const std::string& source_dir, const std::string& out, const std::string& build_type) {
  std::string cmd = "cmake -DSOURCE_DIR='" + source_dir + "' -DOUT='" + out + "' -DBUILD_TYPE=" + build_type + " -P '" +
                    TRAFL_SOURCE_DIR + "/cmake/build_info.cmake' >/dev/null 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  return trafl::test::read_file(out);
}
}  // namespace

TEST_CASE("build info: this binary names a commit (or unknown) and its build type", "[store]") {
  std::string commit = trafl::build_commit();
  CHECK(std::regex_match(commit, std::regex("unknown|[0-9a-f]{40}(-dirty)?")));
  CHECK(std::string(trafl::build_type()).size() > 0);
}

TEST_CASE("build info script: unknown outside a checkout, and the file is rewritten only when its text changes",
          "[store]") {
  if (std::system("cmake --version >/dev/null 2>&1") != 0) {
    WARN("SKIP: no cmake on PATH to run cmake/build_info.cmake");
    return;
  }
  TempDir dir;
  auto out = dir.file("build_info.cpp");
  auto text = run_script(dir.path().string(), out, "Release");  // a temp dir is no git checkout
  CHECK(text.find("return \"unknown\";") != std::string::npos);
  CHECK(text.find("return \"Release\";") != std::string::npos);
  auto stamp = fs::last_write_time(out);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(run_script(dir.path().string(), out, "Release") == text);
  CHECK(fs::last_write_time(out) == stamp);  // same text: not touched, nothing recompiles
  CHECK(run_script(dir.path().string(), out, "Debug").find("return \"Debug\";") != std::string::npos);
  CHECK(fs::last_write_time(out) != stamp);

  // In this checkout (when it is one and git is installed): the 40-digit HEAD.
  if (std::system(("git -C '" + std::string(TRAFL_SOURCE_DIR) + "' rev-parse HEAD >/dev/null 2>&1").c_str()) != 0) {
    WARN("SKIP: the source tree is not a git checkout (or git is missing)");
    return;
  }
  auto here = run_script(TRAFL_SOURCE_DIR, dir.file("here.cpp"), "Release");
  CHECK(std::regex_search(here, std::regex("build_commit\\(\\) \\{ return \"[0-9a-f]{40}(-dirty)?\"; \\}")));
}
