// Training metrics in SQLite (see training_log.hpp).
#include "training/training_log.hpp"

#include <nlohmann/json.hpp>

#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace trafl::training {

namespace {
constexpr const char* kSchema = R"sql(
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
}  // namespace

TrainingLog::TrainingLog(const std::string& db_path, const std::string& out_dir, const std::string& method,
                         const std::string& config_json)
    : store_(std::make_unique<Store>(db_path, Store::OpenMode::kCreate)) {
  sqlite3* db = store_->handle();
  sql::exec(db, db_path, kSchema);
  sql::Stmt(db, db_path, "INSERT OR IGNORE INTO training_runs (out_dir, method, config) VALUES (?, ?, ?)")
      .bind(1, out_dir)
      .bind(2, method)
      .bind(3, config_json)
      .run();
  sql::Stmt q(db, db_path, "SELECT id FROM training_runs WHERE out_dir = ? AND config = ?");
  q.bind(1, out_dir).bind(2, config_json);
  if (q.step()) run_id_ = q.col_int(0);
}

TrainingLog::~TrainingLog() = default;

void TrainingLog::record(const StepMetrics& m) {
  sqlite3* db = store_->handle();
  const std::string& path = store_->path();
  // sql::Stmt binds integers, text and blobs only; the metrics are REALs, so this one statement
  // uses the C API directly (same error reporting through sql::check).
  sqlite3_stmt* raw = nullptr;
  sql::check(db,
             sqlite3_prepare_v2(db,
                                "INSERT OR REPLACE INTO training_steps (run_id, step, loss, reward_mean, reward_std, "
                                "log_z, kl, entropy, grad_norm, lr, samples_per_s, tokens_per_s, rollout_s, update_s, "
                                "stats) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                -1, &raw, nullptr),
             path, "prepare training_steps insert");
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  auto real = [&](int i, std::optional<double> v) {
    sql::check(db, v ? sqlite3_bind_double(raw, i, *v) : sqlite3_bind_null(raw, i), path, "bind");
  };
  sql::check(db, sqlite3_bind_int64(raw, 1, run_id_), path, "bind");
  sql::check(db, sqlite3_bind_int64(raw, 2, m.step), path, "bind");
  real(3, m.loss);
  real(4, m.reward_mean);
  real(5, m.reward_std);
  real(6, m.log_z);
  real(7, m.kl);
  real(8, m.entropy);
  real(9, m.grad_norm);
  real(10, m.lr);
  real(11, m.samples_per_s);
  real(12, m.tokens_per_s);
  real(13, m.rollout_s);
  real(14, m.update_s);
  const std::string stats = nlohmann::json(m.stats).dump();
  sql::check(db, sqlite3_bind_text64(raw, 15, stats.data(), stats.size(), SQLITE_TRANSIENT, SQLITE_UTF8), path, "bind");
  const int rc = sqlite3_step(raw);
  if (rc != SQLITE_DONE) sql::fail(db, rc, path, "insert training step");
}

}  // namespace trafl::training
