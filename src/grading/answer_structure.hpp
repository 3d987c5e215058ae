#pragma once
// The shape of a normalised answer: a single expression, an ordered tuple/interval (bracket
// types kept), a set or bare comma list (order-free), a union of intervals, a matrix, an
// equation, a relation (x \le 5; a chain a < x < b is the interval it describes), a text word, a
// multiple-choice letter or a base-b numeral (52_8). Splitting happens at top level only (commas
// inside \frac{..}{..} or parentheses do not split). A label in front of a value — x =, f(x) =,
// (p,q) =, |AB| =, AB = — is kept in `var` and compared only against another label.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace trafl::grading {

struct Answer {
  enum class Kind {
    kEmpty,
    kScalar,
    kOrdered,
    kUnordered,
    kUnion,
    kMatrix,
    kEquation,
    kRelation,
    kText,
    kChoice,
    kBaseNumber
  };
  Kind kind = Kind::kEmpty;
  std::string text;  // Scalar: expression; Text: lower-cased word(s); Choice: letter; BaseNumber: digits; Equation: lhs
  std::string rhs;   // Equation, Relation: right-hand side (Relation: lhs in text)
  std::string rel;   // Relation: "<", ">", "\\le", "\\ge" or "\\ne"
  std::string var;   // "x" of "x = 5" (the prefix is dropped from the value but kept to compare)
  std::string base;  // BaseNumber: the base as written
  std::string open;  // Ordered: "(" or "["; Unordered: "\{" for sets, "" for bare lists
  std::string close;          // Ordered: ")" or "]"
  std::vector<Answer> items;  // Ordered/Unordered/Union elements; Matrix: row-major cells
  std::size_t rows = 0, cols = 0;
};

Answer parse_answer(std::string_view normalized);
std::string describe(const Answer& a);  // compact canonical text for grade details
const char* kind_name(Answer::Kind k);

}  // namespace trafl::grading
