#pragma once
// Progress on stderr: a redrawn bar with rate and ETA on a terminal, plain periodic lines otherwise
// (CI logs stay readable). Cheap to call per item: it redraws at most a few times a second.
#include <chrono>
#include <cstdint>
#include <functional>
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
  void set_label(std::string label) { label_ = std::move(label); }
  // Extra text after the rate, computed when a line is drawn (given the seconds elapsed): a second
  // rate, a counter kept elsewhere.
  void set_detail(std::function<std::string(double elapsed_s)> detail) { detail_ = std::move(detail); }

 private:
  void draw(bool final_line);
  std::string label_;
  std::function<std::string(double)> detail_;
  std::uint64_t total_, done_ = 0;
  bool enabled_, tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int uncaught_at_start_ = 0;
};

}  // namespace trafl
