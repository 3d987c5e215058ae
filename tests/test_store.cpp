// The run database: schema, migrations, refusing foreign files, idempotent writes, outcomes().
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <filesystem>

#include "core/build_info.hpp"
#include "core/error.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"
#include "tests/support.hpp"

using namespace trafl;
using trafl::test::TempDir;

namespace {

Problem make_problem(const std::string& id, const std::string& gold, const std::string& level = "") {
  Problem p;
  p.id = id;
  p.question = "q" + id;
  p.prompt = "prompt " + id;
  p.gold = gold;
  if (!level.empty()) p.metadata["level"] = level;
  return p;
}

RunSpec make_spec(const std::string& model, nlohmann::json config = nlohmann::json::object(), std::int64_t seed = 0) {
  RunSpec s;
  s.model = model;
  s.task = "toy";
  s.data_path = "toy.jsonl";
  s.data_sha256 = "abc";
  s.config = std::move(config);
  s.seed = seed;
  return s;
}

std::vector<SampleRow> make_samples(const std::vector<std::string>& problem_ids, int per_problem) {
  std::vector<SampleRow> rows;
  for (const auto& id : problem_ids)
    for (int i = 0; i < per_problem; ++i) rows.push_back(SampleRow{id, i, id + "-" + std::to_string(i), {}, ""});
  return rows;
}

Grade make_grade(bool correct, const std::string& mode) {
  Grade g;
  g.verdict = correct ? verdict::kCorrect : verdict::kWrong;
  g.correct = correct;
  g.extracted = correct ? "yes" : "no";
  g.mode = mode;
  g.details = {{"why", "test"}};
  return g;
}

// Grades every ungraded sample of `run` in `mode`: correct when the sample index is < c_for(problem).
template <typename F>
std::size_t grade_all(Store& store, std::int64_t run, const std::string& mode, F correct_for) {
  std::size_t total = 0;
  std::int64_t after = 0;
  for (;;) {
    auto page = store.ungraded(run, mode, 7, after);  // small pages: exercises paging
    if (page.empty()) break;
    after = page.back().sample_id;
    std::vector<GradeRow> grades;
    for (auto& s : page) grades.push_back(GradeRow{s.sample_id, make_grade(correct_for(s), mode)});
    total += store.put_grades(grades);
  }
  return total;
}

std::int64_t raw_count(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  auto n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  INFO((err ? err : ""));
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE(rc == SQLITE_OK);
}

}  // namespace

TEST_CASE("store: a new database gets the latest schema, WAL and the trafl application id", "[store]") {
  TempDir dir;
  auto path = dir.file("runs.db");
  {
    Store store(path);
    CHECK(store.schema_version() == Store::latest_schema_version());
    CHECK(Store::latest_schema_version() >= 2);
    CHECK(store.runs().empty());
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  auto pragma = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
  };
  CHECK(pragma("PRAGMA journal_mode") == "wal");
  CHECK(pragma("PRAGMA application_id") == std::to_string(schema::kApplicationId));
  sqlite3_close(db);
  // Re-opening is a no-op.
  Store again(path);
  CHECK(again.schema_version() == Store::latest_schema_version());
}

