#include "store/schema.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/sqlite.hpp"

namespace trafl::schema {

namespace {

// v1: the four tables. Problems are stored per run (a run is self-contained: its prompts and gold
// answers are exactly those it was graded against) and referenced from samples by rowid, so the
// millions of sample rows carry an integer instead of a repeated problem-id string.
constexpr const char* kV1 = R"sql(
CREATE TABLE runs(
  id            INTEGER PRIMARY KEY,
  model         TEXT NOT NULL,
  task          TEXT NOT NULL,
  data_path     TEXT NOT NULL,
  data_sha256   TEXT NOT NULL,
  config        TEXT NOT NULL,          -- canonical JSON (sorted keys, no spaces)
  seed          INTEGER NOT NULL,
  tool_version  TEXT NOT NULL,
  created_at    TEXT NOT NULL,          -- UTC, ISO 8601
  source        TEXT NOT NULL DEFAULT '',
  UNIQUE(model, task, data_sha256, config, seed)
);
CREATE TABLE problems(
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER NOT NULL REFERENCES runs(id),
  problem_id  TEXT NOT NULL,
  question    TEXT NOT NULL,
  prompt      TEXT NOT NULL,
  gold        TEXT NOT NULL,
  reference   TEXT NOT NULL,
  metadata    TEXT NOT NULL DEFAULT '{}',   -- JSON object of split keys (level, subject, ...)
  UNIQUE(run_id, problem_id)
);
CREATE TABLE samples(
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER NOT NULL REFERENCES runs(id),
  problem_ref   INTEGER NOT NULL REFERENCES problems(id),
  sample_index  INTEGER NOT NULL,
  completion    TEXT NOT NULL,
  token_ids     BLOB,                   -- int32 little-endian, one per token
  trajectory    BLOB,                   -- layout documented by the sampler
  UNIQUE(problem_ref, sample_index)     -- = (run, problem id, sample index): problem_ref implies the run
);
CREATE INDEX samples_run ON samples(run_id);  -- count per run; ungraded() pages by (run, id)
CREATE TABLE grades(
  id          INTEGER PRIMARY KEY,
  sample_id   INTEGER NOT NULL REFERENCES samples(id),
  mode        TEXT NOT NULL,
  verdict     TEXT NOT NULL,
  correct     INTEGER NOT NULL,
  extracted   TEXT NOT NULL,
  details     TEXT NOT NULL DEFAULT '{}',
  UNIQUE(sample_id, mode)
);
)sql";

// v2: outcomes() over millions of grades. Copying the sample's problem into the grade row lets
// the per-problem (n, c) aggregation run as one ordered scan of a small covering index, instead
// of a rowid lookup into the wide samples table (completions live there) for every grade.
constexpr const char* kV2 = R"sql(
ALTER TABLE grades ADD COLUMN problem_ref INTEGER;
UPDATE grades SET problem_ref = (SELECT s.problem_ref FROM samples s WHERE s.id = grades.sample_id);
CREATE INDEX grades_outcome ON grades(problem_ref, mode, correct);
)sql";

// v3: sampling campaigns (`trafl-eval sample`). A campaign is one invocation's identity (models,
// task, data hash, lengths, n, seed, decoding) under a name; its runs are ordinary runs (one per
// model × generation length), listed in campaign_runs so diagnose/report can find them. Shards of a
// campaign record which slice of the problems they sampled; `merge` checks identities and shards.
constexpr const char* kV3 = R"sql(
CREATE TABLE campaigns(
  name        TEXT PRIMARY KEY,
  identity    TEXT NOT NULL,          -- canonical JSON (sorted keys, no spaces)
  created_at  TEXT NOT NULL
);
CREATE TABLE campaign_shards(
  campaign     TEXT NOT NULL REFERENCES campaigns(name),
  shard        INTEGER NOT NULL,      -- 0-based
  shard_count  INTEGER NOT NULL,
  PRIMARY KEY(campaign, shard, shard_count)
);
CREATE TABLE campaign_runs(
  campaign  TEXT NOT NULL REFERENCES campaigns(name),
  run_id    INTEGER NOT NULL REFERENCES runs(id),
  PRIMARY KEY(campaign, run_id)
);
)sql";

