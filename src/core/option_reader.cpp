// OptionReader (see option_reader.hpp).
#include "core/option_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>

#include "core/error.hpp"

namespace trafl {

OptionReader::OptionReader(std::string component, const nlohmann::json& options)
    : source_(std::move(component) + " options"), options_(options.is_null() ? nlohmann::json::object() : options) {
  if (!options_.is_object()) throw InputError(source_, 0, "", "options must be a JSON object");
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
  if (!v->is_boolean())
    throw InputError(source_, 0, key, fmt::format("'{}' must be true or false, got {}", key, v->dump()));
  return v->get<bool>();
}

std::string OptionReader::text(const std::string& key, const std::string& fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_string()) throw InputError(source_, 0, key, fmt::format("'{}' must be a string, got {}", key, v->dump()));
  return v->get<std::string>();
}

std::vector<std::string> OptionReader::texts(const std::string& key) {
  const nlohmann::json* v = find(key);
  std::vector<std::string> out;
  if (!v) return out;
  auto bad = [&] {
    return InputError(source_, 0, key,
                      fmt::format("'{}' must be a string or a list of strings, got {}", key, v->dump()));
  };
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    std::size_t pos = 0;
    while (pos <= s.size()) {
      std::size_t end = std::min(s.find(',', pos), s.size());
      if (end > pos) out.push_back(s.substr(pos, end - pos));
      pos = end + 1;
    }
    return out;
  }
  if (!v->is_array()) throw bad();
  for (const auto& item : *v) {
    if (!item.is_string()) throw bad();
    out.push_back(item.get<std::string>());
  }
  return out;
}

void OptionReader::require(bool ok, const std::string& key, const std::string& what) const {
  if (!ok) throw InputError(source_, 0, key, fmt::format("'{}' {}", key, what));
}

void OptionReader::reject_unknown() const {
  for (const auto& [key, value] : options_.items())
    if (!read_.count(key)) throw InputError(source_, 0, key, fmt::format("unknown option '{}'", key));
}

}  // namespace trafl