TEST_CASE("store: a version-1 database is migrated in place, keeping its rows", "[store]") {
  TempDir dir;
  auto path = dir.file("old.db");
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(schema::migrate(db, path, 1) == 1);
    sqlite3_close(db);
  }
  raw_exec(path, R"sql(
    INSERT INTO runs(id, model, task, data_path, data_sha256, config, seed, tool_version, created_at)
      VALUES(1, 'm', 'toy', 'd', 'sha', '{}', 0, '0.0.1', '2024-01-01T00:00:00Z');
    INSERT INTO problems(id, run_id, problem_id, question, prompt, gold, reference, metadata)
      VALUES(1, 1, 'p0', 'q', 'q', '1', '', '{"level":"3"}');
    INSERT INTO samples(id, run_id, problem_ref, sample_index, completion) VALUES(1, 1, 1, 0, 'a'), (2, 1, 1, 1, 'b');
    INSERT INTO grades(sample_id, mode, verdict, correct, extracted) VALUES(1, 'exact', 'correct', 1, '1'), (2, 'exact', 'wrong', 0, '2');
  )sql");
  Store store(path);
  CHECK(store.schema_version() == Store::latest_schema_version());
  CHECK(store.count_samples(1) == 2);
  CHECK(store.count_grades(1, "exact") == 2);
  CHECK(store.count_correct(1, "exact") == 1);
  auto old_runs = store.runs();  // made before v4 recorded what built the tool
  REQUIRE(old_runs.size() == 1);
  CHECK(old_runs[0].tool_commit == "unknown");
  CHECK(old_runs[0].build_type == "unknown");
  auto out = store.outcomes(OutcomeQuery{"", "", "", "level"});
  REQUIRE(out.size() == 1);
  CHECK(out[0].problem_id == "p0");
  CHECK(out[0].split == "3");
  CHECK(out[0].n == 2);
  CHECK(out[0].c == 1);
}

