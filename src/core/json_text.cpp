#include "core/json_text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

namespace trafl {

namespace {

using json = nlohmann::json;

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, column 5: …"; the bracketed
// id means nothing to a user.
std::string strip_prefix(const std::string& what) {
  auto p = what.find("] ");
  return p == std::string::npos ? what : what.substr(p + 2);
}

// 1-based line of byte `offset` in `text`.
std::size_t line_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 +
         static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// nlohmann's DOM builder with the strict rules added, as a SAX handler: a duplicate key is caught by
// the same map insertion that stores the value (try_emplace: one lookup, nothing extra per key), so
// the strict parse costs what the plain one does. Returning false stops the parser at once.
class StrictBuilder {
 public:
  explicit StrictBuilder(json& root) : root_(root) {}

  bool null() { return put(nullptr) != nullptr; }
  bool boolean(bool v) { return put(v) != nullptr; }
  bool number_integer(json::number_integer_t v) { return put(v) != nullptr; }
  bool number_unsigned(json::number_unsigned_t v) { return put(v) != nullptr; }
  bool number_float(json::number_float_t v, const json::string_t& /*text*/) { return put(v) != nullptr; }
  bool string(json::string_t& v) { return put(std::move(v)) != nullptr; }
  bool binary(json::binary_t& v) { return put(json::binary(std::move(v))) != nullptr; }
  bool start_object(std::size_t /*size*/) { return open(json::object()); }
  bool start_array(std::size_t /*size*/) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(json::string_t& k) {
    auto& object = stack_.back()->get_ref<json::object_t&>();
    auto [it, inserted] = object.try_emplace(std::move(k), nullptr);  // k is left intact when present
    if (!inserted) {
      error_ = fmt::format("key \"{}\" appears twice in one object (duplicate keys are refused)", k);
      return false;
    }
    slot_ = &it->second;
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/, const nlohmann::detail::exception& e) {
    error_ = strip_prefix(e.what());
    if (e.id == 406) {  // "number overflow parsing '1e999'"
      auto q1 = error_.find('\''), q2 = error_.rfind('\'');
      if (q1 != std::string::npos && q2 > q1)
        error_ =
            fmt::format("number {} is outside the range of a double (±1.8e308)", error_.substr(q1 + 1, q2 - q1 - 1));
    }
    position_ = position;
    return false;
  }

  const std::string& error() const { return error_; }
  std::size_t position() const { return position_; }  // 1-based byte count at the error; 0: unknown

 private:
  // Stores `v` where the parser is (root, array element or the last key's slot); its address.
  json* put(json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      auto& array = top.get_ref<json::array_t&>();
      array.push_back(std::move(v));
      return &array.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }
  bool open(json&& container) {
    if (stack_.size() >= static_cast<std::size_t>(kMaxJsonDepth)) {
      error_ = fmt::format("nested deeper than {} levels", kMaxJsonDepth);
      return false;
    }
    // Pointers into an array stay valid while it is the innermost open container: only its last
    // element can be open, and nothing is appended to the array until that element is closed.
    stack_.push_back(put(std::move(container)));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }

  json& root_;
  std::vector<json*> stack_;  // open containers, innermost last
  json* slot_ = nullptr;      // the value slot of the last key
  std::string error_;
  std::size_t position_ = 0;
};

}  // namespace

json parse_json_text(std::string_view text) {
  json out;
  StrictBuilder builder(out);
  const bool ok = json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json, /*strict=*/true);
  if (!ok || !builder.error().empty()) {
    const std::size_t line = builder.position() > 0 ? line_of(text, builder.position() - 1) : 0;
    throw JsonTextError(builder.error().empty() ? "not valid JSON" : builder.error(), line);
  }
  return out;
}

}  // namespace trafl
