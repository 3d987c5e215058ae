// Filters, tests and methods (jinja_builtins.hpp). Python's behaviour is the reference: these are what
// `transformers` (Python Jinja) runs when a model is trained and served with its chat template.
#include "tokenizer/jinja_builtins.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <utf8proc.h>

#include "tokenizer/jinja_text.hpp"

namespace trafl::chat {

namespace {

[[noreturn]] void bad(const std::string& msg) { throw std::runtime_error(msg); }

// Positional argument `i`, else keyword `name`, else `fallback`.
Value arg(const CallArgs& a, std::size_t i, const char* name, Value fallback = Value()) {
  if (i < a.args.size()) return a.args[i];
  for (const auto& [k, v] : a.kwargs)
    if (k == name) return v;
  return fallback;
}

const std::string& need_string(const Value& v, const char* what) {
  if (!v.is_string()) bad(fmt::format("{} needs a string, got {}", what, v.type_name()));
  return v.as_string();
}

std::string map_case(const std::string& s, bool upper) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp;
    i += utf8_next(s, i, &cp);
    const auto c = static_cast<utf8proc_int32_t>(cp);
    utf8_append(out, static_cast<std::uint32_t>(upper ? utf8proc_toupper(c) : utf8proc_tolower(c)));
  }
  return out;
}

std::string capitalize(const std::string& s) {  // Python str.capitalize: first upper, rest lower
  auto cps = code_points(s);
  std::string out;
  for (std::size_t i = 0; i < cps.size(); ++i) out += map_case(cps[i], i == 0);
  return out;
}

std::int64_t length_of(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return 0;
    case Value::Kind::kString: return static_cast<std::int64_t>(code_points(v.as_string()).size());
    case Value::Kind::kArray: return static_cast<std::int64_t>(v.as_array().size());
    case Value::Kind::kObject: return static_cast<std::int64_t>(v.as_object().size());
    default: bad(fmt::format("length of a {} is undefined", v.type_name()));
  }
}

Array items_of(const Value& v) {
  Array out;
  for (const auto& [k, val] : v.as_object()) out.push_back(Value::array({Value::string(k), val}));
  return out;
}

Array as_list(const Value& v) {
  if (v.is_array()) return v.as_array();
  if (v.is_string()) {
    Array out;
    for (auto& c : code_points(v.as_string())) out.push_back(Value::string(std::move(c)));
    return out;
  }
  if (v.is_object()) {
    Array out;
    for (const auto& [k, val] : v.as_object()) out.push_back(Value::string(k));
    return out;
  }
  if (v.is_undefined()) return {};
  bad(fmt::format("a {} is not iterable", v.type_name()));
}

std::vector<std::string> python_split(const std::string& s, const Value& sep, std::int64_t maxsplit) {
  std::vector<std::string> out;
  if (sep.is_undefined() || sep.is_none()) {  // runs of whitespace, ends ignored
    std::size_t i = 0;
    auto skip = [&] {
      while (i < s.size()) {
        std::uint32_t cp;
        std::size_t n = utf8_next(s, i, &cp);
        if (!python_space(cp)) break;
        i += n;
      }
    };
    skip();
    while (i < s.size()) {
      if (maxsplit >= 0 && static_cast<std::int64_t>(out.size()) == maxsplit) {
        out.push_back(python_strip(s.substr(i), false, true));
        return out;
      }
      std::size_t b = i;
      while (i < s.size()) {
        std::uint32_t cp;
        std::size_t n = utf8_next(s, i, &cp);
        if (python_space(cp)) break;
        i += n;
      }
      out.push_back(s.substr(b, i - b));
      skip();
    }
    return out;
  }
  const std::string& d = need_string(sep, "split()");
  if (d.empty()) bad("split(): empty separator");
  std::size_t b = 0;
  while (maxsplit < 0 || static_cast<std::int64_t>(out.size()) < maxsplit) {
    std::size_t p = s.find(d, b);
    if (p == std::string::npos) break;
    out.push_back(s.substr(b, p - b));
    b = p + d.size();
  }
  out.push_back(s.substr(b));
  return out;
}

bool starts_or_ends(const std::string& s, const Value& pattern, bool start) {
  auto one = [&](const std::string& p) {
    if (p.size() > s.size()) return false;
    return start ? s.compare(0, p.size(), p) == 0 : s.compare(s.size() - p.size(), p.size(), p) == 0;
  };
  if (pattern.is_string()) return one(pattern.as_string());
  if (pattern.is_array()) {
    for (const auto& p : pattern.as_array())
      if (one(need_string(p, start ? "startswith()" : "endswith()"))) return true;
    return false;
  }
  bad(fmt::format("{}() needs a string or a tuple of strings", start ? "startswith" : "endswith"));
}

}  // namespace

