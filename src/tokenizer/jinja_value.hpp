#pragma once
// A Jinja runtime value (src/tokenizer/jinja_*): what a chat template computes with. Python's data model, because the
// templates are written for (and the models trained with) Python Jinja as `transformers` runs it:
//   undefined   a missing variable, key or attribute (renders as "", is falsy, `is defined` is false)
//   none        JSON null / Python None
//   bool, int, float, string (UTF-8), array (a list or tuple), object (a dict, insertion-ordered as JSON)
// Arrays and objects are shared (a `namespace()` is an object whose attributes `set ns.x = ...` mutates).
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace trafl::chat {

class Value;
using Array = std::vector<Value>;
using Object = std::vector<std::pair<std::string, Value>>;  // insertion order, as json.dumps keeps it

class Value {
 public:
  enum class Kind { kUndefined, kNone, kBool, kInt, kFloat, kString, kArray, kObject };

  Value() = default;  // undefined
  static Value none();
  static Value boolean(bool b);
  static Value integer(std::int64_t i);
  static Value real(double d);
  static Value string(std::string s);
  static Value array(Array items);
  static Value object(Object items, bool is_namespace = false);
  static Value from_json(const nlohmann::json& j);

  Kind kind() const { return kind_; }
  bool is_undefined() const { return kind_ == Kind::kUndefined; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }
  bool is_number() const { return kind_ == Kind::kInt || kind_ == Kind::kFloat; }
  bool is_namespace() const { return kind_ == Kind::kObject && namespace_; }

  bool as_bool() const { return b_; }
  std::int64_t as_int() const { return i_; }
  double as_number() const { return kind_ == Kind::kInt ? static_cast<double>(i_) : d_; }
  const std::string& as_string() const { return s_; }
  const Array& as_array() const { return *a_; }
  Array& as_array() { return *a_; }
  const Object& as_object() const { return *o_; }
  Object& as_object() { return *o_; }

  // Object key lookup (undefined when absent); setting replaces or appends.
  Value get(const std::string& key) const;
  void set(const std::string& key, Value v);

  bool truthy() const;            // Python's bool(): empty string/list/dict, 0, None are false
  const char* type_name() const;  // "string", "list", ... for error messages

 private:
  Kind kind_ = Kind::kUndefined;
  bool b_ = false;
  bool namespace_ = false;
  std::int64_t i_ = 0;
  double d_ = 0;
  std::string s_;
  std::shared_ptr<Array> a_;
  std::shared_ptr<Object> o_;
};

bool equal(const Value& a, const Value& b);  // Python ==: numbers by value, containers element-wise
// Python's str() of a value as `{{ }}` prints it (None, True, 1.0); undefined is "". Lists and dicts are an
// error (their Python repr is not implemented), thrown as std::runtime_error for the caller to place.
std::string to_display(const Value& v);
// transformers' `tojson` filter: json.dumps(v, ensure_ascii=False, indent=indent), separators ", " / ": "
// without indent and "," / ": " with it. indent < 0 means none.
std::string to_json(const Value& v, int indent = -1);

}  // namespace trafl::chat
