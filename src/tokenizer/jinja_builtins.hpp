#pragma once
// The filters, tests and methods a chat template may call (src/tokenizer/jinja_*), with Python's semantics. Each returns
// nullopt for a name it does not know (the evaluator then raises "unsupported filter/test/method NAME" at the
// call's position) and throws std::runtime_error for bad arguments (the evaluator adds the position).
//   filters  trim, length, count, tojson(indent), upper, lower, default/d(value, boolean), string, first, last,
//            join(sep), list, safe, capitalize
//   tests    defined, undefined, none, string, number, integer, float, boolean, true, false, mapping,
//            iterable, sequence, odd, even, eq/equalto/==(x), ne/!=(x)
//   methods  str: strip/lstrip/rstrip([chars]), startswith/endswith(str | tuple), split([sep[, maxsplit]]),
//            upper, lower, replace(old, new[, count]), capitalize; dict: get(key[, default]), items, keys, values
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokenizer/jinja_value.hpp"

namespace trafl::chat {

struct CallArgs {
  std::vector<Value> args;
  std::vector<std::pair<std::string, Value>> kwargs;
};

std::optional<Value> apply_filter(const std::string& name, const Value& v, const CallArgs& a);
std::optional<bool> apply_test(const std::string& name, const Value& v, const CallArgs& a);
std::optional<Value> call_method(const Value& target, const std::string& name, const CallArgs& a);

}  // namespace trafl::chat
