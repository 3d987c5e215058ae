// A grade that says wrong or no_answer says why in details.reason, naming the specific cause
// (issue 16: "when it says wrong, why"); a correct grade carries no reason. Each case checks the
// words that only its own cause would produce, so a generic or misplaced reason fails.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "grading/grade.hpp"

namespace {

struct Case {
  const char* gold;
  const char* completion;
  const char* mode;
  const char* verdict;
  std::vector<const char*> reason_holds;  // every one must appear in details.reason
};

std::string reason_of(const trafl::Grade& g) { return g.details.value("reason", std::string()); }

}  // namespace

TEST_CASE("a wrong or missing answer's reason names its cause", "[grading][grading_reason]") {
  const std::vector<Case> cases = {
      // A short decimal for a non-terminating fraction: the values, and the rounding rule's terms.
      {"\\frac{1}{12}",
       "so \\boxed{0.083}",
       "symbolic",
       "wrong",
       {"1/12", "0.083", "different exact values", "at least 5 significant digits", "0.083 has 2 significant"}},
      // A rounded decimal of an irrational constant: both values and the tolerance.
      {"\\pi", "\\boxed{3.14}", "symbolic", "wrong", {"3.141592654", "3.14", "relative tolerance 1e-06"}},
      // Sets: the gold element the answer lacks.
      {"\\{1, 2\\}", "\\boxed{\\{1, 3\\}}", "symbolic", "wrong", {"sets differ", "lacks gold's 2"}},
      {"\\{1, 2\\}", "\\boxed{\\{1, 2, 3\\}}", "symbolic", "wrong", {"gold has 2 elements, the answer 3"}},
      // A symbolic difference: the sample point and both values there (|x| and x differ at x < 0).
      {"\\sqrt{x^2}", "\\boxed{x}", "symbolic", "wrong", {"they differ at x = -", "(gold ", ", answer -"}},
      // Intervals: the bracket types.
      {"(1, 2]", "\\boxed{(1, 2)}", "symbolic", "wrong", {"brackets differ: gold (...], answer (...)"}},
      // Tuples: which item, then that item's cause.
      {"(1, 2, 3)", "\\boxed{(1, 5, 3)}", "symbolic", "wrong", {"item 2 of 3: gold 2 and answer 5"}},
      // Matrices: which entry.
      {"\\begin{pmatrix}1 & 2\\\\3 & 4\\end{pmatrix}",
       "\\boxed{\\begin{pmatrix}1 & 2\\\\5 & 4\\end{pmatrix}}",
       "symbolic",
       "wrong",
       {"entry (row 2, column 1): gold 3 and answer 5"}},
      // Relations: the opposite direction.
      {"x < 1", "\\boxed{x > 1}", "symbolic", "wrong", {"opposite ways"}},
      // Labels of different unknowns.
      {"x = 1", "\\boxed{y = 1}", "symbolic", "wrong", {"labels differ: gold x=, answer y="}},
      // A structure mismatch names both kinds.
      {"(1, 2)", "\\boxed{3}", "symbolic", "wrong", {"gold is a tuple", "the answer a expression"}},
      // No answer: what each mode looked for.
      {"5", "I do not know.", "symbolic", "no_answer", {"no answer: ", "math span or number found"}},
      {"5", "The answer is five, $x$ and $y$ aside.", "hendrycks", "no_answer", {"no \\boxed{} or \\fbox{}"}},
      {"5", "It is 5.", "gsm8k-strict", "no_answer", {"no '#### N' line"}},
      {"5", "\\boxed{}", "symbolic", "no_answer", {"the answer found is empty"}},
      // The other modes' wrong answers.
      {"2125", "It costs $2,124.", "gsm8k-flexible", "wrong", {"the number 2124 is not the gold 2125"}},
      {"\\frac{1}{2}", "\\boxed{0.50}", "hendrycks", "wrong", {"gold '\\frac{1}{2}', answer '0.50'", "never values"}},
      {"1.6",
       "Final Answer: The final answer is 1.7. I hope it is correct.",
       "minerva",
       "wrong",
       {"gold 1.6 and answer 1.7 are different exact values"}},
  };
  for (const Case& c : cases) {
    trafl::Grade g = trafl::grade_math(c.completion, c.gold, c.mode);
    INFO("gold '" << c.gold << "' completion '" << c.completion << "' mode " << c.mode << " details "
                  << g.details.dump());
    CHECK(g.verdict == c.verdict);
    std::string reason = reason_of(g);
    for (const char* part : c.reason_holds) CHECK_THAT(reason, Catch::Contains(part));
  }
}

TEST_CASE("a correct grade carries no reason", "[grading][grading_reason]") {
  // Set elements matched after failed pairings must not leave those pairings' reasons behind.
  for (auto [gold, completion] : std::vector<std::pair<const char*, const char*>>{
           {"\\{1, 2, 3\\}", "\\boxed{\\{3, 1, 2\\}}"},
           {"\\frac{1}{12}", "\\boxed{0.0833333333333333}"},
           {"x \\le 5", "\\boxed{5 \\ge x}"},
       }) {
    trafl::Grade g = trafl::grade_math(completion, gold, "symbolic");
    INFO("gold '" << gold << "' details " << g.details.dump());
    CHECK(g.correct);
    CHECK_FALSE(g.details.contains("reason"));
  }
}
