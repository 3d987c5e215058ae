// Synthetic fixtures (src/fixtures/, `trafl-eval make-fixtures`): determinism, shapes, simulated profiles,
// and that the outputs load through the real adapters. The samples are SIMULATED (not model outputs).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"
#include "fixtures/synthetic_math.hpp"
#include "grading/boxed.hpp"
#include "tests/support.hpp"

namespace fx = trafl::fixtures;
using trafl::test::read_file;
using trafl::test::TempDir;

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("fixtures: same seed gives the same bytes, another seed different ones", "[benchmarks]") {
  auto a = fx::generate_problems(60, 7);
  auto b = fx::generate_problems(60, 7);
  auto c = fx::generate_problems(60, 8);
  CHECK(fx::problems_jsonl(a) == fx::problems_jsonl(b));
  CHECK(fx::problems_jsonl(a) != fx::problems_jsonl(c));
  for (const auto& m : fx::simulated_models()) {
    CHECK(fx::samples_jsonl(fx::simulate_samples(m.name, a, 8, 7)) ==
          fx::samples_jsonl(fx::simulate_samples(m.name, b, 8, 7)));
    CHECK(fx::samples_jsonl(fx::simulate_samples(m.name, a, 8, 7)) !=
          fx::samples_jsonl(fx::simulate_samples(m.name, a, 8, 9)));
  }
  // A prefix of the problem set does not depend on how many problems are generated.
  auto small = fx::generate_problems(10, 7);
  for (std::size_t i = 0; i < small.size(); ++i) CHECK(small[i].problem == a[i].problem);
  // Samples of one problem do not depend on how many samples are drawn.
  auto s4 = fx::simulate_samples("base", a, 4, 7);
  auto s8 = fx::simulate_samples("base", a, 8, 7);
  CHECK(s4[0].completion == s8[0].completion);
  CHECK(s4[5].completion == s8[9].completion);  // problem 1, sample 1
  CHECK_THROWS_AS(fx::simulate_samples("nobody", a, 4, 7), trafl::UsageError);

  TempDir d1, d2, d3;
  fx::FixtureOptions opt;
  opt.problems = 30;
  opt.samples_per_problem = 6;
  opt.seed = 42;
  opt.train_problems = 10;
  auto f1 = fx::write_fixtures(d1.path().string(), opt);
  auto f2 = fx::write_fixtures(d2.path().string(), opt);
  for (const char* name :
       {"problems.jsonl", "train.jsonl", "samples-base.jsonl", "samples-locked.jsonl", "README.md"}) {
    INFO(name);
    REQUIRE(std::filesystem::exists(d1.file(name)));
    CHECK(read_file(d1.file(name)) == read_file(d2.file(name)));
  }
  opt.seed = 43;
  fx::write_fixtures(d3.path().string(), opt);
  CHECK(read_file(d1.file("problems.jsonl")) != read_file(d3.file("problems.jsonl")));
  CHECK(read_file(d1.file("samples-base.jsonl")) != read_file(d3.file("samples-base.jsonl")));
  CHECK(read_file(d1.file("README.md")).find("SIMULATED") != std::string::npos);
}

TEST_CASE("make-fixtures CLI writes the same bytes as the library and rejects bad options", "[benchmarks]") {
  TempDir dir;
  auto out1 = dir.file("a"), out2 = dir.file("b");
  auto r1 = trafl::test::run_cli("make-fixtures --out '" + out1 + "' --problems 25 --samples-per-problem 5 --seed 11");
  INFO(r1.out);
  REQUIRE(r1.exit_code == 0);
  CHECK(r1.out.find("SIMULATED") != std::string::npos);
  fx::FixtureOptions opt;
  opt.problems = 25;
  opt.samples_per_problem = 5;
  opt.seed = 11;
  fx::write_fixtures(out2, opt);
  for (const char* name : {"problems.jsonl", "samples-base.jsonl", "samples-locked.jsonl", "README.md"}) {
    INFO(name);
    CHECK(read_file(out1 + "/" + name) == read_file(out2 + "/" + name));
  }
  CHECK_FALSE(std::filesystem::exists(out1 + "/train.jsonl"));

  auto bad = trafl::test::run_cli("make-fixtures --out '" + dir.file("c") + "' --problems 0");
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("--problems") != std::string::npos);
  auto help = trafl::test::run_cli("make-fixtures --help");
  CHECK(help.out.find("SIMULATED") != std::string::npos);
}

