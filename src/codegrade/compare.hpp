#pragma once
// Code extraction from completions and output comparison (done in the parent, never in the sandbox).
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace trafl::codegrade {

// LiveCodeBench extract_code: the lines strictly between the LAST TWO lines that contain ```;
// nullopt when fewer than two such lines exist (LCB then grades the empty string).
std::optional<std::string> extract_last_fenced_block(std::string_view completion);

enum class Compare {
  kLcb,       // LiveCodeBench: exact per stripped line, else token-wise Decimal equality
  kTolerant,  // lcb + numbers within 1e-6 absolute or relative
};
std::optional<Compare> parse_compare(std::string_view mode);  // "lcb" / "tolerant"

// stdin/stdout: LCB's grade_stdio comparison. `why` (optional) receives a short reason on mismatch.
bool stdout_matches(std::string_view got, std::string_view expected, Compare mode, std::string* why = nullptr);

// Token equality as Python's Decimal(a) == Decimal(b) (exact decimal value; NaN never equal).
// nullopt when either token is not a Decimal literal.
std::optional<bool> decimal_tokens_equal(std::string_view a, std::string_view b);
bool numbers_close(double a, double b);  // |a-b| ≤ 1e-6 or ≤ 1e-6·max(|a|,|b|)

// JSON text parsed as Python's json.loads reads it: an integer literal that fits neither int64
// nor uint64 stays exact (a binary value holding its canonical decimal digits, "-" first when
// negative; JSON text cannot produce a binary value) instead of becoming a double. Discarded
// (is_discarded()) when the text is not JSON.
nlohmann::json parse_py_json(std::string_view text);
std::string py_json_text(const nlohmann::json& value);  // compact JSON, exact big integers as digits

// Functional (LeetCode) results: Python `==` on values from parse_py_json, as LiveCodeBench's
// grade_call_based compares (prediction == json.loads(expected)): bool == 0/1, integers exact at
// any size, an int and a float equal only when the float is exactly that integer, lists
// elementwise, dicts by key. `tolerant` lets a comparison that involves a float differ by 1e-6
// abs/rel.
bool py_equal(const nlohmann::json& got, const nlohmann::json& expected, Compare mode);

}  // namespace trafl::codegrade
