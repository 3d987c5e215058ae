// [campaign][merge]: merge_databases on hand-built stores — union of disjoint shards, idempotence,
// conflicting duplicates refused (nothing of that input written), output = input refused.
#include <filesystem>

#include "core/error.hpp"
#include "store/merge.hpp"
#include "store/store.hpp"
#include "tests/test_campaign_util.hpp"

#include <catch2/catch.hpp>

using namespace trafl;
using trafl::test::TempDir;
namespace fs = std::filesystem;

namespace {

RunSpec spec() {
  RunSpec s;
  s.model = "m";
  s.task = "gsm8k";
  s.data_path = "d.jsonl";
  s.data_sha256 = "abc";
  s.config = {{"gen_length", 8}};
  s.seed = 1;
  return s;
}

std::vector<Problem> problems(int from, int to) {
  std::vector<Problem> out;
  for (int i = from; i < to; ++i) {
    Problem p;
    p.id = std::to_string(i);
    p.prompt = p.question = "q" + p.id;
    p.gold = p.id;
    out.push_back(p);
  }
  return out;
}

// Samples "text p/i" for problems [from, to), indices [0, n), graded "correct" when i is even.
void fill(const std::string& path, int from, int to, int n, const std::string& prefix = "text") {
  Store s(path);
  auto run = s.ensure_run(spec());
  s.put_problems(run, problems(from, to));
  std::vector<SampleRow> rows;
  for (int p = from; p < to; ++p)
    for (int i = 0; i < n; ++i) {
      SampleRow r;
      r.problem_id = std::to_string(p);
      r.sample_index = i;
      r.completion = prefix + " " + std::to_string(p) + "/" + std::to_string(i);
      r.token_ids = {p, i};
      r.trajectory = "blob";
      rows.push_back(r);
    }
  s.put_samples(run, rows);
  std::vector<GradeRow> grades;
  for (const auto& pending : s.ungraded(run, "exact", 1000)) {
    GradeRow g;
    g.sample_id = pending.sample_id;
    g.grade.mode = "exact";
    g.grade.correct = pending.sample_index % 2 == 0;
    g.grade.verdict = g.grade.correct ? "correct" : "wrong";
    grades.push_back(g);
  }
  s.put_grades(grades);
}

}  // namespace

TEST_CASE("merge: disjoint databases unite -- re-merge adds nothing", "[campaign][merge]") {
  TempDir dir;
  fill(dir.file("a.db"), 0, 3, 4);
  fill(dir.file("b.db"), 3, 5, 4);
  fill(dir.file("all.db"), 0, 5, 4);
  auto s = merge_databases({dir.file("a.db"), dir.file("b.db")}, dir.file("out.db"));
  CHECK(s.samples_total == 20);
  CHECK(s.grades_total == 20);
  CHECK(s.inputs.at(1).samples_new == 8);
  CHECK(test::dump_samples(dir.file("out.db")) == test::dump_samples(dir.file("all.db")));
  auto again = merge_databases({dir.file("b.db"), dir.file("a.db")}, dir.file("out.db"));
  CHECK(again.inputs.at(0).samples_new == 0);
  CHECK(again.inputs.at(1).grades_new == 0);
  CHECK(test::count_rows(dir.file("out.db"), "runs") == 1);
  CHECK(test::count_rows(dir.file("out.db"), "samples") == 20);
}

TEST_CASE("merge: a conflicting duplicate sample is refused and nothing of that input is written",
          "[campaign][merge]") {
  TempDir dir;
  fill(dir.file("a.db"), 0, 3, 2);
  fill(dir.file("b.db"), 2, 4, 2, "other");  // problem 2 overlaps with different text
  merge_databases({dir.file("a.db")}, dir.file("out.db"));
  try {
    merge_databases({dir.file("b.db")}, dir.file("out.db"));
    FAIL("conflicting samples were merged");
  } catch (const InputError& e) {
    std::string msg = e.what();
    CHECK(msg.find("b.db") != std::string::npos);
    CHECK(msg.find("conflict") != std::string::npos);
    CHECK(msg.find("problem '2'") != std::string::npos);
  }
  CHECK(test::count_rows(dir.file("out.db"), "samples") == 6);
  CHECK(test::count_rows(dir.file("out.db"), "problems") == 3);
}

TEST_CASE("merge: bad arguments", "[campaign][merge]") {
  TempDir dir;
  fill(dir.file("a.db"), 0, 1, 1);
  CHECK_THROWS_AS(merge_databases({dir.file("a.db")}, dir.file("a.db")), UsageError);
  CHECK_THROWS_AS(merge_databases({dir.file("missing.db")}, dir.file("out.db")), InputError);
  test::write_file(dir.file("junk.db"), "not a database at all, just text that is long enough to be a header......");
  CHECK_THROWS_AS(merge_databases({dir.file("junk.db")}, dir.file("out.db")), InputError);
  CHECK_FALSE(fs::exists(dir.file("out.db")));
  auto r = test::run_cli("merge '" + dir.file("a.db") + "' --out '" + dir.file("cli.db") + "'");
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("1 samples") != std::string::npos);
}
