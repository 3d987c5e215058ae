#include "core/progress.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>

namespace trafl {

namespace {
// A terminal line holds a bar drawn without its newline; print_above clears it and asks for a redraw.
bool g_bar_on_screen = false;
bool g_redraw = false;

std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}
}  // namespace

Progress::Progress(std::string label, std::uint64_t total, bool enabled, std::string unit)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_),
      uncaught_at_start_(std::uncaught_exceptions()) {}

Progress::~Progress() {
  // Unwinding from an error: the error message is what the user needs, not a last progress line.
  if (std::uncaught_exceptions() > uncaught_at_start_) enabled_ = false;
  finish();
}

void Progress::advance(std::uint64_t n) { set(done_ + n); }

void Progress::set(std::uint64_t done) {
  done_ = done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  // Terminals get ~10 redraws a second; logs get one line every 10 seconds.
  auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000);
  if (now - last_draw_ >= interval || (tty_ && g_redraw)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

std::string Progress::format_rate(double v) {
  if (!(v > 0)) return "0";
  if (v >= 100) return fmt::format("{:.0f}", v);
  if (v >= 10) return fmt::format("{:.1f}", v);
  if (v >= 1) return fmt::format("{:.2f}", v);
  // Below 1: three significant figures, fixed-point (0.042, 0.00123).
  const int decimals = std::min(12, 2 - static_cast<int>(std::floor(std::log10(v))));
  return fmt::format("{:.{}f}", v, decimals);
}

std::string Progress::format_bytes(double b) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) b /= 1024, ++u;
  if (u == 0) return fmt::format("{:.0f} B", b);
  return fmt::format("{} {}",
                     b >= 100  ? fmt::format("{:.0f}", b)
                     : b >= 10 ? fmt::format("{:.1f}", b)
                               : fmt::format("{:.2f}", b),
                     kUnits[u]);
}

std::string Progress::count_text(double n) const {
  return unit_ == "bytes" ? format_bytes(n) : fmt::format("{:.0f}", n);
}

void Progress::print_above(std::FILE* out, const std::string& line) {
  if (g_bar_on_screen) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
    g_bar_on_screen = false;
    g_redraw = true;
  }
  std::fprintf(out, "%s\n", line.c_str());
  std::fflush(out);
}

void Progress::draw(bool final_line) {
  g_redraw = false;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  const bool bytes = unit_ == "bytes";
  // "3.42 samples/s", "1.50 MiB/s", "3.42/s" (unnamed items).
  const std::string rate_text =
      bytes ? format_bytes(rate) + "/s" : format_rate(rate) + (unit_.empty() ? "" : " " + unit_) + "/s";
  const std::string unit_after_count = bytes || unit_.empty() ? "" : " " + unit_;
  std::string line;
  if (total_ > 0) {
    double frac = std::min(1.0, static_cast<double>(done_) / total_);
    int width = 30, filled = static_cast<int>(frac * width);
    double eta = rate > 0 ? (total_ - std::min(done_, total_)) / rate : -1;
    line = fmt::format("{} [{}{}] {}/{}{} {:5.1f}% {} {} {}", label_, std::string(filled, '#'),
                       std::string(width - filled, '.'), count_text(done_), count_text(total_), unit_after_count,
                       100 * frac, rate_text, final_line ? "in" : "ETA", format_duration(final_line ? elapsed : eta));
  } else {
    line = fmt::format("{} {}{} done {} {}", label_, count_text(done_), unit_after_count, rate_text,
                       format_duration(elapsed));
  }
  if (detail_) {
    std::string d = detail_(elapsed);
    if (!d.empty()) line += " | " + d;
  }
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
    g_bar_on_screen = !final_line;
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace trafl