// v4: what built the tool that made each run (issue 17): its git commit and build type, beside
// tool_version. Runs made before v4 did not record them: 'unknown'.
constexpr const char* kV4 = R"sql(
ALTER TABLE runs ADD COLUMN tool_commit TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE runs ADD COLUMN build_type TEXT NOT NULL DEFAULT 'unknown';
)sql";

// v5: training metrics (`trafl-eval train --db`). IF NOT EXISTS: builds before v5 created these two
// tables outside the versioned schema, with exactly this layout, so an older file may already hold them.
//   training_runs   UNIQUE(out_dir, config): a resumed run (same directory, same resolved
//                   configuration) keeps its id
//   training_steps  PRIMARY KEY(run_id, step): a step redone after a resume replaces its row
constexpr const char* kV5 = R"sql(
CREATE TABLE IF NOT EXISTS training_runs (
  id INTEGER PRIMARY KEY,
  out_dir TEXT NOT NULL,
  method TEXT NOT NULL,
  config TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
  UNIQUE (out_dir, config)
);
CREATE TABLE IF NOT EXISTS training_steps (
  run_id INTEGER NOT NULL REFERENCES training_runs(id),
  step INTEGER NOT NULL,
  loss REAL, reward_mean REAL, reward_std REAL, log_z REAL, kl REAL, entropy REAL,
  grad_norm REAL, lr REAL, samples_per_s REAL, tokens_per_s REAL, rollout_s REAL, update_s REAL,
  stats TEXT,
  PRIMARY KEY (run_id, step)
);
)sql";

int pragma_int(sqlite3* db, const std::string& path, const char* sql) {
  sql::Stmt q(db, path, sql);
  return q.step() ? static_cast<int>(q.col_int(0)) : 0;
}

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = {
      {1, "runs, problems, samples, grades", kV1},
      {2, "grades.problem_ref + covering index for outcomes()", kV2},
      {3, "campaigns, campaign_shards, campaign_runs", kV3},
      {4, "runs.tool_commit, runs.build_type", kV4},
      {5, "training_runs, training_steps", kV5},
  };
  return list;
}

int latest_version() { return migrations().back().version; }

int check_identity(sqlite3* db, const std::string& path) {
  // The first read of the file header: a non-SQLite file fails here with SQLITE_NOTADB, which
  // sql::fail turns into an InputError naming the file.
  int app = pragma_int(db, path, "PRAGMA application_id");
  int version = pragma_int(db, path, "PRAGMA user_version");
  if (app == 0) {
    int objects = pragma_int(db, path, "SELECT count(*) FROM sqlite_master");
    if (objects > 0 || version != 0)
      throw InputError(
          path, 0, "",
          fmt::format("a SQLite database but not a trafl-eval database ({} schema objects, no trafl application id)",
                      objects));
  } else if (app != kApplicationId) {
    throw InputError(
        path, 0, "",
        fmt::format("a SQLite database of another application (application_id {:#x}), not a trafl-eval database",
                    static_cast<unsigned>(app)));
  }
  if (version > latest_version())
    throw InputError(
        path, 0, "",
        fmt::format("written by a newer trafl-eval (schema version {}; this build reads up to {}); upgrade trafl-eval",
                    version, latest_version()));
  return version;
}

int migrate(sqlite3* db, const std::string& path, int target) {
  if (target < 0) target = latest_version();
  // Up to date: no write at all (opening a database must not touch it).
  if (int current = check_identity(db, path); current >= target) return current;
  sql::Transaction tx(db, path);
  int version = check_identity(db, path);  // again, inside the lock: another process may have migrated
  for (const auto& m : migrations()) {
    if (m.version <= version || m.version > target) continue;
    sql::exec(db, path, m.sql);
    version = m.version;
  }
  // PRAGMA takes no bound parameters; both values are integers we control.
  sql::exec(db, path,
            fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {};", kApplicationId, version).c_str());
  tx.commit();
  return version;
}

}  // namespace trafl::schema
