#include "codegrade/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace trafl::codegrade {

namespace {
constexpr std::uint8_t kBigIntSubtype = 0x70;  // binary subtype of an exact big integer (parse_py_json)
}  // namespace

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
  if (mode == "lcb") return Compare::kLcb;
  if (mode == "tolerant") return Compare::kTolerant;
  return std::nullopt;
}

namespace {

// Python str.strip()/split() whitespace, ASCII subset plus the C1/unicode spaces LCB outputs never use.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\x1c' || c == '\x1d' ||
         c == '\x1e' || c == '\x1f';
}

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
  enum Kind { kFinite, kInf, kNan, kSnan } kind = kFinite;
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
    d.kind = Dec::kInf;
    return d;
  }
  if (rest.rfind("nan", 0) == 0 || rest.rfind("snan", 0) == 0) {
    bool sig = rest[0] == 's';
    std::string_view payload = std::string_view(rest).substr(sig ? 4 : 3);
    for (char c : payload)
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    d.kind = sig ? Dec::kSnan : Dec::kNan;
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
  if (da->kind == Dec::kNan || da->kind == Dec::kSnan || db->kind == Dec::kNan || db->kind == Dec::kSnan) return false;
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
  if (da->kind == Dec::kNan || da->kind == Dec::kSnan || db->kind == Dec::kNan || db->kind == Dec::kSnan) return false;
  if (da->kind != db->kind) return false;
  if (da->kind == Dec::kInf) return da->neg == db->neg;
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
    if (!ok && mode == Compare::kTolerant && gt.size() == et.size()) {
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

// A SAX handler that builds the DOM as nlohmann's parser does, except for integer literals too
// large for 64 bits (nlohmann hands them over as doubles, with their text): those become exact.
class PyJsonBuilder {
 public:
  using json = nlohmann::json;
  explicit PyJsonBuilder(json& root) : root_(root) {}
  bool null() { return put(nullptr); }
  bool boolean(bool v) { return put(v); }
  bool number_integer(json::number_integer_t v) { return put(v); }
  bool number_unsigned(json::number_unsigned_t v) { return put(v); }
  bool number_float(json::number_float_t v, const std::string& text) {
    if (text.find_first_of(".eE") != std::string::npos) return put(v);
    // An integer literal: JSON forbids leading zeros, so its text is already canonical.
    return put(json::binary(std::vector<std::uint8_t>(text.begin(), text.end()), kBigIntSubtype));
  }
  bool string(std::string& v) { return put(std::move(v)); }
  bool binary(json::binary_t& v) { return put(json::binary(v)); }
  bool start_object(std::size_t) { return open(json::object()); }
  bool key(std::string& k) {
    key_ = std::move(k);
    return true;
  }
  bool end_object() { return close(); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_array() { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) { return false; }

 private:
  json* place(json v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    json& slot = top[key_];
    slot = std::move(v);
    return &slot;
  }
  bool put(json v) {
    place(std::move(v));
    return true;
  }
  bool open(json v) {
    stack_.push_back(place(std::move(v)));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  json& root_;
  std::vector<json*> stack_;
  std::string key_;
};

bool is_big(const nlohmann::json& j) { return j.is_binary() && j.get_binary().subtype() == kBigIntSubtype; }
bool is_int(const nlohmann::json& j) { return j.is_number_integer() || j.is_boolean() || is_big(j); }
bool is_num(const nlohmann::json& j) { return j.is_number() || j.is_boolean() || is_big(j); }

// The exact decimal text of an integer value (a big literal's digits, an int64/uint64, a bool).
std::string int_text(const nlohmann::json& j) {
  if (is_big(j)) return std::string(j.get_binary().begin(), j.get_binary().end());
  if (j.is_boolean()) return j.get<bool>() ? "1" : "0";
  if (j.is_number_unsigned()) return std::to_string(j.get<std::uint64_t>());
  return std::to_string(j.get<std::int64_t>());
}

// The exact decimal text of a double that holds an integer; nullopt for fractions, NaN and inf.
std::optional<std::string> integral_double_text(double d) {
  if (!std::isfinite(d) || std::trunc(d) != d) return std::nullopt;
  if (d == 0) return std::string("0");
  // |d| < 2^1024 is an integer; print it exactly (%.0f prints the exact binary value in glibc).
  return fmt::format("{:.0f}", d);
}

// Python's int == float: true only when the float is exactly the integer.
bool int_equals_double(const nlohmann::json& i, double d) {
  auto t = integral_double_text(d);
  return t && *t == int_text(i);
}

double approx(const nlohmann::json& j) {
  if (j.is_number_float()) return j.get<double>();
  return std::strtod(int_text(j).c_str(), nullptr);  // inf beyond the double range
}

}  // namespace

nlohmann::json parse_py_json(std::string_view text) {
  nlohmann::json root;
  PyJsonBuilder builder(root);
  if (!nlohmann::json::sax_parse(text.begin(), text.end(), &builder))
    return nlohmann::json(nlohmann::json::value_t::discarded);
  return root;
}

std::string py_json_text(const nlohmann::json& j) {
  if (is_big(j)) return int_text(j);
  if (j.is_array()) {
    std::string s = "[";
    for (std::size_t i = 0; i < j.size(); ++i) s += (i ? "," : "") + py_json_text(j[i]);
    return s + "]";
  }
  if (j.is_object()) {
    std::string s = "{";
    for (auto it = j.begin(); it != j.end(); ++it) {
      s += (it == j.begin() ? "" : ",") + nlohmann::json(it.key()).dump() + ":" + py_json_text(*it);
    }
    return s + "}";
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool py_equal(const nlohmann::json& a, const nlohmann::json& b, Compare mode) {
  if (is_num(a) && is_num(b)) {
    bool fa = a.is_number_float(), fb = b.is_number_float();
    bool exact;
    if (!fa && !fb) {
      exact = int_text(a) == int_text(b);
    } else if (fa && fb) {
      exact = a.get<double>() == b.get<double>();
    } else {
      exact = fa ? int_equals_double(b, a.get<double>()) : int_equals_double(a, b.get<double>());
    }
    if (exact) return true;
    return mode == Compare::kTolerant && (fa || fb) && numbers_close(approx(a), approx(b));
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case nlohmann::json::value_t::null: return true;
    case nlohmann::json::value_t::string: return a.get_ref<const std::string&>() == b.get_ref<const std::string&>();
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
    default: return a == b;
  }
}

}  // namespace trafl::codegrade
