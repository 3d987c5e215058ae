#pragma once
// Which top-level keys of two JSON objects differ (present in one only, or with different values):
// how campaign and merge errors name what changed ("differs in: n, steps").
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trafl {

inline std::vector<std::string> differing_keys(const nlohmann::json& a, const nlohmann::json& b) {
  if (!a.is_object() || !b.is_object())
    return a == b ? std::vector<std::string>{} : std::vector<std::string>{"(whole value)"};
  std::set<std::string> keys;
  for (auto& [k, v] : a.items()) keys.insert(k);
  for (auto& [k, v] : b.items()) keys.insert(k);
  std::vector<std::string> out;
  for (const auto& k : keys)
    if (!a.contains(k) || !b.contains(k) || a.at(k) != b.at(k)) out.push_back(k);
  return out;
}

// "n: 8 vs 16; steps: [16] vs [8]" for the keys above (values shortened), for error messages.
inline std::string describe_differences(const nlohmann::json& a, const nlohmann::json& b) {
  std::string out;
  auto show = [](const nlohmann::json& j, const std::string& k) {
    if (!j.is_object() || !j.contains(k)) return std::string("(absent)");
    std::string s = j.at(k).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return s.size() > 80 ? s.substr(0, 77) + "..." : s;
  };
  for (const auto& k : differing_keys(a, b)) {
    if (!out.empty()) out += "; ";
    out += k + ": " + show(a, k) + " vs " + show(b, k);
  }
  return out;
}

}  // namespace trafl
