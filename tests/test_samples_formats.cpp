// Other harnesses' samples files, in the shapes their own code writes (tests/fixtures/samples/,
// README there): each graded to its known count, and every line that would be graded against
// another problem than its own refused, naming file and line. Real-data checks (skipped visibly
// when ../shared/data is absent) resolve the whole MATH test set the way lm-eval logs it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"
#include "grading/boxed.hpp"
#include "grading/normalize_minerva.hpp"
#include "grade_stage/grade_samples.hpp"
#include "grade_stage/samples_identity.hpp"
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

GradeOptions math_options(const TempDir& dir, const std::string& samples) {
  GradeOptions o;
  o.task_object = make_task("minerva_math");
  o.data_path = fixture("math_mini.jsonl");
  o.samples_path = samples;
  o.db_path = dir.file("runs.db");
  o.progress = false;
  return o;
}

// The InputError grade_samples throws (and that nothing was written).
InputError refusal(const GradeOptions& o) {
  try {
    grade_samples(o);
  } catch (const InputError& e) {
    CHECK_FALSE(fs::exists(o.db_path));
    return e;
  }
  FAIL("expected an InputError");
  throw std::logic_error("unreachable");
}

std::map<std::string, std::int64_t> correct_per_problem(const std::string& db, const std::string& task,
                                                        const std::string& model, const std::string& mode) {
  Store store(db, Store::OpenMode::kExisting);
  std::map<std::string, std::int64_t> out;
  for (const auto& o : store.outcomes(OutcomeQuery{task, model, mode, ""})) out[o.problem_id] = o.c;
  return out;
}

std::string q(const std::string& s) { return "'" + s + "'"; }

}  // namespace

TEST_CASE("lm-eval minerva_math_<subject>: doc_id counts within the subject, doc.problem finds the row",
          "[store][formats]") {
  TempDir dir;
  auto path = fixture("samples_minerva_math_prealgebra_2024-06-01T12-00-00.jsonl");
  auto o = math_options(dir, path);
  auto s = grade_samples(o);
  CHECK(s.samples_in_file == 3);
  CHECK(s.lines_by_question == 3);  // doc_id 0..2 name rows 0..2 (Algebra); the text says rows 3..5
  CHECK(s.correct == 2);            // 6 and 9 right, 2/3 for 3/4 wrong (exact_match 1, 1, 0 in the file)
  auto per = correct_per_problem(o.db_path, "minerva_math", s.model, "minerva");
  CHECK(per == std::map<std::string, std::int64_t>{{"3", 1}, {"4", 1}, {"5", 0}});
}

TEST_CASE("lm-eval: a target that disagrees with the problem its doc names is refused at its line",
          "[store][formats]") {
  TempDir dir;
  auto path = fixture("samples_minerva_math_prealgebra_target_mismatch.jsonl");
  auto e = refusal(math_options(dir, path));
  INFO(e.what());
  CHECK(e.file() == path);
  CHECK(e.line() == 2);
  CHECK(e.field() == "target");
  CHECK(std::string(e.what()).find(path + ":2") != std::string::npos);
  CHECK(std::string(e.what()).find("'10'") != std::string::npos);
}

TEST_CASE("lm-eval: a doc whose problem is not in the data file is refused, not graded by doc_id", "[store][formats]") {
  TempDir dir;
  // The data file without the prealgebra rows: doc_id 0..2 still exist, the problems do not.
  std::string algebra;
  for (const auto& rec : read_json_records(fixture("math_mini.jsonl")))
    if (rec.value["type"] == "Algebra") algebra += rec.value.dump() + "\n";
  write_file(dir.file("algebra.jsonl"), algebra);
  auto o = math_options(dir, fixture("samples_minerva_math_prealgebra_2024-06-01T12-00-00.jsonl"));
  o.data_path = dir.file("algebra.jsonl");
  auto e = refusal(o);
  INFO(e.what());
  CHECK(e.line() == 1);
  CHECK(e.field() == "doc.problem");
}

