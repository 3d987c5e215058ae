// The math adapters on the real benchmark files under ../shared/data (read-only; skipped visibly when absent).
// Loading checks need only the adapters; the grading checks need grade_math (src/grading).
#include <catch2/catch.hpp>

#include <iostream>
#include <map>
#include <set>

#include "benchmarks/task.hpp"
#include "tests/support.hpp"

using trafl::make_task;
using trafl::test::shared_data_file;

namespace {

std::map<std::string, int> count_by(const std::vector<trafl::Problem>& problems, const std::string& key) {
  std::map<std::string, int> out;
  for (const auto& p : problems) out[p.metadata.at(key)]++;
  return out;
}

}  // namespace

TEST_CASE("real gsm8k: test 1319 and train 7473 problems, golds as documented", "[benchmarks][real-data]") {
  auto test_path = shared_data_file("gsm8k/test.jsonl");
  if (test_path.empty()) return;
  auto problems = make_task("gsm8k")->load(test_path);
  REQUIRE(problems.size() == 1319);
  CHECK(problems.front().id == "0");
  CHECK(problems.back().id == "1318");
  CHECK(problems[0].gold == "18");
  CHECK(problems[489].gold == "-10");
  CHECK(problems[1113].gold == "-3");
  int with_separators = 0;
  for (const auto& p : problems) {
    CHECK(p.gold.find(',') == std::string::npos);
    auto hash = p.reference.rfind("####");
    if (p.reference.find(',', hash) != std::string::npos) ++with_separators;
  }
  CHECK(with_separators == 14);
  CHECK(problems[0].prompt.rfind("Question: Janet", 0) == 0);
  CHECK(problems[0].prompt.size() > 8);
  CHECK(problems[0].prompt.substr(problems[0].prompt.size() - 8) == "\nAnswer:");

  auto train_path = shared_data_file("gsm8k/train.jsonl");
  if (train_path.empty()) return;
  CHECK(make_task("gsm8k")->load(train_path).size() == 7473);
}

TEST_CASE("real MATH: 5000 problems, level and subject counts", "[benchmarks][real-data]") {
  auto path = shared_data_file("math/test.jsonl");
  if (path.empty()) return;
  auto problems = make_task("math")->load(path);
  REQUIRE(problems.size() == 5000);
  CHECK(count_by(problems, "level") ==
        std::map<std::string, int>{{"1", 437}, {"2", 894}, {"3", 1131}, {"4", 1214}, {"5", 1324}});
  CHECK(count_by(problems, "subject") == std::map<std::string, int>{{"Algebra", 1187},
                                                                    {"Intermediate Algebra", 903},
                                                                    {"Prealgebra", 871},
                                                                    {"Precalculus", 546},
                                                                    {"Number Theory", 540},
                                                                    {"Geometry", 479},
                                                                    {"Counting & Probability", 474}});
  CHECK(problems[0].id == "0");
  CHECK(problems[0].gold == "2");
  int multi_box = 0;
  for (const auto& p : problems) {
    if (p.reference.find("\\boxed") != p.reference.rfind("\\boxed")) ++multi_box;
  }
  std::cout << "real MATH: " << multi_box << " solutions with more than one \\boxed (last one is the gold)\n";

  // The same file through minerva_math: same ids and golds, Minerva prompt.
  auto minerva = make_task("minerva_math")->load(path);
  REQUIRE(minerva.size() == 5000);
  CHECK(minerva[17].gold == problems[17].gold);
  CHECK(minerva[17].prompt == "Problem:\n" + problems[17].question + "\n\nSolution:");

  // MATH-500's problems all appear in MATH; where they do, MATH's last-boxed gold usually equals MATH-500's answer.
  auto m500_path = shared_data_file("math500/test.jsonl");
  if (m500_path.empty()) return;
  auto m500 = make_task("math500")->load(m500_path);
  std::map<std::string, const trafl::Problem*> by_question;
  for (const auto& p : problems) by_question[p.question] = &p;
  int found = 0, same_gold = 0;
  for (const auto& p : m500) {
    auto it = by_question.find(p.question);
    if (it == by_question.end()) continue;
    ++found;
    same_gold += it->second->gold == p.gold;
  }
  std::cout << "real MATH-500 in MATH: " << found << "/500 found, " << same_gold << " with the identical gold string\n";
  CHECK(found == 500);
  CHECK(same_gold >= 490);
}

TEST_CASE("real MATH-500: 500 problems, ids, levels and subjects", "[benchmarks][real-data]") {
  auto path = shared_data_file("math500/test.jsonl");
  if (path.empty()) return;
  auto problems = make_task("math500")->load(path);
  REQUIRE(problems.size() == 500);
  CHECK(problems[0].id == "test/precalculus/807.json");
  CHECK(problems[0].gold == "\\left( 3, \\frac{\\pi}{2} \\right)");
  CHECK(count_by(problems, "level") ==
        std::map<std::string, int>{{"1", 43}, {"2", 90}, {"3", 105}, {"4", 128}, {"5", 134}});
  CHECK(count_by(problems, "subject") == std::map<std::string, int>{{"Algebra", 124},
                                                                    {"Intermediate Algebra", 97},
                                                                    {"Prealgebra", 82},
                                                                    {"Number Theory", 62},
                                                                    {"Precalculus", 56},
                                                                    {"Geometry", 41},
                                                                    {"Counting & Probability", 38}});
  // The generic `math` task sniffs the same shape.
  CHECK(make_task("math")->load(path).size() == 500);
}

