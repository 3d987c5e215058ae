#include "grading/rational.hpp"

#include <cstdlib>

#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {
i128 abs128(i128 v) { return v < 0 ? -v : v; }
i128 gcd128(i128 a, i128 b) {
  a = abs128(a);
  b = abs128(b);
  while (b != 0) {
    i128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}
// Values are kept below 2^126 in magnitude so negation and the final sign fix never overflow.
constexpr i128 kMax = (static_cast<i128>(1) << 126);
bool checked_mul(i128 a, i128 b, i128& out) {
  if (__builtin_mul_overflow(a, b, &out)) return false;
  return abs128(out) < kMax;
}
bool checked_add(i128 a, i128 b, i128& out) {
  if (__builtin_add_overflow(a, b, &out)) return false;
  return abs128(out) < kMax;
}
}  // namespace

bool operator==(const Rational& a, const Rational& b) { return a.num == b.num && a.den == b.den; }

std::optional<Rational> make_rational(i128 num, i128 den) {
  if (den == 0) return std::nullopt;
  if (abs128(num) >= kMax || abs128(den) >= kMax) return std::nullopt;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  i128 g = gcd128(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  if (num == 0) den = 1;
  return Rational{num, den};
}

std::optional<Rational> add(const Rational& a, const Rational& b) {
  i128 g = gcd128(a.den, b.den);
  i128 bd = b.den / g, ad = a.den / g, x, y, n, d;
  if (!checked_mul(a.num, bd, x) || !checked_mul(b.num, ad, y) || !checked_add(x, y, n) || !checked_mul(a.den, bd, d))
    return std::nullopt;
  return make_rational(n, d);
}

std::optional<Rational> mul(const Rational& a, const Rational& b) {
  // Cross-cancel first so that small results of big factors do not overflow.
  i128 g1 = gcd128(a.num, b.den), g2 = gcd128(b.num, a.den);
  if (g1 == 0) g1 = 1;
  if (g2 == 0) g2 = 1;
  i128 n, d;
  if (!checked_mul(a.num / g1, b.num / g2, n) || !checked_mul(a.den / g2, b.den / g1, d)) return std::nullopt;
  return make_rational(n, d);
}

std::optional<Rational> div(const Rational& a, const Rational& b) {
  if (b.num == 0) return std::nullopt;
  return mul(a, Rational{b.den * (b.num < 0 ? -1 : 1), abs128(b.num)});
}

std::optional<Rational> pow_int(const Rational& a, long e) {
  if (e == 0) return Rational{1, 1};
  if (a.num == 0) return e > 0 ? std::optional<Rational>(Rational{0, 1}) : std::nullopt;
  if (a.den == 1 && (a.num == 1 || a.num == -1)) return Rational{(a.num == -1 && (e % 2 != 0)) ? -1 : 1, 1};
  if (e > 130 || e < -130) return std::nullopt;  // |base| >= 2 (or a fraction): cannot fit
  Rational base = a;
  if (e < 0) {
    auto inv = div(Rational{1, 1}, a);
    if (!inv) return std::nullopt;
    base = *inv;
    e = -e;
  }
  Rational acc{1, 1};
  for (long k = 0; k < e; ++k) {
    auto next = mul(acc, base);
    if (!next) return std::nullopt;
    acc = *next;
  }
  return acc;
}

std::optional<Rational> parse_decimal(std::string_view t) {
  std::size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
  i128 mant = 0;
  long scale = 0;  // value = mant * 10^scale
  bool any = false, dot = false;
  for (; i < t.size(); ++i) {
    char c = t[i];
    if (is_digit(c)) {
      any = true;
      if (mant > kMax / 10) return std::nullopt;
      mant = mant * 10 + (c - '0');
      if (dot) --scale;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (!any) return std::nullopt;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < t.size() && (t[i] == '-' || t[i] == '+')) eneg = t[i++] == '-';
    long ev = 0;
    bool edigits = false;
    for (; i < t.size() && is_digit(t[i]); ++i) {
      edigits = true;
      if (ev > 100000) return std::nullopt;
      ev = ev * 10 + (t[i] - '0');
    }
    if (!edigits) return std::nullopt;
    scale += eneg ? -ev : ev;
  }
  if (i != t.size()) return std::nullopt;
  auto p = pow_int(Rational{10, 1}, scale);
  if (!p) return std::nullopt;
  auto r = mul(Rational{neg ? -mant : mant, 1}, *p);
  return r;
}

double to_double(const Rational& r) { return static_cast<double>(r.num) / static_cast<double>(r.den); }

std::string to_string(const Rational& r) {
  auto s = [](i128 v) {
    if (v == 0) return std::string("0");
    bool neg = v < 0;
    std::string out;
    while (v != 0) {
      int d = static_cast<int>(v % 10);
      out.insert(out.begin(), static_cast<char>('0' + (d < 0 ? -d : d)));
      v /= 10;
    }
    return neg ? "-" + out : out;
  };
  return r.den == 1 ? s(r.num) : s(r.num) + "/" + s(r.den);
}

}  // namespace trafl::grading
