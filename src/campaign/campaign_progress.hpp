#pragma once
// The campaign's progress line on stderr: core/progress.hpp's bar over samples (done/total, rate,
// ETA) with tokens/s and how many grades the background grader has stored after it.
#include <cstdint>
#include <functional>
#include <string>

#include "core/progress.hpp"

namespace trafl::campaign {

class CampaignProgress {
 public:
  // graded: read when drawing (e.g. the background grader's counter); may be empty.
  CampaignProgress(std::uint64_t total_samples, bool enabled, std::function<std::int64_t()> graded = {});
  CampaignProgress(const CampaignProgress&) = delete;
  CampaignProgress& operator=(const CampaignProgress&) = delete;
  void set_label(std::string label) { bar_.set_label(std::move(label)); }
  void advance(std::uint64_t samples, std::uint64_t tokens);
  void finish() { bar_.finish(); }

 private:
  std::uint64_t tokens_ = 0;
  std::function<std::int64_t()> graded_;
  Progress bar_;  // last: its detail reads the members above
};

}  // namespace trafl::campaign
