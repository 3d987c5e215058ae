#include "codegrade/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace trafl::codegrade {

std::optional<std::string> extract_last_fenced_block(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (;;) {
    auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  std::vector<std::size_t> fences;
  for (std::size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find("```") != std::string_view::npos) fences.push_back(i);
  if (fences.size() < 2) return std::nullopt;
  std::string out;
  for (std::size_t i = fences[fences.size() - 2] + 1; i < fences.back(); ++i) {
    if (!out.empty() || i > fences[fences.size() - 2] + 1) out += '\n';
    out.append(lines[i]);
  }
  return out;
}

std::optional<Compare> parse_compare(std::string_view mode) {
  if (mode == "lcb") return Compare::lcb;
  if (mode == "tolerant") return Compare::tolerant;
  return std::nullopt;
}

namespace {

// Python str.strip()/split() whitespace, ASCII subset plus the C1/unicode spaces LCB outputs never use.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\x1c' || c == '\x1d' || c == '\x1e' || c == '\x1f'; }

std::string_view strip(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> stripped_lines(std::string_view v) {
  v = strip(v);
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (;;) {
    auto nl = v.find('\n', start);
    if (nl == std::string_view::npos) {
      out.push_back(strip(v.substr(start)));
      break;
    }
    out.push_back(strip(v.substr(start, nl - start)));
    start = nl + 1;
  }
  return out;
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t b = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > b) out.push_back(s.substr(b, i - b));
  }
  return out;
}

// A parsed Decimal literal: sign, coefficient digits without leading/trailing zeros, exponent.
struct Dec {
  enum Kind { finite, inf, nan, snan } kind = finite;
  bool neg = false;
  std::string digits;  // "" = zero
  long long exp = 0;   // value = digits × 10^exp
};

std::optional<Dec> parse_decimal(std::string_view s) {
  Dec d;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) d.neg = s[i++] == '-';
  std::string rest;
  for (std::size_t k = i; k < s.size(); ++k) rest += static_cast<char>(std::tolower(static_cast<unsigned char>(s[k])));
  if (rest == "inf" || rest == "infinity") {
    d.kind = Dec::inf;
    return d;
  }
  if (rest.rfind("nan", 0) == 0 || rest.rfind("snan", 0) == 0) {
    bool sig = rest[0] == 's';
    std::string_view payload = std::string_view(rest).substr(sig ? 4 : 3);
    for (char c : payload)
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    d.kind = sig ? Dec::snan : Dec::nan;
    return d;
  }
  std::string coeff;
  long long frac = 0;
  bool any = false, dot = false;
  char prev = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      coeff += c;
      if (dot) ++frac;
      any = true;
    } else if (c == '_' && std::isdigit(static_cast<unsigned char>(prev)) && i + 1 < s.size() &&
               std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      // Python accepts single underscores between digits
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
    prev = c;
  }
  if (!any) return std::nullopt;
  long long e = 0;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return std::nullopt;
    ++i;
    bool eneg = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    bool edig = false;
    prev = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (std::isdigit(static_cast<unsigned char>(c))) {
        if (e < (1LL << 50)) e = e * 10 + (c - '0');
        edig = true;
      } else if (c == '_' && std::isdigit(static_cast<unsigned char>(prev)) && i + 1 < s.size() &&
                 std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
      } else {
        return std::nullopt;
      }
      prev = c;
    }
    if (!edig) return std::nullopt;
    if (eneg) e = -e;
  }
  std::size_t lead = coeff.find_first_not_of('0');
  if (lead == std::string::npos) {
    d.digits.clear();
    d.exp = 0;
    d.neg = false;  // Decimal('-0') == Decimal('0')
    return d;
  }
  coeff = coeff.substr(lead);
  long long exp = e - frac;
  while (!coeff.empty() && coeff.back() == '0') {
    coeff.pop_back();
    ++exp;
  }
  d.digits = coeff;
  d.exp = exp;
  return d;
}

double to_double(std::string_view s) {
  std::string t;
  for (char c : s)
    if (c != '_') t += c;
  return std::strtod(t.c_str(), nullptr);
}