TEST_CASE("real Minerva OCW: 272 problems, 9 courses, ids 0..271", "[benchmarks][real-data]") {
  auto path = shared_data_file("minerva_math/test.jsonl");
  if (path.empty()) return;
  auto problems = make_task("minerva")->load(path);
  REQUIRE(problems.size() == 272);
  CHECK(problems[0].gold == "1.6");
  CHECK(problems[0].id == "0");
  CHECK(problems[271].id == "271");
  auto courses = count_by(problems, "course");
  CHECK(courses.size() == 9);
  CHECK(courses["Introduction to Solid State Chemistry (3.091 Fall 2010)"] == 97);
  CHECK(courses["Introduction to Astronomy (8.282J Spring 2006)"] == 53);
  CHECK(courses["Information and Entropy (6.050J Spring 2008)"] == 3);
}

// ---- grading the files' own solutions (needs grade_math) ----------------------------------------------

TEST_CASE("real gsm8k grading: every reference is correct, shifted references almost never",
          "[benchmarks][real-data]") {
  auto path = shared_data_file("gsm8k/test.jsonl");
  if (path.empty()) return;
  auto task = make_task("gsm8k");
  auto problems = task->load(path);
  std::vector<std::string> failures;
  for (const auto& p : problems) {
    auto g = task->grade(p, p.reference, task->default_mode());
    if (!g.correct)
      failures.push_back(p.id + " (gold " + p.gold + ", extracted '" + g.extracted + "', verdict " + g.verdict + ")");
  }
  std::cout << "real gsm8k: " << problems.size() - failures.size() << "/" << problems.size()
            << " references correct in mode " << task->default_mode() << "\n";
  for (std::size_t i = 0; i < failures.size() && i < 20; ++i) std::cout << "  not correct: " << failures[i] << "\n";
  CHECK(failures.empty());

  std::size_t wrong = 0, shifted = problems.size() - 1, same_gold = 0;
  for (std::size_t i = 0; i + 1 < problems.size(); ++i) {
    bool correct = task->grade(problems[i], problems[i + 1].reference, task->default_mode()).correct;
    wrong += !correct;
    same_gold += problems[i].gold == problems[i + 1].gold;
    // A shifted answer may only be "correct" when the two golds happen to be the same number.
    if (correct) CHECK(problems[i].gold == problems[i + 1].gold);
  }
  std::cout << "real gsm8k: answer i+1 vs gold i graded wrong " << wrong << "/" << shifted << " (" << same_gold
            << " adjacent pairs share the gold)\n";
  CHECK(wrong == shifted - same_gold);
  CHECK(static_cast<double>(wrong) >= 0.98 * static_cast<double>(shifted));
}

TEST_CASE("real MATH-500 grading: each solution is correct against its answer (symbolic)", "[benchmarks][real-data]") {
  auto path = shared_data_file("math500/test.jsonl");
  if (path.empty()) return;
  auto task = make_task("math500");
  auto problems = task->load(path);
  std::vector<std::string> failures;
  for (const auto& p : problems) {
    auto g = task->grade(p, p.reference, "symbolic");
    if (!g.correct) {
      failures.push_back(p.id + ": gold '" + p.gold + "', extracted '" + g.extracted + "', verdict " + g.verdict +
                         ", details " + g.details.dump());
    }
  }
  std::cout << "real MATH-500: " << problems.size() - failures.size()
            << "/500 solutions correct against `answer` (symbolic)\n";
  for (const auto& f : failures) std::cout << "  not correct: " << f << "\n";
  CHECK(failures.empty());
}

TEST_CASE("real Minerva OCW grading: each solution is correct against its own boxed answer",
          "[benchmarks][real-data]") {
  auto path = shared_data_file("minerva_math/test.jsonl");
  if (path.empty()) return;
  auto task = make_task("minerva");
  auto problems = task->load(path);
  std::vector<std::string> failures;
  for (const auto& p : problems) {
    auto g = task->grade(p, p.reference, task->default_mode());
    if (!g.correct) {
      failures.push_back(p.id + ": gold '" + p.gold + "', extracted '" + g.extracted + "', verdict " + g.verdict +
                         ", details " + g.details.dump());
    }
  }
  std::cout << "real Minerva OCW: " << problems.size() - failures.size() << "/272 solutions correct (mode "
            << task->default_mode() << ")\n";
  for (const auto& f : failures) std::cout << "  not correct: " << f << "\n";
  CHECK(failures.empty());
}

TEST_CASE("real MATH grading: each solution is correct against its own last box (symbolic)",
          "[benchmarks][real-data]") {
  auto path = shared_data_file("math/test.jsonl");
  if (path.empty()) return;
  auto task = make_task("math");
  auto problems = task->load(path);
  std::vector<std::string> failures;
  for (const auto& p : problems) {
    auto g = task->grade(p, p.reference, "symbolic");
    if (!g.correct)
      failures.push_back(p.id + ": gold '" + p.gold + "', extracted '" + g.extracted + "', verdict " + g.verdict);
  }
  std::cout << "real MATH: " << problems.size() - failures.size() << "/5000 solutions correct against their last box\n";
  for (std::size_t i = 0; i < failures.size() && i < 30; ++i) std::cout << "  not correct: " << failures[i] << "\n";
  CHECK(failures.empty());
}
