#include "tests/support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace trafl::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    auto candidate =
        fs::temp_directory_path() / ("trafl-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    if (fs::create_directory(candidate)) {
      path_ = candidate;
      return;
    }
  }
  throw std::runtime_error("cannot create a temporary directory");
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

fs::path shared_data_dir() {
  const char* env = std::getenv("TRAFL_SHARED_DATA");
  fs::path dir = env && *env ? fs::path(env) : fs::path(TRAFL_SHARED_DATA_DEFAULT);
  std::error_code ec;
  return fs::is_directory(dir, ec) ? dir : fs::path();
}

std::string shared_data_file(const std::string& relative) {
  auto dir = shared_data_dir();
  if (dir.empty() || !fs::exists(dir / relative)) {
    std::cout << "SKIPPED (real data absent): " << relative << " not found under ../shared/data\n";
    return "";
  }
  return (dir / relative).string();
}

CommandResult run_cli(const std::string& args) {
  std::string cmd = std::string("'") + TRAFL_CLI_PATH + "' " + args + " 2>&1";
  CommandResult result;
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("popen failed");
  std::array<char, 4096> buf{};
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.out.append(buf.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string mbpp_square_line() {
  return R"({"text": "Square.", "code": "def sq(x):\n    return x*x", "task_id": 11, "test_setup_code": "", )"
         R"("test_list": ["assert sq(2) == 4"], "challenge_test_list": []})"
         "\n";
}

}  // namespace trafl::test
