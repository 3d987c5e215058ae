// The grade pipeline as a library: samples shapes, validation before any write, idempotence,
// and crash safety (a child process SIGKILLed part-way, then re-run, gives exact counts).
// Uses a test-only task so it does not depend on the benchmark registry or the math grader.
#include <catch2/catch.hpp>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "core/jsonl.hpp"
#include "grade_stage/grade_samples.hpp"
#include "store/store.hpp"
#include "tests/support.hpp"

using namespace trafl;
using trafl::test::TempDir;
using trafl::test::write_file;
namespace fs = std::filesystem;

namespace {

// {"id": ..., "answer": ..., ["level": ...]} per line. Mode "exact": the completion equals the
// answer; mode "contains": the completion contains it.
class ToyTask : public Task {
 public:
  std::string name() const override { return "toy"; }
  std::string description() const override { return "test-only task"; }
  std::string default_mode() const override { return "exact"; }
  std::vector<std::string> modes() const override { return {"exact", "contains"}; }
  std::vector<Problem> load(const std::string& path) const override {
    std::vector<Problem> out;
    JsonlReader reader(path);
    JsonlRecord rec;
    while (reader.next(rec)) {
      Problem p;
      p.id = require_id(rec, path, "id");
      p.gold = require_string(rec, path, "answer");
      p.question = p.prompt = "what is " + p.id + "?";
      if (auto level = optional_string(rec, path, "level")) p.metadata["level"] = *level;
      out.push_back(std::move(p));
    }
    return out;
  }
  Grade grade(const Problem& problem, std::string_view completion, std::string_view mode) const override {
    Grade g;
    g.mode = std::string(mode);
    g.correct = mode == "exact" ? completion == problem.gold : completion.find(problem.gold) != std::string_view::npos;
    g.verdict = g.correct ? verdict::kCorrect : verdict::kWrong;
    g.extracted = std::string(completion.substr(0, 16));
    g.details = {{"mode", mode}};
    return g;
  }
};

GradeOptions toy_options(const TempDir& dir, const std::string& samples) {
  GradeOptions o;
  o.task_object = std::make_shared<ToyTask>();
  o.data_path = dir.file("toy.jsonl");
  o.samples_path = samples;
  o.db_path = dir.file("runs.db");
  o.progress = false;
  o.batch_size = 3;  // tiny batches: many transactions
  return o;
}

void write_toy_data(const TempDir& dir, int problems = 3) {
  std::string data;
  for (int i = 0; i < problems; ++i)
    data += "{\"id\": " + std::to_string(i) + ", \"answer\": \"" + std::to_string(i * 10) + "\", \"level\": \"L" +
            std::to_string(i % 2) + "\"}\n";
  write_file(dir.file("toy.jsonl"), data);
}

std::int64_t table_rows(const std::string& db, const char* table) {
  // Read as an outside tool would: the store's connection is its own.
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw, (std::string("SELECT count(*) FROM ") + table).c_str(), -1, &st, nullptr) ==
          SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  auto n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return n;
}

void expect_input_error(const GradeOptions& o, const std::string& where, const std::string& field) {
  try {
    grade_samples(o);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).find(where) != std::string::npos);
    if (!field.empty()) CHECK(e.field() == field);
  }
}

}  // namespace

