#pragma once
// RFC 4180 fields and round-trip numbers for the diagnostics and report CSV files.
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace trafl::diagnostics {

inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"') out += '"';
    out += ch;
  }
  return out + "\"";
}

inline std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
  return out + "\n";
}

inline std::string num(double v) { return fmt::format("{}", v); }
inline std::string num(const std::optional<double>& v) { return v ? fmt::format("{}", *v) : std::string(); }

}  // namespace trafl::diagnostics
