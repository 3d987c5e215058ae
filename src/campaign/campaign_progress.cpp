#include "campaign/campaign_progress.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <exception>

namespace trafl::campaign {

namespace {
std::string duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "?";
  auto s = static_cast<long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}h{:02}m", s / 3600, (s / 60) % 60);
  if (s >= 60) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}
}  // namespace

CampaignProgress::CampaignProgress(std::uint64_t total_samples, bool enabled, std::function<std::int64_t()> graded)
    : total_(total_samples),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) != 0),
      graded_(std::move(graded)),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_),
      uncaught_at_start_(std::uncaught_exceptions()) {}

CampaignProgress::~CampaignProgress() {
  if (std::uncaught_exceptions() > uncaught_at_start_) enabled_ = false;  // the error is what matters
  finish();
}

void CampaignProgress::advance(std::uint64_t samples, std::uint64_t tokens) {
  samples_ += samples;
  tokens_ += tokens;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  auto interval = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(10000);
  if (now - last_draw_ >= interval) {
    last_draw_ = now;
    draw(false);
  }
}

void CampaignProgress::finish() {
  if (finished_) return;
  finished_ = true;
  if (enabled_) draw(true);
}

void CampaignProgress::draw(bool final_line) {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double sps = elapsed > 0 ? samples_ / elapsed : 0.0, tps = elapsed > 0 ? tokens_ / elapsed : 0.0;
  const double frac = total_ > 0 ? std::min(1.0, static_cast<double>(samples_) / total_) : 1.0;
  const int width = 24, filled = static_cast<int>(frac * width);
  const double eta = sps > 0 ? (total_ - std::min(samples_, total_)) / sps : -1;
  std::string line = fmt::format("{} [{}{}] {}/{} samples {:.1f}/s {:.0f} tok/s {} {}", label_, std::string(filled, '#'),
                                 std::string(width - filled, '.'), samples_, total_, sps, tps, final_line ? "in" : "ETA",
                                 duration(final_line ? elapsed : eta));
  if (graded_) line += fmt::format(" | graded {}", graded_());
  if (tty_) std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  else std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
}

}  // namespace trafl::campaign