TEST_CASE("grade memo: identical completions reuse a grade -- sandbox failures are never remembered", "[store]") {
  trafl::GradeMemo memo(3);
  trafl::Grade g;
  g.verdict = "correct";
  g.correct = true;
  g.extracted = "42";
  memo.remember("p1", "gsm8k-strict", "#### 42", g);
  auto hit = memo.find("p1", "gsm8k-strict", "#### 42");
  REQUIRE(hit);
  CHECK(hit->correct);
  CHECK(hit->extracted == "42");
  CHECK_FALSE(memo.find("p2", "gsm8k-strict", "#### 42"));    // another problem
  CHECK_FALSE(memo.find("p1", "gsm8k-flexible", "#### 42"));  // another mode
  CHECK_FALSE(memo.find("p1", "gsm8k-strict", "#### 42 "));   // another text
  // The key cannot be forged by moving characters between the fields.
  memo.remember("a", "bc", "d", g);
  CHECK_FALSE(memo.find("ab", "c", "d"));
  trafl::Grade failed;
  failed.verdict = "sandbox_error";
  memo.remember("p1", "gsm8k-strict", "x", failed);
  CHECK_FALSE(memo.find("p1", "gsm8k-strict", "x"));
  CHECK(memo.hits() == 1);
  // Bounded: at capacity it starts over.
  memo.remember("p3", "m", "y", g);
  memo.remember("p4", "m", "z", g);
  CHECK_FALSE(memo.find("p1", "gsm8k-strict", "#### 42"));
}

TEST_CASE("grade pipeline: trafl samples are stored, graded, and re-runs add nothing", "[store]") {
  TempDir dir;
  write_toy_data(dir);
  auto samples = dir.file("model-x.jsonl");
  // Problem 0: indices assigned 0, 1, 2 in order of appearance; problem 1 has an explicit index.
  write_file(samples,
             "{\"problem_id\": \"0\", \"completion\": \"0\"}\n"
             "{\"problem_id\": 0, \"completion\": \"nope\"}\n"
             "\n"
             "{\"problem_id\": \"1\", \"completion\": \"10\", \"sample_index\": 7}\n"
             "{\"problem_id\": \"0\", \"completion\": \"is 0\"}\n"
             "{\"problem_id\": \"2\", \"completion\": \"the answer: 20\"}\n");
  auto o = toy_options(dir, samples);
  auto s = grade_samples(o);
  CHECK(s.model == "model-x");
  CHECK(s.task == "toy");
  CHECK(s.mode == "exact");
  CHECK(s.samples_in_file == 5);
  CHECK(s.problems == 3);
  CHECK(s.problems_with_samples == 3);
  CHECK(s.samples_new == 5);
  CHECK(s.samples_total == 5);
  CHECK(s.grades_new == 5);
  CHECK(s.grades_total == 5);
  CHECK(s.correct == 2);

  auto again = grade_samples(o);
  CHECK(again.run_id == s.run_id);
  CHECK(again.samples_new == 0);
  CHECK(again.samples_total == 5);
  CHECK(again.grades_new == 0);
  CHECK(again.correct == 2);

  o.mode = "contains";
  auto loose = grade_samples(o);
  CHECK(loose.run_id == s.run_id);
  CHECK(loose.samples_new == 0);
  CHECK(loose.grades_new == 5);
  CHECK(loose.correct == 4);
  CHECK(table_rows(o.db_path, "grades") == 10);

  Store store(o.db_path);
  auto out = store.outcomes(OutcomeQuery{"toy", "model-x", "exact", "level"});
  REQUIRE(out.size() == 3);
  CHECK(out[0].split == "L0");
  CHECK(out[0].problem_id == "0");
  CHECK(out[0].n == 3);
  CHECK(out[0].c == 1);
  CHECK(out[2].split == "L1");

  o.mode = "nonsense";
  CHECK_THROWS_AS(grade_samples(o), UsageError);
}

