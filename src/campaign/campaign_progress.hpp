#pragma once
// The campaign's progress line on stderr: samples done/total, samples/s, tokens/s, ETA, and how many
// grades the background grader has stored. Redrawn ~10×/s on a terminal, one plain line every
// 10 s otherwise (core/progress.hpp's policy; that class shows one rate, this one needs two).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace trafl::campaign {

class CampaignProgress {
 public:
  // graded: read when drawing (e.g. the background grader's counter); may be empty.
  CampaignProgress(std::uint64_t total_samples, bool enabled, std::function<std::int64_t()> graded = {});
  ~CampaignProgress();
  void set_label(std::string label) { label_ = std::move(label); }
  void advance(std::uint64_t samples, std::uint64_t tokens);
  void finish();

 private:
  void draw(bool final_line);
  std::string label_ = "sampling";
  std::uint64_t total_, samples_ = 0, tokens_ = 0;
  bool enabled_, tty_, finished_ = false;
  std::function<std::int64_t()> graded_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int uncaught_at_start_;
};

}  // namespace trafl::campaign
