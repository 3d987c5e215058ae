#include "metrics/config_label.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <utility>

namespace trafl {

namespace {
std::string value_text(const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

bool identifies_run_or_model(const std::string& key) {
  return key == "seed" || key.find("model") != std::string::npos || key.find("checkpoint") != std::string::npos ||
         key.find("path") != std::string::npos;
}

nlohmann::json parse_config(const std::string& text) {
  if (text.empty()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_object() ? parsed : nlohmann::json::object();
}
}  // namespace

nlohmann::json decoding_config(const nlohmann::json& run_config) {
  nlohmann::json out = nlohmann::json::object();
  if (!run_config.is_object()) return out;
  for (auto& [k, v] : run_config.items())
    if (!identifies_run_or_model(k)) out[k] = v;
  return out;
}

std::string config_label(const nlohmann::json& config, const std::set<std::string>& extra_keys) {
  static const std::vector<std::pair<const char*, const char*>> kKnown = {
      {"gen_length", "L="}, {"steps", "steps="}, {"block_length", "block="}, {"temperature", "T="}, {"remasking", ""}};
  std::vector<std::string> parts;
  if (!config.is_object()) return "default";
  for (const auto& [key, prefix] : kKnown)
    if (auto it = config.find(key); it != config.end()) parts.push_back(prefix + value_text(*it));
  for (auto& [k, v] : config.items()) {
    const bool known = std::any_of(kKnown.begin(), kKnown.end(), [&](const auto& kp) { return k == kp.first; });
    if (!known && extra_keys.count(k)) parts.push_back(k + "=" + value_text(v));
  }
  return parts.empty() ? "default" : fmt::format("{}", fmt::join(parts, " "));
}

std::set<std::string> differing_keys(const nlohmann::json& config, const std::vector<const nlohmann::json*>& others) {
  std::set<std::string> out;
  if (!config.is_object()) return out;
  for (const nlohmann::json* other : others) {
    if (!other->is_object()) continue;
    for (auto& [k, v] : config.items())
      if (!other->contains(k) || (*other)[k] != v) out.insert(k);
    for (auto& [k, v] : other->items())
      if (!config.contains(k)) out.insert(k);
  }
  return out;
}

std::vector<std::string> config_labels(const std::vector<std::string>& configs, const std::vector<std::string>& tasks) {
  const std::size_t n = configs.size();
  std::vector<nlohmann::json> full(n), decoding(n);
  for (std::size_t i = 0; i < n; ++i) {
    full[i] = parse_config(configs[i]);
    decoding[i] = decoding_config(full[i]);
  }
  auto same_task = [&](std::size_t i, const std::vector<nlohmann::json>& from) {
    std::vector<const nlohmann::json*> out;
    for (std::size_t j = 0; j < n; ++j)
      if (tasks[j] == tasks[i]) out.push_back(&from[j]);
    return out;
  };
  std::vector<std::string> labels(n);
  for (std::size_t i = 0; i < n; ++i)
    labels[i] = config_label(decoding[i], differing_keys(decoding[i], same_task(i, decoding)));
  const std::vector<std::string> short_labels = labels;  // twins are found on these, not on extended ones
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<const nlohmann::json*> twins;  // other configs of the task with the same label
    for (std::size_t j = 0; j < n; ++j)
      if (j != i && tasks[j] == tasks[i] && short_labels[j] == short_labels[i] && configs[j] != configs[i])
        twins.push_back(&full[j]);
    if (twins.empty()) continue;
    std::vector<std::string> parts;
    for (const auto& k : differing_keys(full[i], twins))
      if (!decoding[i].contains(k) && full[i].contains(k)) parts.push_back(k + "=" + value_text(full[i][k]));
    if (!parts.empty()) labels[i] += fmt::format(" {}", fmt::join(parts, " "));
  }
  return labels;
}

}  // namespace trafl