TEST_CASE("grade pipeline: gzip, lm-eval and task-id shapes", "[store]") {
  TempDir dir;
  write_toy_data(dir);
  SECTION("gzip-compressed trafl samples") {
    auto path = dir.file("gz-model.jsonl.gz");
    gzFile f = gzopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::string text =
        "{\"problem_id\": \"1\", \"completion\": \"10\"}\n{\"problem_id\": \"1\", \"completion\": \"11\"}\n";
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
    auto s = grade_samples(toy_options(dir, path));
    CHECK(s.model == "gz-model");
    CHECK(s.samples_new == 2);
    CHECK(s.correct == 1);
  }
  SECTION("lm-eval: one line per (doc, filter); resps read once; filtered_resps is a separate run") {
    auto path = dir.file("samples_toy_2024.jsonl");
    std::string lines;
    for (int doc = 0; doc < 3; ++doc) {
      std::string gold = std::to_string(doc * 10);
      std::string resps = "[[\"" + gold + "\", \"x\", \"y " + gold + "\"]]";
      for (const char* filter : {"strict-match", "flexible-extract"})
        lines += "{\"doc_id\": " + std::to_string(doc) + ", \"doc\": {}, \"target\": \"" + gold +
                 "\", \"resps\": " + resps + ", \"filtered_resps\": [\"" + gold + "\"], \"filter\": \"" + filter +
                 "\", \"metrics\": [\"exact_match\"]}\n";
    }
    write_file(path, lines);
    auto o = toy_options(dir, path);
    auto s = grade_samples(o);
    CHECK(s.samples_in_file == 9);
    CHECK(s.lines_skipped == 3);
    CHECK(s.lm_eval_filter == "strict-match");
    CHECK(s.samples_new == 9);
    CHECK(s.correct == 3);
    o.reader.lm_eval_field = LmEvalField::kFilteredResps;
    auto f = grade_samples(o);
    CHECK(f.run_id != s.run_id);
    CHECK(f.samples_new == 3);
    CHECK(f.correct == 3);
    o.reader.shape = SamplesShape::kTrafl;
    expect_input_error(o, path + ":1", "problem_id");
  }
  SECTION("task-id shape with completion or solution") {
    auto path = dir.file("evalplus.jsonl");
    write_file(path,
               "{\"task_id\": \"2\", \"solution\": \"20\"}\n"
               "{\"task_id\": \"2\", \"completion\": \"21\"}\n");
    auto s = grade_samples(toy_options(dir, path));
    CHECK(s.samples_new == 2);
    CHECK(s.correct == 1);
  }
}

TEST_CASE("grade pipeline: a bad samples file writes nothing and names file, line and field", "[store]") {
  TempDir dir;
  write_toy_data(dir);
  auto samples = dir.file("bad.jsonl");
  auto o = toy_options(dir, samples);
  const std::string good = "{\"problem_id\": \"0\", \"completion\": \"0\"}\n";

  struct Case {
    std::string content, where, field;
  };
  std::vector<Case> cases = {
      {good + "{\"problem_id\": \"0\", \"completion\": \n", samples + ":2", ""},
      {good + good + "{\"problem_id\": \"1\"}\n", samples + ":3", "completion"},
      {good + "{\"problem_id\": \"99\", \"completion\": \"x\"}\n", samples + ":2", "problem_id"},
      {good + "{\"completion\": \"x\"}\n", samples + ":2", "problem_id"},
      {good + "{\"problem_id\": \"0\", \"completion\": 5}\n", samples + ":2", "completion"},
      {"{\"problem_id\": \"1\", \"completion\": \"a\", \"sample_index\": 4}\n" + good +
           "{\"problem_id\": \"1\", \"completion\": \"b\", \"sample_index\": 4}\n",
       samples + ":3", "sample_index"},
      {good + "{\"problem_id\": \"1\", \"completion\": \"a\", \"sample_index\": -1}\n", samples + ":2", "sample_index"},
      {good + "{\"doc_id\": 1, \"filtered_resps\": [\"a\"]}\n", samples + ":2", "resps"},
      {good + "{\"doc_id\": 1, \"resps\": [[1]]}\n", samples + ":2", "resps"},
      {"\n\n", samples, ""},
  };
  SECTION("no database yet: none is created") {
    for (const auto& c : cases) {
      write_file(samples, c.content);
      expect_input_error(o, c.where, c.field);
      CHECK_FALSE(fs::exists(o.db_path));
    }
  }
  SECTION("an existing database keeps its rows") {
    auto ok = dir.file("ok.jsonl");
    write_file(ok, good + good);
    auto ok_options = toy_options(dir, ok);
    grade_samples(ok_options);
    auto before = trafl::test::read_file(o.db_path);
    for (const auto& c : cases) {
      write_file(samples, c.content);
      expect_input_error(o, c.where, c.field);
      CHECK(trafl::test::read_file(o.db_path) == before);
    }
    CHECK(table_rows(o.db_path, "samples") == 2);
    CHECK(table_rows(o.db_path, "runs") == 1);
  }
  SECTION("a bad data file is an error before the samples are read") {
    write_file(samples, good);
    write_file(o.data_path, "{\"id\": 0, \"answer\": \"0\"}\n{\"id\": 1}\n");
    expect_input_error(o, o.data_path + ":2", "answer");
    CHECK_FALSE(fs::exists(o.db_path));
  }
}

