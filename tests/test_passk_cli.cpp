// `trafl-eval passk` end to end: a small run database built through the Store, then the CLI.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "store/store.hpp"
#include "tests/support.hpp"

using namespace trafl;

namespace {

// p1 (Level 1): 8 samples, 2 correct; p2 (Level 1): 8/8; p3 (Level 2): 4 samples, 1 correct;
// p4 (Level 2): 8 samples, none correct. pass@1 over all = (0.25 + 1 + 0.25 + 0) / 4 = 0.375.
void build_db(const std::string& path) {
  Store store(path);
  RunSpec spec;
  spec.model = "m";
  spec.task = "math500";
  spec.data_sha256 = "abc";
  spec.config = {{"steps", 64}};
  const auto run = store.ensure_run(spec);
  struct P {
    const char* id;
    const char* level;
    int n;
    int c;
  };
  const std::vector<P> ps = {
      {"p1", "Level 1", 8, 2}, {"p2", "Level 1", 8, 8}, {"p3", "Level 2", 4, 1}, {"p4", "Level 2", 8, 0}};
  std::vector<Problem> problems;
  std::vector<SampleRow> samples;
  for (const auto& p : ps) {
    Problem pr;
    pr.id = p.id;
    pr.gold = "1";
    pr.metadata["level"] = p.level;
    problems.push_back(pr);
    for (int i = 0; i < p.n; ++i) {
      SampleRow s;
      s.problem_id = p.id;
      s.sample_index = i;
      s.completion = i < p.c ? "\\boxed{1}" : "\\boxed{2}";
      samples.push_back(s);
    }
  }
  store.put_problems(run, problems);
  store.put_samples(run, samples);
  std::vector<GradeRow> grades;
  for (const auto& s : store.ungraded(run, "symbolic", 1000)) {
    GradeRow g;
    g.sample_id = s.sample_id;
    g.grade.mode = "symbolic";
    g.grade.correct = s.completion == "\\boxed{1}";
    g.grade.verdict = g.grade.correct ? "correct" : "wrong";
    grades.push_back(g);
  }
  store.put_grades(grades);
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("passk CLI: csv, json, table from a run database", "[passk]") {
  test::TempDir dir;
  const std::string db = dir.file("runs.db");
  build_db(db);

  auto csv = test::run_cli("passk --db '" + db + "' --format csv --bootstrap 0");
  INFO(csv.out);
  REQUIRE(csv.exit_code == 0);
  const auto rows = lines(csv.out);
  CHECK(rows[0].rfind("model,task,mode,config,label,by,scope,split,k,status,pass_at_k", 0) == 0);
  CHECK(
      csv.out.find("m,math500,symbolic,\"{\"\"steps\"\":64}\",steps=64,,all,,1,ok,0.375,,,0.95,0,0,4,28,11,4,8,0\n") !=
      std::string::npos);
  CHECK(csv.out.find(",all,,8,omitted,,,,") != std::string::npos);
  CHECK(csv.out.find("note: m / math500 / symbolic") != std::string::npos);  // stderr

  auto js = test::run_cli("passk --db '" + db + "' --format json --by level --seed 4 --bootstrap 200 --k 1,4,8");
  INFO(js.out);
  REQUIRE(js.exit_code == 0);
  const auto j = nlohmann::json::parse(js.out);
  CHECK(j["by"] == "level");
  CHECK(j["seed"] == 4);
  REQUIRE(j["results"].size() == 3);
  CHECK(j["results"][0]["split"].is_null());
  CHECK(j["results"][0]["config"] == nlohmann::json{{"steps", 64}});
  CHECK(j["results"][0]["pass_at_k"].size() == 2);
  CHECK(j["results"][0]["omitted"][0]["k"] == 8);
  CHECK(j["results"][1]["split"] == "Level 1");
  CHECK(j["results"][1]["pass_at_k"].size() == 3);
  CHECK(j["results"][1]["pass_at_k"][0]["value"].get<double>() == Approx(0.625));
  CHECK(j["results"][2]["omitted"][0]["problems_short"] == 1);
  CHECK(j["notes"].size() == 2);
  // Reproducible: the same command gives the same bytes.
  CHECK(test::run_cli("passk --db '" + db + "' --format json --by level --seed 4 --bootstrap 200 --k 1,4,8").out ==
        js.out);

  auto table = test::run_cli("passk --db '" + db + "' --k 1,2");
  INFO(table.out);
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("37.50") != std::string::npos);
  CHECK(table.out.find("95% CI") != std::string::npos);
  CHECK(table.out.find("note:") == std::string::npos);

  auto filtered = test::run_cli("passk --db '" + db + "' --model nobody --format csv");
  CHECK(filtered.exit_code == 0);
  CHECK(filtered.out.find("no graded samples") != std::string::npos);
}

TEST_CASE("passk CLI: missing database and bad flags are errors", "[passk]") {
  test::TempDir dir;
  const std::string missing = dir.file("nope.db");
  auto r = test::run_cli("passk --db '" + missing + "'");
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("nope.db") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(missing));  // never created by a reader

  const std::string db = dir.file("runs.db");
  build_db(db);
  CHECK(test::run_cli("passk --db '" + db + "' --format xml").exit_code == 2);
  CHECK(test::run_cli("passk --db '" + db + "' --k 0").exit_code == 2);
  CHECK(test::run_cli("passk --db '" + db + "' --k 1,x").exit_code == 2);
  CHECK(test::run_cli("passk --db '" + db + "' --confidence 1.5").exit_code == 2);
  CHECK(test::run_cli("passk --db '" + db + "' --bootstrap -1").exit_code == 2);
}
