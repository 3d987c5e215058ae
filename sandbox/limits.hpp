#pragma once
// The one place where run limits are checked. Every limit a user can set (exec --timeout/--wall/
// --memory/--output-kb, grade/sample --test-timeout/--memory) and every Limits a caller hands to
// Sandbox::run goes through limits_problem(): finite, positive, within bounds that keep the
// conversions (MB and KiB to bytes, seconds to rlimits) from overflowing. A bad value is refused
// by name, never wrapped, clamped or silently replaced by a default.
#include <cstddef>
#include <optional>
#include <string>

#include "sandbox/sandbox.hpp"

namespace trafl::sandbox {

struct LimitBounds {
  static constexpr double max_cpu_s = 86400;              // one day of CPU
  static constexpr double max_wall_s = 3 * 86400;         // room for the harnesses' 2x + 1 s over the CPU limit
  static constexpr std::size_t min_memory_mb = 16;        // below this Python does not start
  static constexpr std::size_t max_memory_mb = 1u << 20;  // 1 TiB
  static constexpr std::size_t max_stdout_bytes = std::size_t{1} << 30;  // 1 GiB kept in memory
};

// The flag (or field) names a message uses for each limit.
struct LimitNames {
  std::string cpu = "cpu_s", wall = "wall_s", memory = "memory_mb", stdout_cap = "stdout_cap";
};

// "" when every limit is valid, else what is wrong with the first bad one, by name.
std::string limits_problem(const Limits& limits, const LimitNames& names = {});

// Limits from the values of command-line flags (KiB for stdout); throws UsageError naming the flag.
// Unset optionals keep the defaults of Limits.
struct LimitFlags {
  std::optional<double> cpu_s, wall_s;
  std::optional<std::size_t> memory_mb, stdout_kb;
};
Limits limits_from_flags(const LimitFlags& flags, const LimitNames& names);

}  // namespace trafl::sandbox