bool tokens_close(std::string_view a, std::string_view b) {
  auto da = parse_decimal(a), db = parse_decimal(b);
  if (!da || !db) return false;
  if (da->kind == Dec::nan || da->kind == Dec::snan || db->kind == Dec::nan || db->kind == Dec::snan) return false;
  return numbers_close(to_double(a), to_double(b));
}

}  // namespace

bool numbers_close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return false;
  if (a == b) return true;
  if (std::isinf(a) || std::isinf(b)) return false;
  double diff = std::fabs(a - b);
  return diff <= 1e-6 || diff <= 1e-6 * std::max(std::fabs(a), std::fabs(b));
}

std::optional<bool> decimal_tokens_equal(std::string_view a, std::string_view b) {
  auto da = parse_decimal(a), db = parse_decimal(b);
  if (!da || !db) return std::nullopt;
  if (da->kind == Dec::nan || da->kind == Dec::snan || db->kind == Dec::nan || db->kind == Dec::snan) return false;
  if (da->kind != db->kind) return false;
  if (da->kind == Dec::inf) return da->neg == db->neg;
  return da->neg == db->neg && da->digits == db->digits && (da->digits.empty() || da->exp == db->exp);
}

bool stdout_matches(std::string_view got, std::string_view expected, Compare mode, std::string* why) {
  auto g = stripped_lines(got), e = stripped_lines(expected);
  if (g.size() != e.size()) {
    if (why) *why = fmt::format("mismatched output length: {} lines, expected {}", g.size(), e.size());
    return false;
  }
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (g[i] == e[i]) continue;
    auto gt = split_ws(g[i]), et = split_ws(e[i]);
    // LCB: both lines must convert token-wise to Decimal, and the two lists must be equal.
    bool ok = gt.size() == et.size();
    for (std::size_t k = 0; ok && k < gt.size(); ++k) {
      auto eq = decimal_tokens_equal(gt[k], et[k]);
      ok = eq && *eq;
    }
    if (!ok && mode == Compare::tolerant && gt.size() == et.size()) {
      ok = true;
      for (std::size_t k = 0; ok && k < gt.size(); ++k) ok = gt[k] == et[k] || tokens_close(gt[k], et[k]);
    }
    if (!ok) {
      if (why) {
        auto clip = [](std::string_view s) { return std::string(s.substr(0, 80)) + (s.size() > 80 ? "..." : ""); };
        *why = fmt::format("line {}: '{}' != '{}'", i + 1, clip(g[i]), clip(e[i]));
      }
      return false;
    }
  }
  return true;
}

namespace {
bool is_num(const nlohmann::json& j) { return j.is_number() || j.is_boolean(); }
long double num(const nlohmann::json& j) {
  if (j.is_boolean()) return j.get<bool>() ? 1 : 0;
  if (j.is_number_unsigned()) return static_cast<long double>(j.get<std::uint64_t>());
  if (j.is_number_integer()) return static_cast<long double>(j.get<std::int64_t>());
  return static_cast<long double>(j.get<double>());
}
}  // namespace

bool py_equal(const nlohmann::json& a, const nlohmann::json& b, Compare mode) {
  if (is_num(a) && is_num(b)) {
    if ((a.is_number_integer() || a.is_boolean()) && (b.is_number_integer() || b.is_boolean())) {
      if (a.is_number_unsigned() || b.is_number_unsigned()) return num(a) == num(b);
      auto ia = a.is_boolean() ? (a.get<bool>() ? 1 : 0) : a.get<std::int64_t>();
      auto ib = b.is_boolean() ? (b.get<bool>() ? 1 : 0) : b.get<std::int64_t>();
      return ia == ib;
    }
    long double x = num(a), y = num(b);
    if (x == y) return true;
    return mode == Compare::tolerant && (a.is_number_float() || b.is_number_float()) &&
           numbers_close(static_cast<double>(x), static_cast<double>(y));
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case nlohmann::json::value_t::null:
      return true;
    case nlohmann::json::value_t::string:
      return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
    case nlohmann::json::value_t::array: {
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!py_equal(a[i], b[i], mode)) return false;
      return true;
    }
    case nlohmann::json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto it = a.begin(); it != a.end(); ++it) {
        auto jt = b.find(it.key());
        if (jt == b.end() || !py_equal(*it, *jt, mode)) return false;
      }
      return true;
    }
    default:
      return a == b;
  }
}

}  // namespace trafl::codegrade