TEST_CASE("trafl and lm-eval lines: a question or gold carried on the line must be the problem's", "[store][formats]") {
  TempDir dir;
  auto samples = dir.file("s.jsonl");
  auto o = math_options(dir, samples);
  const std::string ok =
      R"({"problem_id": "4", "question": "What is  half of $18$?\n", "gold": "9", "completion": "Final Answer: The final answer is $9$. I hope it is correct."})";
  SECTION("matching text (whitespace aside) and gold: graded") {
    write_file(samples, ok + "\n");
    auto s = grade_samples(o);
    CHECK(s.correct == 1);
    CHECK(s.lines_by_question == 0);
  }
  SECTION("the text of another problem") {
    write_file(samples,
               ok + "\n" + R"({"problem_id": "1", "question": "What is half of $18$?", "completion": "x"})" + "\n");
    auto e = refusal(o);
    CHECK(e.line() == 2);
    CHECK(e.field() == "question");
  }
  SECTION("another gold") {
    write_file(samples, R"({"problem_id": "4", "gold": "6", "completion": "x"})"
                        "\n");
    auto e = refusal(o);
    CHECK(e.line() == 1);
    CHECK(e.field() == "gold");
  }
  SECTION("lm-eval doc with a stable id wins over doc_id, and its text must agree") {
    write_file(
        samples,
        R"({"doc_id": 0, "doc": {"unique_id": "4", "problem": "What is half of $18$?"}, "target": "9", "resps": [["The final answer is $9$."]]})"
        "\n"
        R"({"doc_id": 1, "doc": {"unique_id": "5", "problem": "What is half of $18$?"}, "target": "9", "resps": [["x"]]})"
        "\n");
    auto e = refusal(o);
    CHECK(e.line() == 2);
    CHECK(e.field() == "doc.problem");
  }
}

TEST_CASE("EvalPlus: solution wins over completion, and Mbpp/N ids are MBPP task N (CLI)", "[code][sandbox][formats]") {
  TempDir dir;
  auto he =
      trafl::test::run_cli("grade -q --task humaneval --data " + q(fixture("humaneval_mini.jsonl")) + " --samples " +
                           q(fixture("evalplus_humaneval_samples.jsonl")) + " --db " + q(dir.file("runs.db")));
  INFO(he.out);
  CHECK(he.exit_code == 0);
  // Solutions right and completions wrong on lines 1-2; line 3 has only a (right) completion.
  CHECK(he.out.find("3 new, 3 in run, 3 correct") != std::string::npos);
  auto mb = trafl::test::run_cli("grade -q --task mbpp --data " + q(fixture("mbpp_mini.jsonl")) + " --samples " +
                                 q(fixture("evalplus_mbpp_samples.jsonl")) + " --db " + q(dir.file("runs.db")));
  INFO(mb.out);
  CHECK(mb.exit_code == 0);
  CHECK(mb.out.find("3 new, 3 in run, 2 correct") != std::string::npos);
  CHECK(correct_per_problem(dir.file("runs.db"), "mbpp", "evalplus_mbpp_samples", "asserts") ==
        std::map<std::string, std::int64_t>{{"2", 1}, {"3", 1}});
}

TEST_CASE("LiveCodeBench runner output and _eval_all: every code_list element is a sample (CLI)",
          "[code][sandbox][formats]") {
  TempDir dir;
  for (const char* name : {"Scenario.codegeneration_3_0.2.json", "Scenario.codegeneration_3_0.2_eval_all.json"}) {
    auto r = trafl::test::run_cli("grade -q --task livecodebench --data " + q(fixture("lcb_mini.jsonl")) +
                                  " --samples " + q(fixture(name)) + " --db " + q(dir.file("runs.db")));
    INFO(name << "\n" << r.out);
    CHECK(r.exit_code == 0);
    // graded_list in the _eval_all file: [true, false, true] and [true, false, false].
    CHECK(r.out.find("6 new, 6 in run, 3 correct") != std::string::npos);
  }
  auto model = std::string("Scenario.codegeneration_3_0.2_eval_all");
  CHECK(correct_per_problem(dir.file("runs.db"), "livecodebench", model, "lcb") ==
        std::map<std::string, std::int64_t>{{"9999", 1}, {"abc999_a", 2}});
}