TEST_CASE("grade pipeline: another file claiming the same samples with different text is refused", "[store]") {
  TempDir dir;
  write_toy_data(dir);
  auto a = dir.file("a.jsonl");
  write_file(a, "{\"problem_id\": \"0\", \"completion\": \"0\"}\n");
  auto o = toy_options(dir, a);
  o.model = "m";
  grade_samples(o);
  auto b = dir.file("b.jsonl");
  write_file(b, "{\"problem_id\": \"0\", \"completion\": \"different\"}\n");
  o.samples_path = b;
  expect_input_error(o, b + ":1", "completion");
  CHECK(table_rows(o.db_path, "samples") == 1);
}

TEST_CASE("grade pipeline: SIGKILL at any point, then re-run, gives exact counts", "[store]") {
  TempDir dir;
  const int problems = 200, per_problem = 600;  // 120k samples: long enough to be killed mid-way
  write_toy_data(dir, problems);
  auto samples = dir.file("big.jsonl");
  {
    std::string text;
    text.reserve(static_cast<std::size_t>(problems) * per_problem * 80);
    for (int k = 0; k < per_problem; ++k)
      for (int p = 0; p < problems; ++p)
        text += "{\"problem_id\": \"" + std::to_string(p) + "\", \"completion\": \"" +
                (k % 3 == 0 ? std::to_string(p * 10) : "some padding text " + std::to_string(k)) + "\"}\n";
    write_file(samples, text);
  }
  auto o = toy_options(dir, samples);
  o.batch_size = 2000;
  o.threads = 2;
  const std::int64_t total = static_cast<std::int64_t>(problems) * per_problem;
  const std::int64_t correct = static_cast<std::int64_t>(problems) * ((per_problem + 2) / 3);

  int killed = 0;
  for (int delay_ms : {5, 150, 400, 700, 1000, 1300, 1700}) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      try {
        grade_samples(o);
      } catch (...) {
        _exit(3);
      }
      _exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status))
      ++killed;
    else
      CHECK(WEXITSTATUS(status) == 0);
    // Whatever was committed is whole: samples come in whole batches, and every grade has its sample.
    // A kill before the schema's transaction commits leaves a file with no tables at all (SQLite has
    // created it on open); the schema itself is all-or-nothing, never a half-made set of tables.
    if (fs::exists(o.db_path)) {
      const auto objects = table_rows(o.db_path, "sqlite_master");
      if (objects == 0) continue;
      auto n = table_rows(o.db_path, "samples");
      CHECK(n <= total);
      CHECK(table_rows(o.db_path, "grades") <= n);
    }
  }
  WARN("child processes killed part-way: " << killed << " of 7");
  CHECK(killed >= 1);
  auto s = grade_samples(o);
  CHECK(s.samples_total == total);
  CHECK(s.grades_total == total);
  CHECK(s.correct == correct);
  CHECK(table_rows(o.db_path, "samples") == total);
  CHECK(table_rows(o.db_path, "grades") == total);
  CHECK(table_rows(o.db_path, "runs") == 1);
  CHECK(table_rows(o.db_path, "problems") == problems);
  auto again = grade_samples(o);
  CHECK(again.samples_new == 0);
  CHECK(again.grades_new == 0);
}
