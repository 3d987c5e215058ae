#include "core/progress.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <cstdio>
#include <exception>

namespace trafl {

namespace {
std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}
}  // namespace

Progress::Progress(std::string label, std::uint64_t total, bool enabled)
    : label_(std::move(label)),
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
  if (now - last_draw_ >= interval) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void Progress::draw(bool final_line) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0.0;
  std::string line;
  if (total_ > 0) {
    double frac = std::min(1.0, static_cast<double>(done_) / total_);
    int width = 30, filled = static_cast<int>(frac * width);
    double eta = rate > 0 ? (total_ - std::min(done_, total_)) / rate : -1;
    line = fmt::format("{} [{}{}] {}/{} {:5.1f}% {:.0f}/s {} {}", label_, std::string(filled, '#'),
                       std::string(width - filled, '.'), done_, total_, 100 * frac, rate,
                       final_line ? "in" : "ETA", format_duration(final_line ? elapsed : eta));
  } else {
    line = fmt::format("{} {} done {:.0f}/s {}", label_, done_, rate, format_duration(elapsed));
  }
  if (detail_) line += " " + detail_(elapsed);
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace trafl
