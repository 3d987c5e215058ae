// The Jinja runtime value (jinja_value.hpp): construction, Python truthiness and equality, str() and json.dumps.
#include "tokenizer/jinja_value.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace trafl::chat {

Value Value::none() {
  Value v;
  v.kind_ = Kind::kNone;
  return v;
}
Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.b_ = b;
  return v;
}
Value Value::integer(std::int64_t i) {
  Value v;
  v.kind_ = Kind::kInt;
  v.i_ = i;
  return v;
}
Value Value::real(double d) {
  Value v;
  v.kind_ = Kind::kFloat;
  v.d_ = d;
  return v;
}
Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.s_ = std::move(s);
  return v;
}
Value Value::array(Array items) {
  Value v;
  v.kind_ = Kind::kArray;
  v.a_ = std::make_shared<Array>(std::move(items));
  return v;
}
Value Value::object(Object items, bool is_namespace) {
  Value v;
  v.kind_ = Kind::kObject;
  v.namespace_ = is_namespace;
  v.o_ = std::make_shared<Object>(std::move(items));
  return v;
}

Value Value::from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return none();
    case nlohmann::json::value_t::boolean: return boolean(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return integer(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_float: return real(j.get<double>());
    case nlohmann::json::value_t::string: return string(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      Array a;
      for (const auto& e : j) a.push_back(from_json(e));
      return array(std::move(a));
    }
    case nlohmann::json::value_t::object: {
      // nlohmann::json sorts keys; a chat message's fields come from our own code or a JSON file, and
      // tojson of a message is not what the supported templates print, so that order is acceptable here.
      Object o;
      for (auto it = j.begin(); it != j.end(); ++it) o.emplace_back(it.key(), from_json(it.value()));
      return object(std::move(o));
    }
    default: return Value();
  }
}

Value Value::get(const std::string& key) const {
  if (kind_ != Kind::kObject) return Value();
  for (const auto& [k, v] : *o_)
    if (k == key) return v;
  return Value();
}

void Value::set(const std::string& key, Value v) {
  for (auto& [k, old] : *o_)
    if (k == key) {
      old = std::move(v);
      return;
    }
  o_->emplace_back(key, std::move(v));
}

bool Value::truthy() const {
  switch (kind_) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return b_;
    case Kind::kInt: return i_ != 0;
    case Kind::kFloat: return d_ != 0;
    case Kind::kString: return !s_.empty();
    case Kind::kArray: return !a_->empty();
    case Kind::kObject: return namespace_ || !o_->empty();
  }
  return false;
}

const char* Value::type_name() const {
  switch (kind_) {
    case Kind::kUndefined: return "undefined";
    case Kind::kNone: return "none";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "string";
    case Kind::kArray: return "list";
    case Kind::kObject: return namespace_ ? "namespace" : "dict";
  }
  return "?";
}

bool equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return a.as_number() == b.as_number();
  if (a.kind() == Value::Kind::kBool && b.kind() == Value::Kind::kBool) return a.as_bool() == b.as_bool();
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return true;
    case Value::Kind::kString: return a.as_string() == b.as_string();
    case Value::Kind::kArray: {
      const auto &x = a.as_array(), &y = b.as_array();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!equal(x[i], y[i])) return false;
      return true;
    }
    case Value::Kind::kObject: {
      const auto &x = a.as_object(), &y = b.as_object();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x)
        if (!equal(v, b.get(k))) return false;
      return true;
    }
    default: return false;
  }
}

namespace {
// Python's repr(float): the shortest round-trip digits, with ".0" on integral values.
std::string python_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

void json_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20)
          out += fmt::format("\\u{:04x}", c);
        else
          out += static_cast<char>(c);  // ensure_ascii=False: UTF-8 passes through
    }
  }
  out += '"';
}

void json_value(std::string& out, const Value& v, int indent, int depth) {
  const bool pretty = indent >= 0;
  auto newline = [&](int d) {
    out += '\n';
    out.append(static_cast<std::size_t>(indent * d), ' ');
  };
  switch (v.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: out += "null"; return;
    case Value::Kind::kBool: out += v.as_bool() ? "true" : "false"; return;
    case Value::Kind::kInt: out += std::to_string(v.as_int()); return;
    case Value::Kind::kFloat: out += python_float(v.as_number()); return;
    case Value::Kind::kString: json_string(out, v.as_string()); return;
    case Value::Kind::kArray: {
      const auto& a = v.as_array();
      out += '[';
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out += pretty ? "," : ", ";
        if (pretty) newline(depth + 1);
        json_value(out, a[i], indent, depth + 1);
      }
      if (pretty && !a.empty()) newline(depth);
      out += ']';
      return;
    }
    case Value::Kind::kObject: {
      const auto& o = v.as_object();
      out += '{';
      for (std::size_t i = 0; i < o.size(); ++i) {
        if (i) out += pretty ? "," : ", ";
        if (pretty) newline(depth + 1);
        json_string(out, o[i].first);
        out += ": ";
        json_value(out, o[i].second, indent, depth + 1);
      }
      if (pretty && !o.empty()) newline(depth);
      out += '}';
      return;
    }
  }
}
}  // namespace

std::string to_display(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kUndefined: return "";
    case Value::Kind::kNone: return "None";
    case Value::Kind::kBool: return v.as_bool() ? "True" : "False";
    case Value::Kind::kInt: return std::to_string(v.as_int());
    case Value::Kind::kFloat: return python_float(v.as_number());
    case Value::Kind::kString: return v.as_string();
    default:
      throw std::runtime_error(
          fmt::format("printing a {} directly (its Python repr) is not supported; use tojson", v.type_name()));
  }
}

std::string to_json(const Value& v, int indent) {
  std::string out;
  json_value(out, v, indent, 0);
  return out;
}

}  // namespace trafl::chat
