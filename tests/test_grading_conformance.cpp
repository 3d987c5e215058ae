// Other graders' published test cases (tests/fixtures/grading_conformance, provenance in SOURCES.md)
// graded by ours. Two properties are enforced: no false positive at all (a case its source says is
// wrong must never be graded correct), and agreement per source at or above the recorded floor (so
// a recall regression fails). The figures per source are printed.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "grading/grade.hpp"

namespace {

struct Tally {
  int cases = 0, agree = 0, false_pos = 0, false_neg = 0;
};

// Agreement floors (cases agreeing) per source: raise them when recall improves, never lower them.
const std::map<std::string, int>& floors() {
  static const std::map<std::string, int> f = {
      {"hendrycks", 16}, {"nemo-skills", 54}, {"qwen2.5-math", 21}, {"math-verify", 104}};
  return f;
}

}  // namespace

TEST_CASE("conformance with other graders' published cases", "[grading]") {
  const std::string path = std::string(TRAFL_SOURCE_DIR) + "/tests/fixtures/grading_conformance/cases.jsonl";
  std::ifstream in(path);
  REQUIRE(in.good());
  std::map<std::string, Tally> by_source;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    const std::string source = j.at("source"), gold = j.at("gold"), mode = j.at("mode");
    std::string completion = j.at("pred");
    if (j.at("form") == "boxed") completion = "The answer is $\\boxed{" + completion + "}$.";
    const bool expected = j.at("expected");
    trafl::Grade g = trafl::grade_math(completion, gold, mode);
    Tally& t = by_source[source];
    ++t.cases;
    if (g.correct == expected) ++t.agree;
    else if (g.correct) ++t.false_pos;
    else ++t.false_neg;
    INFO(path << ":" << line_no << " [" << source << "] gold '" << gold << "' pred '" << completion.substr(0, 200)
              << "' details " << g.details.dump());
    CHECK_FALSE((g.correct && !expected));  // zero false positives, case by case
  }
  int total = 0, agree = 0;
  for (const auto& [source, t] : by_source) {
    std::cout << "conformance " << source << ": " << t.agree << "/" << t.cases << " agree ("
              << (100.0 * t.agree / t.cases) << "%), false positives " << t.false_pos << ", false negatives "
              << t.false_neg << "\n";
    total += t.cases;
    agree += t.agree;
    auto f = floors().find(source);
    INFO("source " << source);
    REQUIRE(f != floors().end());
    CHECK(t.agree >= f->second);
  }
  std::cout << "conformance total: " << agree << "/" << total << " agree\n";
  CHECK(by_source.size() == floors().size());
}