TEST_CASE("LiveCodeBench files: errors name the line of the element, and the metrics file is named as such",
          "[store][formats]") {
  TempDir dir;
  GradeOptions o;
  o.task_object = make_task("livecodebench");
  o.data_path = fixture("lcb_mini.jsonl");
  o.db_path = dir.file("runs.db");
  o.progress = false;
  auto text = trafl::test::read_file(fixture("Scenario.codegeneration_3_0.2.json"));
  SECTION("question_content of another problem") {
    auto pos = text.find("Return the sum of a and b.");
    REQUIRE(pos != std::string::npos);
    text.replace(pos, 26, "Read two integers A and B and print A+B.");
    o.samples_path = dir.file("wrong.json");
    write_file(o.samples_path, text);
    auto e = refusal(o);
    INFO(e.what());
    CHECK(e.field() == "question_content");
    CHECK(e.line() == 22);  // the second element's "{" (json.dump indent=4)
  }
  SECTION("code_list that is not a list") {
    auto pos = text.find("\"code_list\": [");
    text.replace(pos, 14, "\"code_list\": 5, \"x\": [");
    o.samples_path = dir.file("bad.json");
    write_file(o.samples_path, text);
    auto e = refusal(o);
    CHECK(e.field() == "code_list");
    CHECK(e.line() == 2);
  }
  SECTION("_eval.json holds metrics, not generations") {
    o.samples_path = dir.file("Scenario.codegeneration_3_0.2_eval.json");
    write_file(o.samples_path, R"([{"pass@1": 0.5, "detail": {}}, {}, []])");
    auto e = refusal(o);
    CHECK(std::string(e.what()).find("metrics file") != std::string::npos);
  }
}

TEST_CASE("real MATH: every row found by its text, with lm-eval's minerva target, from any doc_id",
          "[real-data][formats]") {
  auto path = trafl::test::shared_data_file("math/test.jsonl");
  if (path.empty()) return;
  auto problems = make_task("minerva_math")->load(path);
  REQUIRE(problems.size() == 5000);
  ProblemCatalog catalog(problems, true);
  std::map<std::string, std::size_t> within_subject;
  std::size_t remapped = 0;
  for (std::size_t i = 0; i < problems.size(); ++i) {
    const auto& p = problems[i];
    // What lm-eval logs for minerva_math_<subject>: doc_id counted within the subject, the doc's
    // problem text, target = normalize_final_answer(remove_boxed(last_boxed_only_string(solution))).
    SampleClaims c;
    c.id = std::to_string(within_subject[p.metadata.at("subject")]++);
    c.id_field = "doc_id";
    c.question = p.question;
    c.question_field = "doc.problem";
    c.gold = grading::minerva_normalize_final_answer(*last_boxed_content(p.reference));
    c.gold_field = "target";
    auto r = catalog.resolve(path, i + 1, c);
    CHECK(r.position == i);
    remapped += r.by_question;
  }
  CHECK(remapped == 5000 - 1187);  // doc_id agrees with the row only in the first subject (Algebra, 1187 rows)
}

TEST_CASE("real MATH-500: minerva_math500 targets (normalised box of the solution) agree with the answer field",
          "[real-data][formats]") {
  auto path = trafl::test::shared_data_file("math500/test.jsonl");
  if (path.empty()) return;
  auto problems = make_task("math500")->load(path);
  ProblemCatalog catalog(problems, true);
  for (std::size_t i = 0; i < problems.size(); ++i) {
    SampleClaims c;
    c.id = std::to_string(i);
    c.id_field = "doc_id";
    c.question = problems[i].question;
    c.question_field = "doc.problem";
    c.gold = grading::minerva_normalize_final_answer(*last_boxed_content(problems[i].reference));
    c.gold_field = "target";
    CHECK(catalog.resolve(path, i + 1, c).position == i);
  }
  // And a shifted target is refused for almost every row.
  std::size_t refused = 0;
  for (std::size_t i = 0; i + 1 < problems.size(); ++i) {
    SampleClaims c;
    c.id = std::to_string(i);
    c.gold = problems[i + 1].gold;
    c.gold_field = "target";
    try {
      catalog.resolve(path, i + 1, c);
    } catch (const InputError&) {
      ++refused;
    }
  }
  CHECK(refused > 480);
}
