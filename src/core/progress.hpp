#pragma once
// Progress on stderr: a redrawn bar with rate and ETA on a terminal, plain periodic lines otherwise
// (CI logs stay readable). Cheap to call per item: it redraws at most a few times a second.
#include <chrono>
#include <cstdint>
#include <string>

namespace trafl {

class Progress {
 public:
  // total = 0 means unknown (no ETA, no percentage).
  Progress(std::string label, std::uint64_t total, bool enabled = true);
  ~Progress();
  void advance(std::uint64_t n = 1);
  void set(std::uint64_t done);
  void finish();  // prints the final line (idempotent)

 private:
  void draw(bool final_line);
  std::string label_;
  std::uint64_t total_, done_ = 0;
  bool enabled_, tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int uncaught_at_start_ = 0;
};

}  // namespace trafl
