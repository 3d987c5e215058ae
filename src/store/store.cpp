#include "store/store.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <filesystem>
#include <unordered_map>

#include "core/build_info.hpp"
#include "core/error.hpp"
#include "store/schema.hpp"
#include "store/sqlite.hpp"
#include "store/statements.hpp"

namespace trafl {

namespace {

// token_ids blob layout: int32 little-endian, one per token (independent of host byte order).
std::string encode_tokens(const std::vector<std::int32_t>& ids) {
  std::string out(ids.size() * 4, '\0');
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto v = static_cast<std::uint32_t>(ids[i]);
    for (int b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<char>((v >> (8 * b)) & 0xff);
  }
  return out;
}

// JSON we store must always serialise: completions are hostile text and may carry invalid UTF-8
// into extracted answers or grade details; replace rather than throw mid-batch.
std::string dump_json(const nlohmann::json& j, const char* if_null) {
  if (j.is_null()) return if_null;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

constexpr const char* kInsertRun =
    "INSERT OR IGNORE INTO runs(model, task, data_path, data_sha256, config, seed, tool_version, created_at, source, "
    "tool_commit, build_type) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?8, ?9, ?10)";
constexpr const char* kFindRun =
    "SELECT id FROM runs WHERE model = ?1 AND task = ?2 AND data_sha256 = ?3 AND config = ?4 AND seed = ?5";
constexpr const char* kInsertProblem =
    "INSERT OR IGNORE INTO problems(run_id, problem_id, question, prompt, gold, reference, metadata) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kProblemRefs = "SELECT problem_id, id FROM problems WHERE run_id = ?1";
constexpr const char* kInsertSample =
    "INSERT OR IGNORE INTO samples(run_id, problem_ref, sample_index, completion, token_ids, trajectory) "
    "VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
constexpr const char* kExistingCompletion =
    "SELECT completion FROM samples WHERE problem_ref = ?1 AND sample_index = ?2";
constexpr const char* kUngraded =
    "SELECT s.id, p.problem_id, s.sample_index, s.completion FROM samples s "
    "JOIN problems p ON p.id = s.problem_ref "
    "WHERE s.run_id = ?1 AND s.id > ?2 "
    "AND NOT EXISTS (SELECT 1 FROM grades g WHERE g.sample_id = s.id AND g.mode = ?3) "
    "ORDER BY s.id LIMIT ?4";
// The grade row copies its sample's problem_ref (schema v2) for the outcomes index.
constexpr const char* kInsertGrade =
    "INSERT OR IGNORE INTO grades(sample_id, mode, verdict, correct, extracted, details, problem_ref) "
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, problem_ref FROM samples WHERE id = ?1";
constexpr const char* kSampleExists = "SELECT 1 FROM samples WHERE id = ?1";
constexpr const char* kCountSamples = "SELECT count(*) FROM samples WHERE run_id = ?1";
constexpr const char* kCountGrades =
    "SELECT count(*), coalesce(sum(g.correct), 0) FROM grades g JOIN problems p ON p.id = g.problem_ref "
    "WHERE p.run_id = ?1 AND g.mode = ?2";

// Samples graded in both modes, and how many of them the two modes judge differently.
constexpr const char* kModeAgreement =
    "SELECT count(*), coalesce(sum(a.correct > b.correct), 0), coalesce(sum(a.correct < b.correct), 0) "
    "FROM grades a JOIN grades b ON b.sample_id = a.sample_id AND b.mode = ?3 "
    "JOIN problems p ON p.id = a.problem_ref WHERE p.run_id = ?1 AND a.mode = ?2";

// Aggregates first, per (problem row, mode), as one ordered pass over the covering index
// grades_outcome, restricted to the problems of matching runs; then joins the few thousand
// aggregates to problems and runs to name the groups. Runs sharing model × task × config
// (e.g. different seeds) pool their samples of the same problem id.
constexpr const char* kOutcomes = R"sql(
WITH agg AS (
  SELECT problem_ref, mode, count(*) AS n, sum(correct) AS c
  FROM grades
  WHERE (?3 = '' OR mode = ?3)
    AND problem_ref IN (SELECT p.id FROM problems p JOIN runs r ON r.id = p.run_id
                        WHERE (?1 = '' OR r.task = ?1) AND (?2 = '' OR r.model = ?2))
  GROUP BY problem_ref, mode
)
SELECT r.model, r.task, a.mode, r.config,
       CASE WHEN ?4 = '' THEN '' ELSE coalesce(CAST(json_extract(p.metadata, ?5) AS TEXT), '') END AS split,
       p.problem_id, sum(a.n), sum(a.c)
FROM agg a JOIN problems p ON p.id = a.problem_ref JOIN runs r ON r.id = p.run_id
GROUP BY r.model, r.task, a.mode, r.config, split, p.problem_id
ORDER BY r.model, r.task, a.mode, r.config, split, p.problem_id
)sql";

}  // namespace

Store::Store(const std::string& path, OpenMode mode) : path_(path), stmts_(std::make_unique<Statements>()) {
  std::error_code ec;
  if (mode != OpenMode::kCreate && !std::filesystem::exists(path, ec))
    throw InputError(path, 0, "", "no such database file");
  if (std::filesystem::is_directory(path, ec)) throw InputError(path, 0, "", "is a directory, not a database file");
  if (mode == OpenMode::kCreate) {
    // "created if missing" includes its folder: `--db results/new/runs.db` must not fail with
    // SQLite's "unable to open database file" (issue 20).
    const auto folder = std::filesystem::path(path).parent_path();
    if (!folder.empty() && !std::filesystem::is_directory(folder, ec)) {
      std::filesystem::create_directories(folder, ec);
      if (ec)
        throw InputError(path, 0, "", fmt::format("cannot create its folder {}: {}", folder.string(), ec.message()));
    }
  }
  if (mode == OpenMode::kReadOnly) {
    const int version = open_read_only();
    // An older schema cannot be read as is: migrate it where the file is writable (as before), and
    // say what to do where it is not.
    if (version < schema::latest_version()) {
      close();
      if (::access(path.c_str(), W_OK) != 0)
        throw InputError(
            path, 0, "",
            fmt::format("schema version {} is older than this build's {} and the file is read-only: copy it "
                        "somewhere writable once so it can be upgraded",
                        version, schema::latest_version()));
      open_read_write(OpenMode::kExisting);
    }
    return;
  }
  open_read_write(mode);
}

void Store::close() {
  stmts_ = std::make_unique<Statements>();
  if (db_) sqlite3_close(db_);
  db_ = nullptr;
}

void Store::open_raw(const std::string& target, int flags) {
  int rc = sqlite3_open_v2(target.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw InputError(path_, 0, "", fmt::format("cannot open database: {}", msg));
  }
  sqlite3_extended_result_codes(db_, 1);
  // Another trafl-eval writing to the same file waits, rather than failing at once.
  sqlite3_busy_timeout(db_, 30000);
}

int Store::open_read_only() {
  // A WAL database is read through its -shm index, which SQLite creates next to the file when it is
  // missing; on a read-only mount it cannot, and the first read fails (SQLITE_CANTOPEN at "PRAGMA
  // application_id"). There the file is opened as immutable: nobody can be writing to it, so reading it
  // without locks or the WAL index is exact. Where the directory is writable the normal read-only
  // open keeps readers safe next to a concurrent writer.
  const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
  open_raw(path_, flags);
  try {
    return schema::check_identity(db_, path_);
  } catch (const InputError&) {
    close();
    throw;
  } catch (const std::exception&) {
    close();
    if (std::filesystem::exists(path_ + "-wal")) throw;  // a live WAL must be read through its index
  }
  std::string uri = "file:";
  for (char c : path_) {  // percent-encode what a URI path cannot hold as is
    if (c == '%' || c == '?' || c == '#')
      uri += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    else
      uri += c;
  }
  open_raw(uri + "?immutable=1", flags | SQLITE_OPEN_URI);
  try {
    return schema::check_identity(db_, path_);
  } catch (...) {
    close();
    throw;
  }
}

void Store::open_read_write(OpenMode mode) {
  open_raw(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (mode == OpenMode::kCreate ? SQLITE_OPEN_CREATE : 0));
  try {
    // Identity before any write: a foreign file must be left exactly as it was.
    schema::check_identity(db_, path_);
    // WAL: readers never block the writer; synchronous=NORMAL is durable against process
    // crashes (kill -9) and loses at most the last commits on power loss, never consistency.
    sql::exec(db_, path_, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
    // Larger page cache and in-memory temp b-trees help ingest and the outcomes aggregation.
    // Checkpointing every ~40 MB of WAL instead of every 4 MB: each checkpoint costs two fsyncs
    // (slow on shared disks), and bulk ingest otherwise spends much of its wall time in them.
    sql::exec(db_, path_, "PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 10000;");
    schema::migrate(db_, path_);
  } catch (...) {
    close();
    throw;
  }
}

Store::~Store() {
  stmts_.reset();  // statements must be finalized before the connection closes
  if (db_) sqlite3_close(db_);
}

int Store::latest_schema_version() { return schema::latest_version(); }

int Store::schema_version() const {
  sql::Stmt q(db_, path_, "PRAGMA user_version");
  return q.step() ? static_cast<int>(q.col_int(0)) : 0;
}

std::int64_t Store::ensure_run(const RunSpec& spec) {
  // nlohmann::json objects are std::maps: dump() is already canonical (sorted keys, no spaces).
  std::string config = dump_json(spec.config, "{}");
  sql::Transaction tx(db_, path_);
  {
    auto q = TRAFL_STMT(kInsertRun);
    q->bind(1, spec.model).bind(2, spec.task).bind(3, spec.data_path).bind(4, spec.data_sha256);
    q->bind(5, config).bind(6, spec.seed).bind(7, std::string_view(TRAFL_VERSION)).bind(8, spec.source);
    q->bind(9, std::string_view(build_commit())).bind(10, std::string_view(build_type()));
    q->run();
  }
  std::int64_t id = 0;
  {
    auto q = TRAFL_STMT(kFindRun);
    q->bind(1, spec.model).bind(2, spec.task).bind(3, spec.data_sha256).bind(4, config).bind(5, spec.seed);
    if (!q->step()) throw std::runtime_error(fmt::format("{}: run vanished after insert", path_));
    id = q->col_int(0);
  }
  tx.commit();
  return id;
}

std::vector<RunInfo> Store::runs() const {
  sql::Stmt q(db_, path_,
              "SELECT id, model, task, data_path, data_sha256, config, seed, source, tool_version, created_at, "
              "tool_commit, build_type FROM runs ORDER BY id");
  std::vector<RunInfo> out;
  while (q.step()) {
    RunInfo r;
    r.id = q.col_int(0);
    r.spec.model = q.col_text(1);
    r.spec.task = q.col_text(2);
    r.spec.data_path = q.col_text(3);
    r.spec.data_sha256 = q.col_text(4);
    r.spec.config = nlohmann::json::parse(q.col_text(5), nullptr, false);
    r.spec.seed = q.col_int(6);
    r.spec.source = q.col_text(7);
    r.tool_version = q.col_text(8);
    r.created_at = q.col_text(9);
    r.tool_commit = q.col_text(10);
    r.build_type = q.col_text(11);
    out.push_back(std::move(r));
  }
  return out;
}

void Store::put_problems(std::int64_t run_id, const std::vector<Problem>& problems) {
  sql::Transaction tx(db_, path_);
  {
    auto q = TRAFL_STMT(kInsertProblem);
    for (const auto& p : problems) {
      nlohmann::json meta(p.metadata);
      q->bind(1, run_id).bind(2, p.id).bind(3, p.question).bind(4, p.prompt).bind(5, p.gold);
      q->bind(6, p.reference).bind(7, dump_json(meta, "{}"));
      q->run();
      q->reset();
    }
  }
  tx.commit();
  stmts_->refs_run = -1;  // the problem-row map may now be incomplete
}

std::vector<Problem> Store::problems(std::int64_t run_id) const {
  sql::Stmt q(
      db_, path_,
      "SELECT problem_id, question, prompt, gold, reference, metadata FROM problems WHERE run_id = ?1 ORDER BY id");
  q.bind(1, run_id);
  std::vector<Problem> out;
  while (q.step()) out.push_back(problem_from_row(q));
  return out;
}

std::size_t Store::put_samples(std::int64_t run_id, const std::vector<SampleRow>& samples) {
  auto result = put_samples_checked(run_id, samples);
  if (!result.conflicts.empty()) {
    const auto& s = samples[result.conflicts.front()];
    throw InputError(
        path_, 0, "",
        fmt::format("sample (problem {}, index {}) of run {} is already stored with a different completion "
                    "({} conflicting samples; nothing of this batch was written)",
                    s.problem_id, s.sample_index, run_id, result.conflicts.size()));
  }
  return result.inserted;
}

PutSamplesResult Store::put_samples_checked(std::int64_t run_id, const std::vector<SampleRow>& samples) {
  PutSamplesResult result;
  sql::Transaction tx(db_, path_);
  // Map problem ids to problem rows (loaded once per run; reloaded on a miss in case another
  // writer added problems since).
  auto load_refs = [&] {
    stmts_->refs.clear();
    auto q = TRAFL_STMT(kProblemRefs);
    q->bind(1, run_id);
    while (q->step()) stmts_->refs.emplace(q->col_text(0), q->col_int(1));
    stmts_->refs_run = run_id;
  };
  if (stmts_->refs_run != run_id) load_refs();
  auto insert = TRAFL_STMT(kInsertSample);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    auto ref = stmts_->refs.find(s.problem_id);
    if (ref == stmts_->refs.end()) {
      load_refs();
      ref = stmts_->refs.find(s.problem_id);
      if (ref == stmts_->refs.end())
        throw std::runtime_error(
            fmt::format("{}: problem '{}' is not stored for run {} (put_problems first)", path_, s.problem_id, run_id));
    }
    insert->bind(1, run_id).bind(2, ref->second).bind(3, s.sample_index).bind_static(4, s.completion);
    if (s.token_ids.empty()) {
      insert->bind_null(5);
    } else {
      std::string blob = encode_tokens(s.token_ids);
      insert->bind_blob(5, blob.data(), blob.size());
    }
    insert->bind_blob(6, s.trajectory.data(), s.trajectory.size());
    int changed = insert->run();
    insert->reset();
    if (changed > 0) {
      ++result.inserted;
      continue;
    }
    // Already stored: identical text is the idempotent re-run; different text would be a silent mix.
    auto existing = TRAFL_STMT(kExistingCompletion);
    existing->bind(1, ref->second).bind(2, s.sample_index);
    if (existing->step() && existing->col_text(0) != s.completion) result.conflicts.push_back(i);
  }
  if (!result.conflicts.empty()) {
    result.inserted = 0;
    return result;  // the transaction rolls back
  }
  tx.commit();
  return result;
}

std::vector<PendingSample> Store::ungraded(std::int64_t run_id, std::string_view mode, std::size_t limit,
                                           std::int64_t after_sample_id) const {
  auto q = TRAFL_STMT(kUngraded);
  q->bind(1, run_id).bind(2, after_sample_id).bind(3, mode).bind(4, static_cast<std::int64_t>(limit));
  std::vector<PendingSample> out;
  out.reserve(limit < 100000 ? limit : 100000);
  while (q->step()) out.push_back(PendingSample{q->col_int(0), q->col_text(1), q->col_int(2), q->col_text(3)});
  return out;
}

std::size_t Store::put_grades(const std::vector<GradeRow>& grades) {
  std::size_t inserted = 0;
  sql::Transaction tx(db_, path_);
  {
    auto q = TRAFL_STMT(kInsertGrade);
    for (const auto& row : grades) {
      const Grade& g = row.grade;
      std::string details = dump_json(g.details, "{}");
      q->bind(1, row.sample_id)
          .bind_static(2, g.mode)
          .bind_static(3, g.verdict)
          .bind(4, std::int64_t{g.correct ? 1 : 0});
      q->bind_static(5, g.extracted).bind_static(6, details);
      int changed = q->run();
      q->reset();
      if (changed > 0) {
        ++inserted;
        continue;
      }
      // Ignored: either graded already in this mode (fine) or no such sample (a caller bug).
      auto exists = TRAFL_STMT(kSampleExists);
      exists->bind(1, row.sample_id);
      if (!exists->step())
        throw std::runtime_error(fmt::format("{}: put_grades: no sample with id {}", path_, row.sample_id));
    }
  }
  tx.commit();
  return inserted;
}

std::int64_t Store::count_samples(std::int64_t run_id) const {
  auto q = TRAFL_STMT(kCountSamples);
  q->bind(1, run_id);
  return q->step() ? q->col_int(0) : 0;
}

std::int64_t Store::count_grades(std::int64_t run_id, std::string_view mode) const {
  auto q = TRAFL_STMT(kCountGrades);
  q->bind(1, run_id).bind(2, mode);
  return q->step() ? q->col_int(0) : 0;
}

std::int64_t Store::count_correct(std::int64_t run_id, std::string_view mode) const {
  auto q = TRAFL_STMT(kCountGrades);
  q->bind(1, run_id).bind(2, mode);
  return q->step() ? q->col_int(1) : 0;
}

ModeAgreement Store::mode_agreement(std::int64_t run_id, std::string_view mode_a, std::string_view mode_b) const {
  auto q = TRAFL_STMT(kModeAgreement);
  q->bind(1, run_id).bind(2, mode_a).bind(3, mode_b);
  ModeAgreement out;
  if (q->step()) {
    out.both_graded = q->col_int(0);
    out.only_a_correct = q->col_int(1);
    out.only_b_correct = q->col_int(2);
  }
  return out;
}

std::vector<ProblemOutcome> Store::outcomes(const OutcomeQuery& query) const {
  auto q = TRAFL_STMT(kOutcomes);
  // JSON path with the key quoted, so keys with dots or spaces work: $."key"
  std::string path = "$.\"";
  for (char ch : query.by) {
    if (ch == '"' || ch == '\\') path += '\\';
    path += ch;
  }
  path += '"';
  q->bind(1, query.task).bind(2, query.model).bind(3, query.mode).bind(4, query.by).bind(5, path);
  std::vector<ProblemOutcome> out;
  while (q->step()) {
    ProblemOutcome o;
    o.group = GroupKey{q->col_text(0), q->col_text(1), q->col_text(2), q->col_text(3)};
    o.split = q->col_text(4);
    o.problem_id = q->col_text(5);
    o.n = q->col_int(6);
    o.c = q->col_int(7);
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace trafl