TEST_CASE("fixtures load through the real adapters (synthetic, math500, math)", "[benchmarks]") {
  TempDir dir;
  fx::FixtureOptions opt;
  opt.problems = 60;
  opt.samples_per_problem = 8;
  opt.seed = 5;
  opt.train_problems = 20;
  auto files = fx::write_fixtures(dir.path().string(), opt);
  auto generated = fx::generate_problems(60, 5);
  for (const char* task : {"synthetic", "math500", "math"}) {
    INFO(task);
    auto problems = trafl::make_task(task)->load(files.problems);
    REQUIRE(problems.size() == 60);
    std::set<std::string> subjects;
    std::map<std::string, int> levels;
    for (std::size_t i = 0; i < problems.size(); ++i) {
      CHECK(problems[i].id == generated[i].unique_id);
      CHECK(problems[i].gold == generated[i].answer);
      CHECK(trafl::last_boxed_content(problems[i].reference) == std::optional<std::string>(generated[i].answer));
      subjects.insert(problems[i].metadata.at("subject"));
      levels[problems[i].metadata.at("level")]++;
    }
    CHECK(subjects.size() >= 4);
    CHECK(levels.size() == 5);
  }
  auto train = trafl::make_task("synthetic")->load(files.train);
  CHECK(train.size() == 20);
  std::set<std::string> test_ids;
  for (const auto& p : generated) test_ids.insert(p.unique_id);
  for (const auto& p : train) CHECK(test_ids.count(p.id) == 0);

  // Samples files: exactly {problem_id, sample_index, completion}; every problem has indices 0..n-1.
  for (const auto& [model, path] : files.samples) {
    INFO(model);
    trafl::JsonlReader reader(path);
    trafl::JsonlRecord rec;
    std::map<std::string, std::set<std::int64_t>> seen;
    std::size_t count = 0;
    while (reader.next(rec)) {
      ++count;
      CHECK(rec.value.size() == 3);
      auto id = trafl::require_string(rec, path, "problem_id");
      auto index = trafl::require_int(rec, path, "sample_index");
      trafl::require_string(rec, path, "completion");
      CHECK(test_ids.count(id) == 1);
      seen[id].insert(index);
    }
    CHECK(count == 60 * 8);
    CHECK(seen.size() == 60);
    for (const auto& [id, indices] : seen) {
      CHECK(indices.size() == 8);
      CHECK(*indices.begin() == 0);
      CHECK(*indices.rbegin() == 7);
    }
  }
}

TEST_CASE("simulated samples: last box is the intended answer -- profiles differ as documented", "[benchmarks]") {
  auto problems = fx::generate_problems(60, 3);
  std::set<std::string> kinds;
  for (const auto& p : problems) {
    kinds.insert(p.kind);
    INFO(p.unique_id);
    REQUIRE(!p.wrong_answers.empty());
    CHECK(p.correct_forms.front() == p.answer);
    for (const auto& w : p.wrong_answers) CHECK_FALSE(contains(p.correct_forms, w));
    CHECK(p.level >= 1);
    CHECK(p.level <= 5);
  }
  CHECK(kinds.size() == 10);
  // Every level 1..5 is present in any set of 20 or more problems, whatever the seed.
  for (std::uint64_t seed : {1, 2, 3, 4, 5, 6, 7, 8}) {
    std::set<int> levels;
    for (const auto& p : fx::generate_problems(20, seed)) levels.insert(p.level);
    CHECK(levels.size() == 5);
  }

  std::map<std::string, double> pass1;
  std::map<std::string, int> zero_problems;
  for (const auto& m : fx::simulated_models()) {
    auto samples = fx::simulate_samples(m.name, problems, 16, 3);
    REQUIRE(samples.size() == 60 * 16);
    std::map<fx::SampleKind, int> counts;
    std::set<std::string> forms_used;
    bool saw_multi_box_correct = false;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const auto& s = samples[i];
      const auto& p = problems[i / 16];
      CHECK(s.problem_id == p.unique_id);
      counts[s.intended]++;
      auto box = trafl::last_boxed_content(s.completion);
      INFO(s.completion);
      switch (s.intended) {
        case fx::SampleKind::kCorrect:
          REQUIRE(box.has_value());
          CHECK(contains(p.correct_forms, *box));
          if (*box != p.answer) forms_used.insert(p.kind);
          if (s.completion.find("\\boxed") != s.completion.rfind("\\boxed")) saw_multi_box_correct = true;
          break;
        case fx::SampleKind::kWrong:
          REQUIRE(box.has_value());
          CHECK(contains(p.wrong_answers, *box));
          break;
        case fx::SampleKind::kNoAnswer: CHECK_FALSE(box.has_value()); break;
      }
    }
    CHECK(counts[fx::SampleKind::kNoAnswer] > 0);
    CHECK(counts[fx::SampleKind::kWrong] > 0);
    CHECK(saw_multi_box_correct);
    CHECK(forms_used.size() >= 5);  // non-canonical equivalent forms appear across kinds
    pass1[m.name] = static_cast<double>(counts[fx::SampleKind::kCorrect]) / static_cast<double>(samples.size());
    for (std::size_t i = 0; i < problems.size(); ++i) {
      double p = fx::success_probability(m.name, problems[i], i, 3);
      if (m.name == "base") CHECK(p >= 0.06);
      zero_problems[m.name] += p == 0.0;
    }
  }
  INFO("pass@1 base " << pass1["base"] << ", locked " << pass1["locked"]);
  CHECK(pass1["base"] > 0.3);
  CHECK(pass1["base"] < 0.6);
  CHECK(pass1["locked"] > pass1["base"]);
  CHECK(zero_problems["base"] == 0);
  CHECK(zero_problems["locked"] >= 5);
  CHECK(zero_problems["locked"] <= 25);
}
