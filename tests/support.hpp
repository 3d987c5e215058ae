#pragma once
// Helpers shared by the tests: temporary directories, the real-data folder, running the CLI.
#include <filesystem>
#include <string>

namespace trafl::test {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// ../shared/data (or $TRAFL_SHARED_DATA). Empty path when absent: callers skip visibly.
std::filesystem::path shared_data_dir();
// Returns the path of a file under shared data, or "" after printing a visible SKIP note.
std::string shared_data_file(const std::string& relative);

// One MBPP record, a squaring function with its one test, as a JSONL line: the file the CLI tests of
// `grade --task mbpp` and the sandbox limits write.
std::string mbpp_square_line();

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr, interleaved
};
// Runs the built trafl-eval binary with the given argument string (shell-quoted by the caller).
CommandResult run_cli(const std::string& args);

void write_file(const std::string& path, const std::string& content);
std::string read_file(const std::string& path);

}  // namespace trafl::test
