// The three normalisers and the LaTeX parser, checked directly.
#include <catch2/catch.hpp>

#include "grading/budget.hpp"
#include "grading/expr_eval.hpp"
#include "grading/extract.hpp"
#include "grading/latex_parser.hpp"
#include "grading/normalize_hendrycks.hpp"
#include "grading/normalize_minerva.hpp"
#include "grading/normalize_symbolic.hpp"

using namespace trafl::grading;

TEST_CASE("hendrycks strip_string reproduces the original, quirks included", "[grading]") {
  CHECK(*hendrycks_strip_string("\\frac12") == "\\frac{1}{2}");
  CHECK(*hendrycks_strip_string("\\frac1{72}") == "\\frac{1}{72}");
  CHECK(*hendrycks_strip_string("0.5") == "\\frac{1}{2}");
  CHECK(*hendrycks_strip_string("0.50") == "0.50");  // only the literal 0.5
  CHECK(*hendrycks_strip_string("3/4") == "\\frac{3}{4}");
  CHECK(*hendrycks_strip_string("03/4") == "03/4");  // int("03") renders as "3": the assert fails
  CHECK(*hendrycks_strip_string(".5") == "\\frac{1}{2}");
  CHECK(*hendrycks_strip_string("k = 7") == "7");
  CHECK(*hendrycks_strip_string("abc = 7") == "abc=7");      // left side longer than 2 characters
  CHECK(*hendrycks_strip_string("\\leftarrow") == "arrow");  // "\left" removed inside \leftarrow
  CHECK(*hendrycks_strip_string("10\\text{ cm}") == "10");
  CHECK(*hendrycks_strip_string("\\sqrt3+1") == "\\sqrt{3}+1");
  CHECK_FALSE(hendrycks_strip_string("2\\sqrt"));                // IndexError in the original
  CHECK_FALSE(hendrycks_strip_string("5\\text{ a}\\text{ b}"));  // assert len(splits) == 2
  CHECK_FALSE(hendrycks_strip_string("1+\\frac"));               // IndexError
  CHECK(*hendrycks_strip_string("\\frac1") == "\\frac1");        // the assert path returns the input
  auto raised = hendrycks_is_equiv("2\\sqrt", "2\\sqrt");
  CHECK(raised.raised);
  CHECK(raised.equal);  // raw string equality decides
  CHECK_FALSE(hendrycks_is_equiv("2\\sqrt", "2 \\sqrt").equal);
}

TEST_CASE("minerva normalize_final_answer matches lm-eval's port", "[grading]") {
  CHECK(minerva_normalize_final_answer("x = 10") == "10");
  CHECK(minerva_normalize_final_answer("\\text{5 dollars}") == "5");
  CHECK(minerva_normalize_final_answer("1,000") == "1000");
  CHECK(minerva_normalize_final_answer("1,000.5") == "1,000.5");  // not all digits: commas stay
  CHECK(minerva_normalize_final_answer("\\frac12") == "\\frac{1}{2}");
  CHECK(minerva_normalize_final_answer("\\sqrt3") == "\\sqrt{3}");
  CHECK(minerva_normalize_final_answer("$\\boxed{42}$") == "42");
  CHECK(minerva_normalize_final_answer("10^\\circ") == "10");
  CHECK(minerva_normalize_final_answer("5\\text{ cm}") == "5");
  CHECK(minerva_normalize_final_answer("\\textbf{(C)}") == "(C)");
  CHECK(minerva_normalize_final_answer("The answer is $12$ units") == "12");
}

TEST_CASE("symbolic normalisation removes presentation only", "[grading]") {
  CHECK(normalize_symbolic("\\left( 3, \\dfrac{\\pi}{2} \\right)") == "( 3, \\frac{\\pi}{2} )");
  CHECK(normalize_symbolic("$10,\\!080$") == "10080");
  CHECK(normalize_symbolic("45^{\\circ}") == "45");
  CHECK(normalize_symbolic("12.5\\%") == "12.5");
  CHECK(normalize_symbolic("5.4 \\text{ cents}") == "5.4");
  CHECK(normalize_symbolic("\\text{Evelyn}") == "Evelyn");
  CHECK(normalize_symbolic("x \\in [-2,7]") == "[-2,7]");
  CHECK(normalize_symbolic("\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}") == "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}");
  CHECK(normalize_symbolic("2\\,\\text{and}\\,3") == "2 , 3");
}

TEST_CASE("the LaTeX parser refuses what it cannot read exactly", "[grading]") {
  Budget b;
  CHECK_FALSE(parse_latex("52_8", b).tree);  // a base numeral must never become 528
  CHECK_FALSE(parse_latex("\\frac{1}{2", b).tree);
  CHECK_FALSE(parse_latex("1 \\approx 2", b).tree);
  auto ok = parse_latex("\\sin^{-1} x + x_1 + \\theta_{w}", b);
  REQUIRE(ok.tree);
  auto syms = free_symbols(*ok.tree);
  CHECK(syms == std::set<std::string>{"x", "x_1", "theta_w"});
  CHECK(contains_op(*ok.tree, Op::Func));
  auto mixed = parse_latex("3\\frac{1}{2}", b);
  REQUIRE(mixed.tree);
  auto v = eval_exact(*mixed.tree);
  REQUIRE(v.status == ExactStatus::kExact);
  CHECK(to_string(v.value) == "7/2");
  auto sci = parse_latex("4.5e3", b);
  REQUIRE(sci.tree);
  CHECK(to_string(eval_exact(*sci.tree).value) == "4500");
  CHECK(sci.tree->has_decimal);
  CHECK_FALSE(extract_math("\\boxed{5} then \\boxed{}").answer);  // an empty last box is no answer
}
