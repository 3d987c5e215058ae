#include "campaign/campaign_progress.hpp"

#include <fmt/format.h>

namespace trafl::campaign {

CampaignProgress::CampaignProgress(std::uint64_t total_samples, bool enabled, std::function<std::int64_t()> graded)
    : graded_(std::move(graded)), bar_("sampling", total_samples, enabled, "samples") {
  bar_.set_detail([this](double elapsed) {
    std::string s = Progress::format_rate(elapsed > 0 ? static_cast<double>(tokens_) / elapsed : 0.0) + " tok/s";
    if (graded_) s += fmt::format(" | graded {}", graded_());
    return s;
  });
}

void CampaignProgress::advance(std::uint64_t samples, std::uint64_t tokens) {
  tokens_ += tokens;
  bar_.advance(samples);
}

}  // namespace trafl::campaign
