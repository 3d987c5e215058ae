#include "grading/normalize_minerva.hpp"

#include <array>
#include <utility>

#include "grading/regex_util.hpp"
#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

const std::array<std::pair<const char*, const char*>, 10> kSubstitutions = {{
    {"an ", ""},
    {"a ", ""},
    {".$", "$"},
    {"\\$", ""},
    {"\\ ", ""},
    {" ", ""},
    {"mbox", "text"},
    {",\\text{and}", ","},
    {"\\text{and}", ","},
    {"\\text{m}", "\\text{}"},
}};

const std::array<const char*, 42> kRemovedExpressions = {"square",       "ways",
                                                         "integers",     "dollars",
                                                         "mph",          "inches",
                                                         "ft",           "hours",
                                                         "km",           "units",
                                                         "\\ldots",      "sue",
                                                         "points",       "feet",
                                                         "minutes",      "digits",
                                                         "cents",        "degrees",
                                                         "cm",           "gm",
                                                         "pounds",       "meters",
                                                         "meals",        "edges",
                                                         "students",     "childrentickets",
                                                         "multiples",    "\\text{s}",
                                                         "\\text{.}",    "\\text{\ns}",
                                                         "\\text{}^2",   "\\text{}^3",
                                                         "\\text{\n}",   "\\text{}",
                                                         "\\mathrm{th}", "^\\circ",
                                                         "^{\\circ}",    "\\;",
                                                         ",\\!",         "{,}",
                                                         "\"",           "\\dots"};

struct Patterns {
  Regex dollars{"([^\\n]*?)(\\$)([^\\n]*?)(\\$)([^\\n]*)"};
  Regex text{"(\\\\text\\{)([^\\n]*?)(\\})"};
  Regex textbf{"(\\\\textbf\\{)([^\\n]*?)(\\})"};
  Regex overline{"(\\\\overline\\{)([^\\n]*?)(\\})"};
  Regex boxed{"(\\\\boxed\\{)([^\\n]*)(\\})"};
  Regex frac{"(frac)([^{])([^\\n])"};
  Regex sqrt{"(sqrt)([^{])"};
};

const Patterns& patterns() {
  static const Patterns p;  // thread-safe one-time init
  return p;
}

bool python_isdigit(const std::string& s) {  // str.isdigit() for ASCII: non-empty and all digits
  if (s.empty()) return false;
  for (char c : s)
    if (!is_digit(c)) return false;
  return true;
}

}  // namespace

std::string minerva_normalize_final_answer(std::string_view in) {
  std::string a(in);
  std::size_t eq = a.rfind('=');
  if (eq != std::string::npos) a = a.substr(eq + 1);
  for (const auto& [before, after] : kSubstitutions) replace_all(a, before, after);
  for (const char* expr : kRemovedExpressions) replace_all(a, expr, "");
  const Patterns& p = patterns();
  a = p.dollars.replace_all(a, "$$$3$$");
  a = p.text.replace_all(a, "$2");
  a = p.textbf.replace_all(a, "$2");
  a = p.overline.replace_all(a, "$2");
  a = p.boxed.replace_all(a, "$2");
  a = p.frac.replace_all(a, "frac{$2}{$3}");
  a = p.sqrt.replace_all(a, "sqrt{$2}");
  replace_all(a, "$", "");
  std::string no_commas;
  for (char c : a)
    if (c != ',') no_commas.push_back(c);
  if (python_isdigit(no_commas)) a = no_commas;
  return a;
}

}  // namespace trafl::grading
