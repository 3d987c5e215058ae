#pragma once
// Reads one component's options from a JSON object, key by key, and rejects what it did not read:
// an unknown key (a typo must not silently fall back to a default) or a wrong type is an InputError
// naming "<component> options" and the key. Objectives (training/objectives.cpp) and tasks
// (benchmarks/registry.cpp) read their own options through it, so both refuse the same way.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trafl {

class OptionReader {
 public:
  // `component` names the source in errors ("trafl", "task livecodebench"); null or an empty object
  // means "all defaults".
  OptionReader(std::string component, const nlohmann::json& options);
  double number(const std::string& key, double fallback);
  std::int64_t integer(const std::string& key, std::int64_t fallback);
  bool boolean(const std::string& key, bool fallback);
  std::string text(const std::string& key, const std::string& fallback);
  // A list of strings: a JSON array of strings, or one string split at commas ("easy,hard").
  std::vector<std::string> texts(const std::string& key);
  // Range checks after reading: InputError naming the key when `ok` is false.
  void require(bool ok, const std::string& key, const std::string& what) const;
  // Call last: InputError naming the first key that no getter asked for.
  void reject_unknown() const;

 private:
  const nlohmann::json* find(const std::string& key);
  std::string source_;
  nlohmann::json options_;
  std::set<std::string> read_;
};

}  // namespace trafl