std::optional<Value> apply_filter(const std::string& name, const Value& v, const CallArgs& a) {
  if (name == "trim") return Value::string(python_strip(to_display(v), true, true));
  if (name == "length" || name == "count") return Value::integer(length_of(v));
  if (name == "tojson") {
    const Value indent = arg(a, 0, "indent");
    if (!indent.is_undefined() && !indent.is_none() && indent.kind() != Value::Kind::kInt)
      bad("tojson(indent=...) needs an integer");
    for (const auto& [k, unused] : a.kwargs)
      if (k != "indent") bad(fmt::format("tojson({}=...) is not supported", k));
    return Value::string(to_json(v, indent.kind() == Value::Kind::kInt ? static_cast<int>(indent.as_int()) : -1));
  }
  if (name == "upper" || name == "lower") return Value::string(map_case(to_display(v), name == "upper"));
  if (name == "capitalize") return Value::string(capitalize(to_display(v)));
  if (name == "default" || name == "d") {
    const bool boolean = arg(a, 1, "boolean", Value::boolean(false)).truthy();
    if (v.is_undefined() || (boolean && !v.truthy())) return arg(a, 0, "default_value", Value::string(""));
    return v;
  }
  if (name == "string") return Value::string(to_display(v));
  if (name == "safe") return v;
  if (name == "list") return Value::array(as_list(v));
  if (name == "first" || name == "last") {
    Array l = as_list(v);
    if (l.empty()) return Value();
    return name == "first" ? l.front() : l.back();
  }
  if (name == "join") {
    const Value sep = arg(a, 0, "d", Value::string(""));
    std::string out;
    bool first = true;
    for (const auto& e : as_list(v)) {
      if (!first) out += need_string(sep, "join()");
      out += to_display(e);
      first = false;
    }
    return Value::string(out);
  }
  return std::nullopt;
}

std::optional<bool> apply_test(const std::string& name, const Value& v, const CallArgs& a) {
  using K = Value::Kind;
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "string") return v.is_string();
  if (name == "number") return v.is_number();
  if (name == "integer") return v.kind() == K::kInt;
  if (name == "float") return v.kind() == K::kFloat;
  if (name == "boolean") return v.kind() == K::kBool;
  if (name == "true") return v.kind() == K::kBool && v.as_bool();
  if (name == "false") return v.kind() == K::kBool && !v.as_bool();
  if (name == "mapping") return v.is_object();
  if (name == "iterable") return v.is_array() || v.is_object() || v.is_string() || v.is_undefined();
  if (name == "sequence") return v.is_array() || v.is_object() || v.is_string();
  if (name == "odd" || name == "even") {
    if (v.kind() != K::kInt) bad(fmt::format("`is {}` needs an integer, got {}", name, v.type_name()));
    return (v.as_int() % 2 != 0) == (name == "odd");
  }
  if (name == "eq" || name == "equalto" || name == "==") return equal(v, arg(a, 0, "other"));
  if (name == "ne" || name == "!=") return !equal(v, arg(a, 0, "other"));
  return std::nullopt;
}

std::optional<Value> call_method(const Value& t, const std::string& name, const CallArgs& a) {
  if (t.is_string()) {
    const std::string& s = t.as_string();
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
      const Value chars = arg(a, 0, "chars");
      std::optional<std::string> set;
      if (chars.is_string())
        set = chars.as_string();
      else if (!chars.is_undefined() && !chars.is_none())
        bad(fmt::format("{}() needs a string", name));
      return Value::string(python_strip(s, name != "rstrip", name != "lstrip", set));
    }
    if (name == "startswith" || name == "endswith")
      return Value::boolean(starts_or_ends(s, arg(a, 0, "prefix"), name == "startswith"));
    if (name == "split") {
      const Value maxsplit = arg(a, 1, "maxsplit", Value::integer(-1));
      if (maxsplit.kind() != Value::Kind::kInt) bad("split(): maxsplit must be an integer");
      Array out;
      for (auto& part : python_split(s, arg(a, 0, "sep"), maxsplit.as_int()))
        out.push_back(Value::string(std::move(part)));
      return Value::array(std::move(out));
    }
    if (name == "upper" || name == "lower") return Value::string(map_case(s, name == "upper"));
    if (name == "capitalize") return Value::string(capitalize(s));
    if (name == "replace") {
      const Value from_v = arg(a, 0, "old"), to_v = arg(a, 1, "new");
      const std::string& from = need_string(from_v, "replace()");
      const std::string& to = need_string(to_v, "replace()");
      const Value count = arg(a, 2, "count", Value::integer(-1));
      if (count.kind() != Value::Kind::kInt) bad("replace(): count must be an integer");
      if (from.empty()) bad("replace() with an empty pattern is not supported");
      std::string out;
      std::size_t b = 0;
      for (std::int64_t n = 0; count.as_int() < 0 || n < count.as_int(); ++n) {
        std::size_t p = s.find(from, b);
        if (p == std::string::npos) break;
        out += s.substr(b, p - b) + to;
        b = p + from.size();
      }
      return Value::string(out + s.substr(b));
    }
    return std::nullopt;
  }
  if (t.is_object() && !t.is_namespace()) {
    if (name == "get") {
      Value v = t.get(need_string(arg(a, 0, "key"), "get()"));
      return v.is_undefined() ? arg(a, 1, "default", Value::none()) : v;
    }
    if (name == "items") return Value::array(items_of(t));
    if (name == "keys" || name == "values") {
      Array out;
      for (const auto& [k, v] : t.as_object()) out.push_back(name == "keys" ? Value::string(k) : v);
      return Value::array(std::move(out));
    }
  }
  return std::nullopt;
}

}  // namespace trafl::chat
