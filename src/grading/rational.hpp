#pragma once
// Exact rationals on 128-bit integers with overflow detection. Answers are mostly small
// rationals, so exact comparison here is both the fast path and the strict one: 11111111100 vs
// 11111111101 or 1/2^99 vs 1/2^98 can never be "close enough". Overflow is reported, never wrapped.
#include <optional>
#include <string>
#include <string_view>

namespace trafl::grading {

// __extension__ keeps -Wpedantic quiet about the GCC/Clang 128-bit integer.
__extension__ typedef __int128 i128;

struct Rational {
  i128 num = 0;
  i128 den = 1;  // > 0, gcd(num, den) == 1
};

bool operator==(const Rational& a, const Rational& b);
std::optional<Rational> make_rational(i128 num, i128 den);  // normalises; nullopt if den == 0
std::optional<Rational> add(const Rational& a, const Rational& b);
std::optional<Rational> mul(const Rational& a, const Rational& b);
std::optional<Rational> div(const Rational& a, const Rational& b);
std::optional<Rational> pow_int(const Rational& a, long exponent);
// "12", "-0.50", ".35", "4.5e33", "1e-5" → exact value; nullopt if not such a literal or too big.
std::optional<Rational> parse_decimal(std::string_view text);
double to_double(const Rational& r);
std::string to_string(const Rational& r);

}  // namespace trafl::grading
