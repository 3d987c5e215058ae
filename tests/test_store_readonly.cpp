// The reading commands (passk, diagnose, report) on a database they cannot write: a read-only mount
// (issue 22: they failed at "PRAGMA application_id", because SQLite could not create the WAL index
// next to the file), and SQLite's error text said once, not twice.
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "store/store.hpp"
#include "tests/support.hpp"

using namespace trafl;
using Catch::Contains;
using trafl::test::run_cli;
using trafl::test::TempDir;
using trafl::test::write_file;

namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }

// Runs `command` (a shell line) with `dir` bind-mounted read-only over itself, in a private user and
// mount namespace (no privileges needed where unprivileged user namespaces are allowed). Returns
// exit code 200 when the namespace or the mount cannot be made here.
trafl::test::CommandResult run_on_readonly_mount(const std::string& dir, const std::string& command) {
  std::string inner = "mount --bind -o ro " + q(dir) + " " + q(dir) + " || exit 200; touch " + q(dir + "/probe") +
                      " 2>/dev/null && exit 200; " + command;
  std::string cmd = "unshare -rm sh -c \"" + inner + "\" 2>&1";
  trafl::test::CommandResult r;
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) r.out.append(buf, n);
  int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace

TEST_CASE("store: passk, diagnose and report read a database on a read-only mount", "[store][readonly]") {
  TempDir dir;
  // Two models graded on a small gsm8k set (diagnose and report compare against a baseline).
  std::string data, samples;
  for (int p = 0; p < 3; ++p)
    data +=
        "{\"question\": \"Q" + std::to_string(p) + "?\", \"answer\": \"x\\n#### " + std::to_string(10 + p) + "\"}\n";
  for (int k = 0; k < 4; ++k)
    for (int p = 0; p < 3; ++p)
      samples += "{\"problem_id\": \"" + std::to_string(p) + "\", \"completion\": \"#### " +
                 std::to_string(10 + p + (k % 2)) + "\"}\n";
  write_file(dir.file("gsm8k.jsonl"), data);
  write_file(dir.file("s.jsonl"), samples);
  const std::string db_dir = (dir.path() / "ro").string();
  std::filesystem::create_directory(db_dir);
  const std::string db = db_dir + "/runs.db";
  for (const char* model : {"base", "tuned"}) {
    auto g = run_cli("grade --quiet --task gsm8k --data " + q(dir.file("gsm8k.jsonl")) + " --samples " +
                     q(dir.file("s.jsonl")) + " --db " + q(db) + " --model " + model);
    REQUIRE(g.exit_code == 0);
  }
  // A clean close leaves no -wal/-shm: exactly the state a database copied onto read-only media is in.
  REQUIRE_FALSE(std::filesystem::exists(db + "-wal"));
  REQUIRE_FALSE(std::filesystem::exists(db + "-shm"));

  const std::string cli = q(TRAFL_CLI_PATH);
  auto probe = run_on_readonly_mount(db_dir, "true");
  if (probe.exit_code == 200) {
    WARN("SKIPPED: no unprivileged user+mount namespace here (unshare -rm), cannot make a read-only mount");
    return;
  }
  auto passk = run_on_readonly_mount(db_dir, cli + " passk --db " + q(db) + " --bootstrap 0");
  INFO(passk.out);
  CHECK(passk.exit_code == 0);
  CHECK_THAT(passk.out, Contains("tuned") && !Contains("SQLite"));
  auto diag = run_on_readonly_mount(
      db_dir, cli + " diagnose --db " + q(db) + " --baseline base --bootstrap 0 --out " + q(dir.file("diag")));
  INFO(diag.out);
  CHECK(diag.exit_code == 0);
  auto report = run_on_readonly_mount(db_dir, cli + " report --db " + q(db) + " --out " + q(dir.file("report")));
  INFO(report.out);
  CHECK(report.exit_code == 0);
  // A writing command there fails with a message, and the reads left nothing behind.
  auto grade =
      run_on_readonly_mount(db_dir, cli + " grade --quiet --task gsm8k --data " + q(dir.file("gsm8k.jsonl")) +
                                        " --samples " + q(dir.file("s.jsonl")) + " --db " + q(db) + " --model third");
  CHECK(grade.exit_code != 0);
  CHECK_FALSE(std::filesystem::exists(db + "-wal"));

  // Read-only opening never writes, even where it could: the file's bytes stay the same.
  std::string before = trafl::test::read_file(db);
  {
    Store s(db, Store::OpenMode::kReadOnly);
    CHECK(s.runs().size() == 2);
  }
  CHECK(trafl::test::read_file(db) == before);
}

TEST_CASE("store: an SQLite error says SQLite's message once", "[store]") {
  TempDir dir;
  auto path = dir.file("half.db");
  {  // A trafl database at schema 2 that already has the table migration 3 creates.
    Store s(path);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "DROP TABLE campaign_runs; DROP TABLE campaign_shards; PRAGMA user_version = 2;", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  try {
    Store again(path);
    FAIL("opened");
  } catch (const std::exception& e) {
    std::string msg = e.what();
    INFO(msg);
    CHECK_THAT(msg, Contains("half.db") && Contains("already exists"));
    CHECK(msg.find("already exists") == msg.rfind("already exists"));  // once
  }
}
