// OptionReader (see objective_options.hpp).
#include "training/objective_options.hpp"

#include <fmt/format.h>

#include <cstdint>

#include "core/error.hpp"

namespace trafl::training {

OptionReader::OptionReader(std::string objective, const nlohmann::json& options)
    : source_(std::move(objective) + " options"), options_(options.is_null() ? nlohmann::json::object() : options) {
  if (!options_.is_object()) throw InputError(source_, 0, "", "objective options must be a JSON object");
}

const nlohmann::json* OptionReader::find(const std::string& key) {
  read_.insert(key);
  auto it = options_.find(key);
  return it == options_.end() ? nullptr : &*it;
}

double OptionReader::number(const std::string& key, double fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_number()) throw InputError(source_, 0, key, fmt::format("'{}' must be a number, got {}", key, v->dump()));
  return v->get<double>();
}

std::int64_t OptionReader::integer(const std::string& key, std::int64_t fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_number_integer() ||
      (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)))
    throw InputError(source_, 0, key, fmt::format("'{}' must be an integer (at most 2^63-1), got {}", key, v->dump()));
  return v->get<std::int64_t>();
}

bool OptionReader::boolean(const std::string& key, bool fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) throw InputError(source_, 0, key, fmt::format("'{}' must be true or false, got {}", key, v->dump()));
  return v->get<bool>();
}

std::string OptionReader::text(const std::string& key, const std::string& fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_string()) throw InputError(source_, 0, key, fmt::format("'{}' must be a string, got {}", key, v->dump()));
  return v->get<std::string>();
}

void OptionReader::require(bool ok, const std::string& key, const std::string& what) const {
  if (!ok) throw InputError(source_, 0, key, fmt::format("'{}' {}", key, what));
}

void OptionReader::reject_unknown() const {
  for (const auto& [key, value] : options_.items())
    if (!read_.count(key)) throw InputError(source_, 0, key, fmt::format("unknown option '{}'", key));
}

}  // namespace trafl::training
