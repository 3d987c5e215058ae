#pragma once
// Small file helpers for the sandbox (sysfs/cgroupfs/procfs reads and writes). Internal.
#include <cstdint>
#include <optional>
#include <string>

namespace trafl::sandbox::detail {

// Whole file (up to 1 MiB); nullopt when it cannot be opened.
std::optional<std::string> read_small(const std::string& path);
// Writes text with one write(2); false (errno kept) on failure.
bool write_text(const std::string& path, const std::string& text);
// First integer after "key " in a "key value" per-line file (memory.events, cpu.stat, ...).
std::optional<std::uint64_t> keyed_value(const std::string& text, const std::string& key);
std::optional<std::uint64_t> read_u64(const std::string& path);
bool exists(const std::string& path);
// Every directory from / down to path is traversable by "other" (o+x).
bool traversable_by_others(const std::string& path, std::string* first_blocked = nullptr);
std::string errno_text(int err);
double now_s();  // CLOCK_MONOTONIC seconds

}  // namespace trafl::sandbox::detail