TEST_CASE("store: files that are not trafl-eval databases are refused and left untouched", "[store]") {
  TempDir dir;
  SECTION("random bytes") {
    auto path = dir.file("random.db");
    std::string bytes;
    for (int i = 0; i < 8192; ++i) bytes.push_back(static_cast<char>((i * 7919 + 13) & 0xff));
    trafl::test::write_file(path, bytes);
    try {
      Store store(path);
      FAIL("opened a random file");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
    CHECK(trafl::test::read_file(path) == bytes);
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
  }
  SECTION("another application's SQLite file") {
    auto path = dir.file("other.db");
    raw_exec(path, "CREATE TABLE users(name TEXT); INSERT INTO users VALUES('x');");
    auto before = trafl::test::read_file(path);
    try {
      Store store(path);
      FAIL("opened a foreign SQLite database");
    } catch (const InputError& e) {
      CHECK(std::string(e.what()).find("not a trafl-eval database") != std::string::npos);
      CHECK(std::string(e.what()).find(path) != std::string::npos);
    }
    CHECK(trafl::test::read_file(path) == before);
  }
  SECTION("a newer schema") {
    auto path = dir.file("newer.db");
    { Store store(path); }
    raw_exec(path, "PRAGMA user_version = " + std::to_string(Store::latest_schema_version() + 1));
    CHECK_THROWS_WITH(Store(path), Catch::Contains("written by a newer trafl-eval") && Catch::Contains(path));
  }
  SECTION("a missing file when only existing databases may be opened") {
    auto path = dir.file("missing.db");
    CHECK_THROWS_AS(Store(path, Store::OpenMode::kExisting), InputError);
    CHECK_FALSE(std::filesystem::exists(path));
  }
}

TEST_CASE("store: runs are identified by model, task, data hash, canonical config and seed", "[store]") {
  TempDir dir;
  Store store(dir.file("runs.db"));
  auto a = store.ensure_run(make_spec("m", {{"steps", 64}, {"temperature", 0.7}}));
  auto b = store.ensure_run(make_spec("m", nlohmann::json::parse(R"({"temperature": 0.7, "steps": 64})")));
  CHECK(a == b);
  CHECK(store.ensure_run(make_spec("m", {{"steps", 128}})) != a);
  CHECK(store.ensure_run(make_spec("m", {{"steps", 64}, {"temperature", 0.7}}, 1)) != a);
  CHECK(store.ensure_run(make_spec("other", {{"steps", 64}, {"temperature", 0.7}})) != a);
  auto runs = store.runs();
  REQUIRE(runs.size() == 4);
  CHECK(runs[0].tool_version == TRAFL_VERSION);
  CHECK(runs[0].tool_commit == build_commit());
  CHECK(runs[0].build_type == build_type());
  CHECK(runs[0].spec.config.dump() == R"({"steps":64,"temperature":0.7})");
  CHECK(runs[0].created_at.size() == 20);
}

TEST_CASE("store: ingest is idempotent and never mixes different completions", "[store]") {
  TempDir dir;
  auto path = dir.file("runs.db");
  Store store(path);
  auto run = store.ensure_run(make_spec("m"));
  std::vector<Problem> problems = {make_problem("p0", "1"), make_problem("p1", "2")};
  store.put_problems(run, problems);
  store.put_problems(run, problems);
  CHECK(store.problems(run).size() == 2);

  auto rows = make_samples({"p0", "p1"}, 5);
  rows[0].token_ids = {1, -2, 70000};
  rows[0].trajectory = std::string("\x00\x01\x02", 3);
  CHECK(store.put_samples(run, rows) == 10);
  CHECK(store.put_samples(run, rows) == 0);
  CHECK(store.count_samples(run) == 10);

  SECTION("a different completion under a stored identity is refused, and nothing of the call is written") {
    auto more = make_samples({"p0"}, 7);  // indices 5, 6 are new; 0..4 exist
    more[2].completion = "something else";
    auto result = store.put_samples_checked(run, more);
    REQUIRE(result.conflicts == std::vector<std::size_t>{2});
    CHECK(result.inserted == 0);
    CHECK(store.count_samples(run) == 10);
    CHECK_THROWS_AS(store.put_samples(run, more), InputError);
    CHECK(store.count_samples(run) == 10);
  }
  SECTION("a sample of an unknown problem is an error") {
    CHECK_THROWS(store.put_samples(run, make_samples({"nope"}, 1)));
    CHECK(store.count_samples(run) == 10);
  }
  SECTION("token ids are stored as int32 little-endian") {
    // Read as an outside tool would: the store's connection is its own.
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open_v2(store.path().c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(raw, "SELECT token_ids, trajectory FROM samples ORDER BY id LIMIT 1", -1, &st,
                               nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string tokens(static_cast<const char*>(sqlite3_column_blob(st, 0)), sqlite3_column_bytes(st, 0));
    CHECK(tokens == std::string("\x01\x00\x00\x00\xfe\xff\xff\xff\x70\x11\x01\x00", 12));
    CHECK(sqlite3_column_bytes(st, 1) == 3);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
}

TEST_CASE("store: grading in a second mode adds grades and never rewrites the first", "[store]") {
  TempDir dir;
  Store store(dir.file("runs.db"));
  auto run = store.ensure_run(make_spec("m"));
  store.put_problems(run, {make_problem("p0", "1"), make_problem("p1", "2")});
  store.put_samples(run, make_samples({"p0", "p1"}, 10));

  CHECK(store.ungraded(run, "strict", 1000).size() == 20);
  CHECK(grade_all(store, run, "strict", [](const PendingSample& s) { return s.sample_index < 3; }) == 20);
  CHECK(store.ungraded(run, "strict", 1000).empty());
  CHECK(store.count_grades(run, "strict") == 20);
  CHECK(store.count_correct(run, "strict") == 6);

  CHECK(grade_all(store, run, "loose", [](const PendingSample&) { return true; }) == 20);
  CHECK(store.count_grades(run, "loose") == 20);
  CHECK(store.count_correct(run, "loose") == 20);

  // Re-grading "strict" with different verdicts changes nothing: grades are never rewritten.
  std::vector<GradeRow> again;
  for (auto& s : store.ungraded(run, "fresh-mode", 1000))
    again.push_back(GradeRow{s.sample_id, make_grade(true, "strict")});
  CHECK(store.put_grades(again) == 0);
  CHECK(store.count_correct(run, "strict") == 6);

  // ungraded pages by sample id.
  auto first = store.ungraded(run, "third", 8);
  REQUIRE(first.size() == 8);
  auto second = store.ungraded(run, "third", 100, first.back().sample_id);
  CHECK(second.size() == 12);
  CHECK(second.front().sample_id > first.back().sample_id);

  CHECK_THROWS(store.put_grades({GradeRow{999999, make_grade(true, "strict")}}));
}

TEST_CASE("store: outcomes() gives per-problem n and c per group, optionally split by metadata", "[store]") {
  TempDir dir;
  Store store(dir.file("runs.db"));
  std::vector<Problem> problems = {make_problem("p0", "1", "1"), make_problem("p1", "2", "1"),
                                   make_problem("p2", "3", "5"), make_problem("p3", "4")};
  // Model A: two seeds (they pool), model B: another config.
  auto a0 = store.ensure_run(make_spec("A", {}, 0));
  auto a1 = store.ensure_run(make_spec("A", {}, 1));
  auto b = store.ensure_run(make_spec("B", {{"steps", 8}}));
  for (auto run : {a0, a1, b}) {
    store.put_problems(run, problems);
    store.put_samples(run, make_samples({"p0", "p1", "p2", "p3"}, 4));
  }
  // Correct count per problem pN = N (capped at 4) for model A, always 1 for B.
  auto correct_a = [](const PendingSample& s) { return s.sample_index < (s.problem_id[1] - '0'); };
  grade_all(store, a0, "exact", correct_a);
  grade_all(store, a1, "exact", correct_a);
  grade_all(store, b, "exact", [](const PendingSample& s) { return s.sample_index == 0; });
  grade_all(store, a0, "loose", [](const PendingSample&) { return true; });

  auto all = store.outcomes(OutcomeQuery{});
  // A×exact: 4 problems, A×loose: 4, B×exact: 4.
  REQUIRE(all.size() == 12);
  for (const auto& o : all) {
    CHECK(o.group.task == "toy");
    CHECK(o.split.empty());
    if (o.group.model == "A" && o.group.mode == "exact") {
      CHECK(o.n == 8);  // two seeds × 4 samples
      CHECK(o.c == 2 * std::min(4, o.problem_id[1] - '0'));
      CHECK(o.group.config == "{}");
    } else if (o.group.model == "A") {
      CHECK(o.group.mode == "loose");
      CHECK(o.n == 4);
      CHECK(o.c == 4);
    } else {
      CHECK(o.group.config == R"({"steps":8})");
      CHECK(o.n == 4);
      CHECK(o.c == 1);
    }
  }
  // Ordered by group, then split, then problem id.
  CHECK(all[0].group.model == "A");
  CHECK(all[0].group.mode == "exact");
  CHECK(all[0].problem_id == "p0");

  auto a_exact = store.outcomes(OutcomeQuery{"toy", "A", "exact", "level"});
  REQUIRE(a_exact.size() == 4);
  CHECK(a_exact[0].split == "");  // p3 has no level
  CHECK(a_exact[0].problem_id == "p3");
  CHECK(a_exact[1].split == "1");
  CHECK(a_exact[2].split == "1");
  CHECK(a_exact[3].split == "5");
  CHECK(a_exact[3].problem_id == "p2");
  CHECK(a_exact[3].c == 4);

  CHECK(store.outcomes(OutcomeQuery{"other-task", "", "", ""}).empty());
  CHECK(store.outcomes(OutcomeQuery{"", "B", "", ""}).size() == 4);
  CHECK(store.outcomes(OutcomeQuery{"", "", "loose", ""}).size() == 4);
}

TEST_CASE("store: counts survive closing and reopening -- rows are exact", "[store]") {
  TempDir dir;
  auto path = dir.file("runs.db");
  std::int64_t run;
  {
    Store store(path);
    run = store.ensure_run(make_spec("m"));
    store.put_problems(run, {make_problem("p0", "1")});
    store.put_samples(run, make_samples({"p0"}, 100));
  }
  CHECK(raw_count(path, "samples") == 100);
  Store store(path);
  CHECK(store.count_samples(run) == 100);
  CHECK(store.ensure_run(make_spec("m")) == run);
}
