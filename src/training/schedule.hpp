#pragma once
// Learning-rate schedule: linear warm-up from 0, then constant or cosine decay to min_lr_ratio·lr
// at the last step. A pure function of the step (0-based), so a resumed run needs no scheduler state
// beyond the step counter.
#include <cmath>
#include <cstdint>
#include <string>

namespace trafl::training {

// The multiplier of the base learning rate at optimiser step `step` (0-based) of `total`.
inline double lr_factor(std::int64_t step, std::int64_t total, std::int64_t warmup, const std::string& kind,
                        double min_ratio) {
  if (warmup > 0 && step < warmup) return static_cast<double>(step + 1) / static_cast<double>(warmup);
  if (kind != "cosine") return 1.0;
  const std::int64_t span = total - warmup;
  if (span <= 1) return 1.0;
  const double progress = static_cast<double>(step - warmup) / static_cast<double>(span - 1);
  const double pi = std::acos(-1.0);
  return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + std::cos(pi * std::min(1.0, progress)));
}

}  // namespace trafl::training
