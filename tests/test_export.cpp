// `trafl-eval export`: every format re-imports with `grade` to exactly the stored grades (per
// problem and sample index), flat files carry config keys as columns, and bad requests are refused
// before anything is written.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <sstream>

#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"
#include "grade_stage/export_samples.hpp"
#include "grade_stage/grade_samples.hpp"
#include "store/store.hpp"
#include "tests/support.hpp"

using namespace trafl;
using trafl::test::TempDir;
using trafl::test::write_file;
namespace fs = std::filesystem;

namespace {

std::string fixture(const std::string& name) {
  return std::string(TRAFL_SOURCE_DIR) + "/tests/fixtures/samples/" + name;
}
std::string q(const std::string& s) { return "'" + s + "'"; }

using Grades = std::map<std::pair<std::string, std::int64_t>, std::pair<std::string, bool>>;

// (problem id, sample index) -> (verdict, correct) of the database's only run.
Grades stored_grades(const std::string& db, const std::string& mode) {
  Store store(db, Store::OpenMode::kExisting);
  auto runs = store.runs();
  REQUIRE(runs.size() == 1);
  Grades out;
  store.for_each_graded_sample(runs[0].id, mode, [&](const GradedSample& s) {
    REQUIRE(s.graded);
    out[{s.problem_id, s.sample_index}] = {s.verdict, s.correct};
  });
  return out;
}

ExportResult export_one(const std::string& db, const std::string& out, ExportFormat format) {
  ExportOptions o;
  o.db_path = db;
  o.out_dir = out;
  o.format = format;
  auto r = export_runs(o);
  REQUIRE(r.files.size() == 1);
  return r;
}

// Math samples with several per problem: right, wrong and unanswered.
std::string math_samples() {
  std::string s;
  const char* answers[] = {"5", "2", "12", "6", "9", "\\frac{3}{4}"};
  for (int i = 0; i < 6; ++i)
    for (int k = 0; k < 3; ++k) {
      std::string text =
          k == 0   ? std::string("Final Answer: The final answer is $") + answers[i] + "$. I hope it is correct."
          : k == 1 ? "Final Answer: The final answer is $7$. I hope it is correct."
                   : "I do not know.";
      s += nlohmann::json{{"problem_id", std::to_string(i)}, {"completion", text}}.dump() + "\n";
    }
  return s;
}

}  // namespace

TEST_CASE("export: lm-eval and jsonl files re-grade to the stored grades", "[store][formats]") {
  TempDir dir;
  write_file(dir.file("s.jsonl"), math_samples());
  GradeOptions o;
  o.task_object = make_task("minerva_math");
  o.data_path = fixture("math_mini.jsonl");
  o.samples_path = dir.file("s.jsonl");
  o.db_path = dir.file("a.db");
  o.progress = false;
  auto first = grade_samples(o);
  REQUIRE(first.correct == 6);
  auto before = stored_grades(o.db_path, "minerva");
  REQUIRE(before.size() == 18);
  for (auto format : {ExportFormat::kLmEval, ExportFormat::kJsonl}) {
    INFO(to_string(format));
    auto out = dir.file(std::string("out-") + to_string(format));
    auto r = export_one(o.db_path, out, format);
    CHECK(r.files[0].samples == 18);
    CHECK(r.files[0].correct == 6);
    CHECK(r.files[0].mode == "minerva");
    GradeOptions again = o;
    again.samples_path = r.files[0].path;
    again.db_path = dir.file(std::string("b-") + to_string(format) + ".db");
    auto s = grade_samples(again);
    CHECK(s.lines_by_question == 0);  // found by the ids the export wrote, and the texts agreed
    CHECK(stored_grades(again.db_path, "minerva") == before);
  }
}

