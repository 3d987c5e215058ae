// Real-data self-checks of the math grader (visible SKIP when ../shared/data is absent).
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "grading/boxed.hpp"
#include "grading/equivalence.hpp"
#include "grading/grade.hpp"
#include "tests/support.hpp"

namespace {

std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

// The same answer written differently: \frac as \dfrac and (optionally) without spaces.
std::string reformat(const std::string& s, bool drop_spaces = true) {
  std::string out;
  for (char c : s)
    if (c != ' ' || !drop_spaces) out.push_back(c);
  std::string r;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out.compare(i, 5, "\\frac") == 0) {
      r += "\\dfrac";
      i += 4;
    } else {
      r.push_back(out[i]);
    }
  }
  return r;
}

}  // namespace

TEST_CASE("MATH500: every answer, boxed, grades correct against itself", "[grading][real_data]") {
  std::string path = trafl::test::shared_data_file("math500/test.jsonl");
  if (path.empty()) return;
  auto rows = read_jsonl(path);
  REQUIRE(rows.size() == 500);
  int self = 0, reformatted = 0;
  for (const auto& row : rows) {
    std::string answer = row.at("answer").get<std::string>();
    auto g = trafl::grade_math("The final result is $\\boxed{" + answer + "}$.", answer, "symbolic");
    INFO(answer << " " << g.details.dump());
    CHECK(g.extracted == answer);
    CHECK(g.correct);
    self += g.correct;
    // Harder: the same answer re-typed, so the exact-string shortcut cannot decide.
    auto r = trafl::grade_math("\\boxed{" + reformat(answer) + "}", answer, "symbolic");
    INFO("reformatted: " << reformat(answer) << " " << r.details.dump());
    CHECK(r.correct);
    reformatted += r.correct;
  }
  CHECK(self == 500);
  CHECK(reformatted == 500);
}

TEST_CASE("MATH500: shifted answers (i vs i+1) are not equivalent unless the values agree", "[grading][real_data]") {
  std::string path = trafl::test::shared_data_file("math500/test.jsonl");
  if (path.empty()) return;
  auto rows = read_jsonl(path);
  int positives = 0;
  for (std::size_t i = 0; i + 1 < rows.size(); ++i) {
    std::string a = rows[i].at("answer").get<std::string>(), b = rows[i + 1].at("answer").get<std::string>();
    auto e = trafl::grading::symbolic_equivalent(a, b);
    if (e.equal) {
      ++positives;
      std::cout << "  shifted pair judged equal: '" << a << "' vs '" << b << "' (" << e.path << ")\n";
    }
  }
  // Consecutive MATH500 answers that are genuinely the same value exist but are rare.
  CHECK(positives <= 5);
}

TEST_CASE("MATH500: last box of each solution vs the answer field", "[grading][real_data]") {
  std::string path = trafl::test::shared_data_file("math500/test.jsonl");
  if (path.empty()) return;
  auto rows = read_jsonl(path);
  int mismatches = 0;
  for (const auto& row : rows) {
    std::string answer = row.at("answer").get<std::string>();
    std::string solution = row.at("solution").get<std::string>();
    auto g = trafl::grade_math(solution, answer, "symbolic");
    if (!g.correct) {
      ++mismatches;
      std::cout << "  solution/answer mismatch " << row.at("unique_id").get<std::string>() << ": boxed '" << g.extracted
                << "' vs answer '" << answer << "' (" << g.details.value("path", "") << ")\n";
    }
  }
  std::cout << "MATH500 solution-vs-answer mismatches: " << mismatches << " of " << rows.size() << "\n";
  // Measured: 0 of 500 (every last box is equivalent to the answer field).
  CHECK(mismatches == 0);
}

TEST_CASE("GSM8K: every worked answer grades correct against its own #### line", "[grading][real_data]") {
  std::string path = trafl::test::shared_data_file("gsm8k/test.jsonl");
  if (path.empty()) return;
  auto rows = read_jsonl(path);
  REQUIRE(rows.size() == 1319);
  int strict = 0, flexible = 0;
  for (const auto& row : rows) {
    std::string answer = row.at("answer").get<std::string>();
    std::string gold = answer.substr(answer.rfind("####") + 4);
    strict += trafl::grade_math(answer, gold, "gsm8k-strict").correct;
    flexible += trafl::grade_math(answer, gold, "gsm8k-flexible").correct;
  }
  CHECK(strict == 1319);
  CHECK(flexible == 1319);
}

TEST_CASE("Minerva OCW: every solution grades correct against its own boxed answer, re-typed", "[grading][real_data]") {
  std::string path = trafl::test::shared_data_file("minerva_math/test.jsonl");
  if (path.empty()) return;
  auto rows = read_jsonl(path);
  REQUIRE(rows.size() == 272);
  int ok = 0;
  for (const auto& row : rows) {
    std::string solution = row.at("solution").get<std::string>();
    auto boxed = trafl::last_boxed_content(solution);
    REQUIRE(boxed);
    auto g = trafl::grade_math(solution, reformat(*boxed, false), "symbolic");
    INFO(*boxed << " " << g.details.dump());
    CHECK(g.correct);
    ok += g.correct;
  }
  CHECK(ok == 272);
}
