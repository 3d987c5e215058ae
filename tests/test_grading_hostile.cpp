// Hostile completions: every mode returns quickly and never throws.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "grading/equivalence.hpp"
#include "grading/grade.hpp"

namespace {

std::vector<std::pair<std::string, std::string>> hostile_inputs() {
  std::string braces(100000, '{');
  std::string closes = std::string(50000, '{') + std::string(50000, '}');
  std::string nested;
  for (int i = 0; i < 20000; ++i) nested += "(";
  nested += "1";
  for (int i = 0; i < 20000; ++i) nested += ")";
  std::string long_sum = "1";
  for (int i = 0; i < 30000; ++i) long_sum += "+1";
  std::string fracs;
  for (int i = 0; i < 5000; ++i) fracs += "\\frac{";
  return {
      {"100 kB of open braces", braces},
      {"boxed 100 kB of open braces", "\\boxed{" + braces},
      {"balanced 100 kB braces in a box", "\\boxed" + closes},
      {"unbalanced", "\\boxed{\\frac{1}{2}}}}} }{ \\boxed{"},
      {"huge exponent", "\\boxed{2^{10^9}}"},
      {"tower", "\\boxed{2^{2^{2^{2^{2^{2^{100}}}}}}}"},
      {"huge factorial", "\\boxed{(10^{12})!}"},
      {"symbolic tower", "\\boxed{(x+y+z)^{1000000}}"},
      {"deep parentheses", "\\boxed{" + nested + "}"},
      {"long sum", "\\boxed{" + long_sum + "}"},
      {"open fracs", "\\boxed{" + fracs + "}"},
      {"division by zero", "\\boxed{\\frac{1}{0}}"},
      {"0^-1", "\\boxed{0^{-1}}"},
      {"log of zero", "\\boxed{\\ln 0}"},
      {"nan", "\\boxed{\\infty - \\infty}"},
      {"many minerva prefixes",
       [] {
         std::string s;
         for (int i = 0; i < 3000; ++i) s += "Final Answer: The final answer is ";
         return s;
       }()},
      {"many ####", std::string(30000, '#')},
      {"binary junk", std::string("\\boxed{\x01\xff\xfe\x80}")},
      {"stray backslash", "\\boxed{\\}"},
      {"only dollars", std::string(20000, '$')},
      {"many boxes",
       [] {
         std::string s;
         for (int i = 0; i < 10000; ++i) s += "\\boxed{" + std::to_string(i) + "}";
         return s;
       }()},
  };
}

}  // namespace

TEST_CASE("hostile completions return quickly without throwing, in every mode", "[grading]") {
  for (const auto& [name, text] : hostile_inputs()) {
    for (const std::string& mode : trafl::math_modes()) {
      for (const char* gold : {"2^{10^9}", "\\frac{1}{2}", "(x+y+z)^{1000000}", "5"}) {
        auto start = std::chrono::steady_clock::now();
        trafl::Grade g;
        REQUIRE_NOTHROW(g = trafl::grade_math(text, gold, mode));
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
        INFO(name << " / " << mode << " / gold " << gold << ": " << ms << " ms, details "
                  << g.details.dump().substr(0, 300));
        CHECK(ms < 1500.0);
        CHECK((g.verdict == "correct" || g.verdict == "wrong" || g.verdict == "no_answer"));
      }
    }
  }
}

TEST_CASE("oversized symbolic work is refused and reported as budget_exceeded", "[grading]") {
  auto g = trafl::grade_math("\\boxed{2^{10^9}}", "2^{1000000000}", "symbolic");
  CHECK_FALSE(g.correct);  // only the string paths may decide, and the strings differ
  CHECK(g.details.at("budget") == "budget_exceeded");
  auto same = trafl::grade_math("\\boxed{2^{10^9}}", "2^{10^9}", "symbolic");
  CHECK(same.correct);  // identical strings are still recognised
  auto fact = trafl::grade_math("\\boxed{(10^{12})!}", "(10^{12})! + 1", "symbolic");
  CHECK_FALSE(fact.correct);
  CHECK(fact.details.at("budget") == "budget_exceeded");
}

TEST_CASE("a tiny deadline makes the comparison fall back to string paths", "[grading]") {
  trafl::grading::Limits limits;
  limits.deadline = std::chrono::milliseconds(0);
  auto e = trafl::grading::symbolic_equivalent("\\frac{1}{2}", "0.5", limits);
  CHECK(e.budget_exceeded);
  CHECK_FALSE(e.equal);
  auto s = trafl::grading::symbolic_equivalent("\\frac{1}{2}", "\\dfrac{1}{2}", limits);
  CHECK(s.equal);  // the normalised-string path needs no budget
}

TEST_CASE("grading is thread-safe: concurrent results equal sequential ones", "[grading]") {
  // Pairs that exercise every path, GiNaC (behind its lock) included.
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"2^{200}", "2^{100} \\cdot 2^{100}"},
      {"2^{200}", "2^{200}+1"},
      {"\\sin \\pi", "0"},
      {"\\frac{1}{2}", "0.5"},
      {"(1,2]", "(1,2)"},
      {"\\sqrt{1/n}", "1/\\sqrt n"},
      {"1-\\frac1e", "1+\\frac1e"},
      {"x^2-1", "(x-1)(x+1)"},
      {"\\cos^2 x", "1 - \\sin^2 x"},
      {"3^{400}", "9^{200}"},
      {"3^{400}", "9^{200} + 3"},
      {"\\tan \\frac{\\pi}{4}", "1"},
  };
  std::vector<bool> expected;
  for (const auto& [g, p] : pairs) expected.push_back(trafl::grade_math("\\boxed{" + p + "}", g, "symbolic").correct);
  CHECK(expected[0]);
  CHECK_FALSE(expected[1]);
  CHECK(expected[2]);
  CHECK(expected[9]);
  CHECK_FALSE(expected[10]);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 40; ++round)
        for (std::size_t k = 0; k < pairs.size(); ++k) {
          bool got = trafl::grade_math("\\boxed{" + pairs[k].second + "}", pairs[k].first, "symbolic").correct;
          if (got != expected[k]) ++mismatches[t];
        }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}
