#include "sandbox/limits.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace trafl::sandbox {

namespace {

std::string seconds_problem(const std::string& name, double v, double max, bool zero_ok) {
  if (!std::isfinite(v)) return fmt::format("{} must be a finite number of seconds, not {}", name, v);
  if (zero_ok && v == 0) return "";
  if (v <= 0) return fmt::format("{} must be positive{}, not {}", name, zero_ok ? " (or 0 for the default)" : "", v);
  if (v > max) return fmt::format("{} {} s is above the maximum of {} s", name, v, max);
  return "";
}

}  // namespace

std::string limits_problem(const Limits& l, const LimitNames& n) {
  using B = LimitBounds;
  if (auto p = seconds_problem(n.cpu, l.cpu_s, B::max_cpu_s, false); !p.empty()) return p;
  if (auto p = seconds_problem(n.wall, l.wall_s, B::max_wall_s, true); !p.empty()) return p;
  if (l.memory_mb < B::min_memory_mb || l.memory_mb > B::max_memory_mb)
    return fmt::format("{} must be between {} and {} MB, not {}", n.memory, B::min_memory_mb, B::max_memory_mb,
                       l.memory_mb);
  if (l.stdout_cap == 0 || l.stdout_cap > B::max_stdout_bytes)
    return fmt::format("{} must be between 1 KiB and {} KiB", n.stdout_cap, B::max_stdout_bytes >> 10);
  if (l.pids == 0 || l.open_files < 16 || l.file_size_mb == 0 || l.file_size_mb > B::max_memory_mb ||
      l.scratch_mb == 0 || l.scratch_mb > B::max_memory_mb || l.stderr_cap == 0 || l.stderr_keep > l.stderr_cap)
    return "internal limits (pids, open files, file size, scratch, stderr) out of range";
  return "";
}

Limits limits_from_flags(const LimitFlags& f, const LimitNames& names) {
  Limits l;
  if (f.cpu_s) l.cpu_s = *f.cpu_s;
  if (f.wall_s) l.wall_s = *f.wall_s;
  if (f.memory_mb) l.memory_mb = *f.memory_mb;
  if (f.stdout_kb) {
    // Checked before the shift, which would wrap (2^54 KiB + 1 became 1 KiB).
    if (*f.stdout_kb == 0 || *f.stdout_kb > (LimitBounds::max_stdout_bytes >> 10))
      throw UsageError(fmt::format("{} must be between 1 and {} KiB, not {}", names.stdout_cap,
                                   LimitBounds::max_stdout_bytes >> 10, *f.stdout_kb));
    l.stdout_cap = *f.stdout_kb << 10;
  }
  if (auto p = limits_problem(l, names); !p.empty()) throw UsageError(p);
  return l;
}

}  // namespace trafl::sandbox
