// Issue 22: the symbolic check must not be sign-blind. It used to sample only positive points in
// [0.35, 2.85), so |x| = x, |x−3| = 3−x and ln|x| = ln x were all graded correct. These pairs
// (and the rest of the family) are compared at points of both signs and several scales, with
// each side's real domain respected (expr_real.hpp).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "grading/expr_real.hpp"
#include "grading/grade.hpp"
#include "tests/support.hpp"

namespace {

struct Pair {
  const char* gold;
  const char* answer;
  bool correct;
};

const std::vector<Pair>& pairs() {
  static const std::vector<Pair> p = {
      // ---- the reproductions from the issue
      {"|x|", "x", false},
      {"|x-3|", "3-x", false},
      {"\\ln|x|", "\\ln x", false},
      // ---- the same family: sign-blind identities
      {"\\sqrt{x^2}", "x", false},
      {"\\frac{x}{|x|}", "1", false},
      {"(x^2)^{1/2}", "x", false},
      {"|x|+|y|", "|x+y|", false},
      {"|xy|", "xy", false},
      {"|x-30|", "|x|-30", false},
      {"\\ln(x^2)", "2\\ln x", false},              // ln x² is defined at x < 0, 2 ln x is not
      {"\\sqrt{xy}", "\\sqrt{x}\\sqrt{y}", false},  // ditto at x, y < 0
      {"\\sqrt{x^2+2x+1}", "x+1", false},
      {"\\left|\\frac{1}{x}\\right|", "\\frac{1}{x}", false},
      {"y=|x|", "y=x", false},
      {"\\arcsin(\\sin x)", "x", false},
      // ---- ... and what must stay equal
      {"|x|^2", "x^2", true},
      {"\\sqrt{x^2}", "|x|", true},
      {"\\frac{x}{|x|}", "\\frac{|x|}{x}", true},
      {"\\ln|x|", "\\frac{1}{2}\\ln(x^2)", true},
      {"|x-3|", "|3-x|", true},
      {"|x|", "\\sqrt{x^2}", true},
      {"\\sqrt{1/n}", "1/\\sqrt n", true},  // both undefined at n < 0: those points say nothing
      {"x^{3/2}", "x\\sqrt{x}", true},
      {"\\frac{1}{\\sqrt{x}}", "x^{-1/2}", true},
      {"\\sqrt[3]{x}", "x^{1/3}", true},  // real cube root on both sides
      {"\\sqrt[3]{x^2}", "x^{2/3}", true},
      {"|x|^3", "|x^3|", true},
      {"\\ln x + \\ln y", "\\ln(xy)", false},  // ln(xy) is also defined at x, y < 0
      {"\\sqrt{x}\\sqrt{x}", "x", false},      // the left side is undefined at x < 0
      {"\\binom{n}{2}", "\\frac{n(n-1)}{2}", true},
      {"n!", "n(n-1)!", true},
      {"(x+1)^2", "x^2+2x+1", true},
      {"\\frac{x^2-1}{x-1}", "x+1", true},
      {"e^{-x}", "\\frac{1}{e^x}", true},
      // issue 16: a fractional power of a negative base is its real root
      {"-\\frac{8x^2}{9(x^2-2)^{5/3}}+\\frac{2}{3(x^2-2)^{2/3}}", "-\\frac{2(x^2+6)}{9(x^2-2)\\sqrt[3]{x^2-2}^2}",
       true},
  };
  return p;
}

}  // namespace

TEST_CASE("symbolic equivalence respects signs and domains", "[grading]") {
  int negatives = 0;
  for (const Pair& c : pairs()) {
    std::string completion = std::string("So the answer is $\\boxed{") + c.answer + "}$.";
    trafl::Grade g = trafl::grade_math(completion, c.gold, "symbolic");
    INFO("gold '" << c.gold << "' | answer '" << c.answer << "' | details " << g.details.dump());
    CHECK(g.correct == c.correct);
    // The other direction must agree: equivalence is symmetric.
    std::string swapped = std::string("So the answer is $\\boxed{") + c.gold + "}$.";
    CHECK(trafl::grade_math(swapped, c.answer, "symbolic").correct == c.correct);
    negatives += c.correct ? 0 : 1;
  }
  CHECK(negatives >= 15);
}

TEST_CASE("sample points cover both signs and values beyond 3 for every name", "[grading]") {
  for (const char* name : {"x", "y", "n", "t", "a", "theta", "x_1"}) {
    int negative = 0, above_three = 0, below_minus_three = 0;
    for (int p = 0; p < trafl::grading::kPositivePoints; ++p) CHECK(trafl::grading::signed_point_value(name, p) > 0);
    for (int p = 0; p < trafl::grading::kPositivePoints + trafl::grading::kSignedPoints; ++p) {
      double v = trafl::grading::signed_point_value(name, p);
      negative += v < 0;
      above_three += v > 3;
      below_minus_three += v < -3;
    }
    INFO(name);
    CHECK(negative == trafl::grading::kSignedPoints / 2);
    CHECK(above_three >= 2);
    CHECK(below_minus_three >= 2);
  }
}

TEST_CASE("judge grades |x| against x as wrong and says why", "[grading][cli]") {
  auto r = trafl::test::run_cli("judge --task math500 --gold '|x|' --response '\\boxed{x}' --json");
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("\"verdict\": \"wrong\""));
  CHECK_THAT(r.out, Catch::Contains("numeric_random_points"));
}