TEST_CASE("export: csv and jsonl put config and metadata keys in columns of their own", "[store][formats]") {
  TempDir dir;
  auto db = dir.file("runs.db");
  {
    Store store(db);
    RunSpec spec;
    spec.model = "m";
    spec.task = "gsm8k";
    spec.data_sha256 = "abc";
    spec.config = {{"temperature", 0.7}, {"steps", 64}};
    auto run = store.ensure_run(spec);
    Problem p;
    p.id = "0";
    p.question = "How many, \"exactly\"?";
    p.gold = "3";
    p.metadata["level"] = "2";
    store.put_problems(run, {p});
    store.put_samples(run, {SampleRow{"0", 0, "#### 3", {}, {}}, SampleRow{"0", 1, "line one\nline two", {}, {}}});
    auto pending = store.ungraded(run, "gsm8k-strict", 10);
    REQUIRE(pending.size() == 2);
    GradeRow g;
    g.sample_id = pending[0].sample_id;
    g.grade.verdict = "correct";
    g.grade.correct = true;
    g.grade.extracted = "3";
    g.grade.mode = "gsm8k-strict";
    store.put_grades({g});  // the second sample stays ungraded
  }
  auto csv = export_one(db, dir.file("out"), ExportFormat::kCsv);
  auto text = trafl::test::read_file(csv.files[0].path);
  std::istringstream in(text);
  std::string header;
  std::getline(in, header);
  CHECK(
      header ==
      "run_id,model,task,seed,data_sha256,tool_version,tool_commit,config.steps,config.temperature,problem_id,sample_index,"
      "meta.level,mode,verdict,correct,extracted,question,gold,completion\r");
  CHECK(text.find(",64,0.7,0,0,2,gsm8k-strict,correct,1,3,\"How many, \"\"exactly\"\"?\",3,#### 3\r\n") !=
        std::string::npos);
  CHECK(text.find(",64,0.7,0,1,2,gsm8k-strict,,,,\"How many, \"\"exactly\"\"?\",3,\"line one\nline two\"\r\n") !=
        std::string::npos);
  auto jsonl = export_one(db, dir.file("out"), ExportFormat::kJsonl);
  auto rows = read_json_records(jsonl.files[0].path);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].value["config.temperature"] == 0.7);
  CHECK(rows[0].value["meta.level"] == "2");
  CHECK(rows[0].value["correct"] == true);
  CHECK(rows[1].value["correct"].is_null());
  CHECK(jsonl.files[0].graded == 1);
}

TEST_CASE("export: a format for another task is refused for an explicit run, and nothing is written",
          "[store][formats]") {
  TempDir dir;
  auto db = dir.file("runs.db");
  {
    Store store(db);
    RunSpec spec;
    spec.model = "m";
    spec.task = "gsm8k";
    spec.data_sha256 = "abc";
    store.ensure_run(spec);
  }
  ExportOptions o;
  o.db_path = db;
  o.out_dir = dir.file("out");
  o.format = ExportFormat::kLcb;
  CHECK_THROWS_AS(export_runs(o), UsageError);  // no livecodebench run at all
  o.runs = {1};
  CHECK_THROWS_WITH(export_runs(o), Catch::Contains("run 1 is task gsm8k"));
  o.runs = {7};
  CHECK_THROWS_WITH(export_runs(o), Catch::Contains("no run 7"));
  CHECK(fs::is_empty(o.out_dir));
  CHECK_THROWS_AS(parse_export_format("html"), UsageError);
}

TEST_CASE("export: evalplus and lcb files re-grade to the stored grades (CLI)", "[code][sandbox][formats]") {
  TempDir dir;
  struct Case {
    const char* task;
    std::string data, samples;
    const char* format;
    const char* mode;
  };
  std::vector<Case> cases = {
      {"humaneval", fixture("humaneval_mini.jsonl"), fixture("evalplus_humaneval_samples.jsonl"), "evalplus",
       "asserts"},
      {"mbpp", fixture("mbpp_mini.jsonl"), fixture("evalplus_mbpp_samples.jsonl"), "evalplus", "asserts"},
      {"livecodebench", fixture("lcb_mini.jsonl"), fixture("Scenario.codegeneration_3_0.2.json"), "lcb", "lcb"},
  };
  for (const auto& c : cases) {
    INFO(c.task);
    auto a = dir.file(std::string(c.task) + "-a.db"), b = dir.file(std::string(c.task) + "-b.db");
    auto out = dir.file(std::string(c.task) + "-out");
    auto g = trafl::test::run_cli("grade -q --task " + std::string(c.task) + " --data " + q(c.data) + " --samples " +
                                  q(c.samples) + " --db " + q(a));
    INFO(g.out);
    REQUIRE(g.exit_code == 0);
    auto e = trafl::test::run_cli("export --db " + q(a) + " --format " + c.format + " --out " + q(out));
    INFO(e.out);
    REQUIRE(e.exit_code == 0);
    REQUIRE(std::distance(fs::directory_iterator(out), fs::directory_iterator()) == 1);
    auto file = fs::directory_iterator(out)->path().string();
    auto r = trafl::test::run_cli("grade -q --task " + std::string(c.task) + " --data " + q(c.data) + " --samples " +
                                  q(file) + " --db " + q(b));
    INFO(r.out);
    REQUIRE(r.exit_code == 0);
    auto before = stored_grades(a, c.mode);
    CHECK(before.size() >= 3);
    CHECK(stored_grades(b, c.mode) == before);
  }
}
