#pragma once
// Progress on stderr: a redrawn bar with rate and ETA on a terminal, plain periodic lines otherwise
// (CI logs stay readable). Cheap to call per item: it redraws at most a few times a second.
//
// A line reads   LABEL [#####.....] DONE/TOTAL UNIT  PCT% RATE UNIT/s ETA 1m05s | DETAIL
// e.g.           sampling [###.......] 120/1000 samples  12.0% 3.42 samples/s ETA 4m18s | 512 tok/s
// The unit is named beside the counts and the rate; rates keep three significant figures (a slow
// run shows 0.042 steps/s, never 0/s); the unit "bytes" prints counts and rates as KiB/MiB/GiB.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace trafl {

class Progress {
 public:
  // total = 0 means unknown (no ETA, no percentage). unit: what is counted ("samples", "steps",
  // "bytes"); "" counts unnamed items.
  Progress(std::string label, std::uint64_t total, bool enabled = true, std::string unit = "");
  ~Progress();
  void advance(std::uint64_t n = 1);
  void set(std::uint64_t done);
  void finish();  // prints the final line (idempotent)
  void set_label(std::string label) { label_ = std::move(label); }
  // Extra text after the rate, computed when a line is drawn (given the seconds elapsed): a second
  // rate, a counter kept elsewhere.
  void set_detail(std::function<std::string(double elapsed_s)> detail) { detail_ = std::move(detail); }

  // Writes `line` and a newline to `out` (stdout for per-item results) and flushes, above any bar
  // on the terminal: the bar's line is cleared first and redrawn at its next update, so streamed
  // lines and the bar never share a line.
  static void print_above(std::FILE* out, const std::string& line);

  // "3.42", "0.042", "512": three significant figures, no exponent.
  static std::string format_rate(double per_second);
  // "812 B", "1.5 KiB", "23.4 MiB", "1.20 GiB".
  static std::string format_bytes(double bytes);

 private:
  void draw(bool final_line);
  std::string count_text(double n) const;
  std::string label_, unit_;
  std::function<std::string(double)> detail_;
  std::uint64_t total_, done_ = 0;
  bool enabled_, tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int uncaught_at_start_ = 0;
};

}  // namespace trafl
