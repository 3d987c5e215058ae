#pragma once
// The run database: the hub every stage reads from and writes to (SQLite, WAL, versioned schema).
// Identity of a sample is (run, problem id, sample index); identity of a grade is (sample, mode).
// All writes are idempotent (INSERT OR IGNORE on those identities) and batched in transactions,
// so a killed process can simply be re-run: committed batches stay, the rest is redone.
#include <cstdint>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/outcomes.hpp"
#include "records/grade.hpp"
#include "records/problem.hpp"

struct sqlite3;

namespace trafl {
struct MergeSummary;
MergeSummary merge_databases(const std::vector<std::string>& inputs, const std::string& out_path);
}  // namespace trafl

namespace trafl {

struct RunSpec {
  std::string model;                                 // user-facing model name
  std::string task;                                  // task name (benchmarks registry)
  std::string data_path;                             // the data file as given (informational)
  std::string data_sha256;                           // hash of the data file (identity)
  nlohmann::json config = nlohmann::json::object();  // sampler/decoding configuration (identity)
  std::int64_t seed = 0;                             // (identity)
  std::string source;  // where samples came from, e.g. an imported samples file (informational)
};

struct SampleRow {
  std::string problem_id;
  std::int64_t sample_index = 0;
  std::string completion;
  std::vector<std::int32_t> token_ids;  // optional (model-generated samples)
  std::string trajectory;               // optional binary blob (layout documented by the sampler)
};

struct PendingSample {
  std::int64_t sample_id = 0;  // rowid in samples
  std::string problem_id;
  std::int64_t sample_index = 0;
  std::string completion;
};

struct GradeRow {
  std::int64_t sample_id = 0;
  Grade grade;
};

// A stored sample with its grade in one mode (`export`); graded = false when it has none there.
struct GradedSample {
  std::string problem_id;
  std::int64_t sample_index = 0;
  std::string completion;
  bool graded = false;
  std::string verdict;
  bool correct = false;
  std::string extracted;
};

// How two grading modes compare on the same samples of a run.
struct ModeAgreement {
  std::int64_t both_graded = 0;     // samples graded in both modes
  std::int64_t only_a_correct = 0;  // correct in mode a, not in mode b
  std::int64_t only_b_correct = 0;  // correct in mode b, not in mode a
};

struct RunInfo {
  std::int64_t id = 0;
  RunSpec spec;
  std::string tool_version;
  std::string tool_commit;  // git commit of the build that made the run, or "unknown"
  std::string build_type;   // its CMAKE_BUILD_TYPE
  std::string created_at;
};

// Result of put_samples_checked: rows new, and the positions (in the input vector) of samples whose
// identity is already stored with a different completion text.
struct PutSamplesResult {
  std::size_t inserted = 0;
  std::vector<std::size_t> conflicts;
};

// A sampling campaign as recorded in the database (schema v3; see store/schema.cpp).
struct CampaignRecord {
  std::string name;
  nlohmann::json identity = nlohmann::json::object();
  std::string created_at;
  std::vector<std::pair<std::int64_t, std::int64_t>> shards;  // (shard, shard_count) sampled into this file
  std::vector<std::int64_t> run_ids;
};

// One problem row of a run (diagnostics group the rows of several runs by problem id).
struct ProblemRow {
  std::int64_t ref = 0;  // rowid in problems
  std::int64_t run_id = 0;
  std::string problem_id;
  std::map<std::string, std::string> metadata;  // split keys (level, subject, ...), decoded as problems() does
};

// A graded sample as the analysis stages read it.
struct AnalysedSample {
  std::int64_t run_id = 0;
  std::int64_t sample_index = 0;
  bool correct = false;
  std::string verdict;
  std::string extracted;
  std::string completion;                 // only from the calls that say so
  std::optional<std::string> trajectory;  // the blob, where stored (only from the calls that say so)
};

// One optimiser step of a training run (schema v4, training_steps). NULL where a metric does not
// apply (no reward in SFT, no log Z outside TraFL, …).
struct TrainingStep {
  std::int64_t step = 0;  // 1-based optimiser step
  double loss = 0.0;
  std::optional<double> reward_mean, reward_std, log_z, kl, entropy;
  double grad_norm = 0.0;
  double lr = 0.0;
  double samples_per_s = 0.0;
  double tokens_per_s = 0.0;
  double rollout_s = 0.0;               // RL: sampling + rewards
  double update_s = 0.0;                // forward/backward/optimiser
  std::map<std::string, double> stats;  // everything else the objective reported
};

class Store {
 public:
  enum class OpenMode {
    kCreate,    // create the file if missing (writers: grade, sample)
    kExisting,  // a missing file is an InputError; opened for writing (merge's output)
    kReadOnly,  // kExisting, and nothing is ever written (readers: passk, diagnose, report, merge's
                // inputs), so a database on read-only media or a read-only mount opens; an older
                // schema is migrated only where the file can be written
  };

  // Opens or creates the database and applies pending schema migrations. A file that is not a
  // trafl-eval database, or one written by a newer schema, is an InputError naming the file.
  explicit Store(const std::string& path, OpenMode mode = OpenMode::kCreate);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  static int latest_schema_version();
  int schema_version() const;
  const std::string& path() const { return path_; }

  // Same (model, task, data_sha256, canonical config, seed) → same run id; otherwise a new run.
  std::int64_t ensure_run(const RunSpec& spec);
  std::vector<RunInfo> runs() const;

  // Idempotent: existing (run, problem id) rows are left as they are.
  void put_problems(std::int64_t run_id, const std::vector<Problem>& problems);
  std::vector<Problem> problems(std::int64_t run_id) const;

  // One transaction per call. Existing (run, problem id, sample index) rows are ignored.
  // Returns how many rows were new. Every problem id must have been put with put_problems.
  // An identity already stored with a DIFFERENT completion is never silently kept or replaced:
  // put_samples throws (InputError naming the database), nothing of the call is written.
  std::size_t put_samples(std::int64_t run_id, const std::vector<SampleRow>& samples);
  // Same, but reports conflicts instead of throwing (the call is rolled back when there are any),
  // so a caller that knows where the samples came from can name file and line.
  PutSamplesResult put_samples_checked(std::int64_t run_id, const std::vector<SampleRow>& samples);

  // Every (problem id, sample index) stored for the run: resumable sampling reads this once and
  // samples only what is missing.
  std::vector<std::pair<std::string, std::int64_t>> sample_keys(std::int64_t run_id) const;
  // The run's samples with token ids and trajectory, ordered by problem id then sample index
  // (the order does not depend on insertion order, so shards merged compare equal to one run).
  std::vector<SampleRow> samples(std::int64_t run_id) const;

  // Campaigns (store_campaign.cpp). put_campaign is idempotent and adds this shard and these
  // runs to the record; it never rewrites an identity (the caller compares identities first).
  std::optional<CampaignRecord> campaign(const std::string& name) const;
  std::vector<CampaignRecord> campaigns() const;
  void put_campaign(const std::string& name, const nlohmann::json& identity, std::int64_t shard,
                    std::int64_t shard_count, const std::vector<std::int64_t>& run_ids);

  // Samples of `run_id` that have no grade in `mode`, ordered by sample id, ids > after_sample_id,
  // at most `limit` rows. Resumable grading pages through this.
  std::vector<PendingSample> ungraded(std::int64_t run_id, std::string_view mode, std::size_t limit,
                                      std::int64_t after_sample_id = 0) const;

  // One transaction per call; existing (sample, mode) grades are ignored. Returns rows new.
  std::size_t put_grades(const std::vector<GradeRow>& grades);

  // Export (store_export.cpp): the modes the run has grades in, most grades first; and every
  // sample of the run with its grade in `mode`, in the problems' stored order then sample index,
  // streamed (a run can hold millions).
  std::vector<std::pair<std::string, std::int64_t>> grade_modes(std::int64_t run_id) const;
  void for_each_graded_sample(std::int64_t run_id, std::string_view mode,
                              const std::function<void(const GradedSample&)>& fn) const;

  std::int64_t count_samples(std::int64_t run_id) const;
  std::int64_t count_grades(std::int64_t run_id, std::string_view mode) const;
  std::int64_t count_correct(std::int64_t run_id, std::string_view mode) const;
  ModeAgreement mode_agreement(std::int64_t run_id, std::string_view mode_a, std::string_view mode_b) const;

  // Per-problem (n, c) for pass@k, grouped by model × task × mode × config (runs that differ
  // only in seed or data path pool their samples). Ordered by group, split, problem id.
  // With query.by set, split = the problem's metadata value for that key ("" when absent).
  std::vector<ProblemOutcome> outcomes(const OutcomeQuery& query) const;

  // Reads for the analysis stages (store_analysis.cpp): diagnostics and the report ask here,
  // never in SQL of their own.
  // The grading modes present among the runs' grades, sorted.
  std::vector<std::string> graded_modes(const std::vector<std::int64_t>& run_ids) const;
  // Every problem row of the runs, in rowid order.
  std::vector<ProblemRow> problem_rows(const std::vector<std::int64_t>& run_ids) const;
  // The samples of one problem row graded in `mode`, by sample index, appended to `out`, with
  // their trajectory blobs (no completion text: diagnostics read millions of these).
  void graded_samples(std::int64_t problem_ref, std::string_view mode, std::vector<AnalysedSample>& out) const;
  // Up to `limit` samples of (run, problem id) graded in `mode` with this `correct` value, by
  // sample index, with their completion text (the report's problem pages).
  std::vector<AnalysedSample> graded_samples(std::int64_t run_id, std::string_view problem_id, std::string_view mode,
                                             bool correct, std::int64_t limit) const;
  // One stored problem of a run; nullopt when the run has no such problem id.
  std::optional<Problem> problem(std::int64_t run_id, std::string_view problem_id) const;

  // Training runs (store_training.cpp). Same (out_dir, resolved config) → same id, so a resumed
  // run keeps its id; a step redone after a resume replaces its row (with the same values).
  std::int64_t ensure_training_run(const std::string& out_dir, const std::string& method,
                                   const std::string& config_json);
  void put_training_step(std::int64_t training_run_id, const TrainingStep& step);

 private:
  // The connection stays inside src/store: every query is a member above (the merge, which
  // attaches other files, is the store's own code too).
  friend MergeSummary merge_databases(const std::vector<std::string>& inputs, const std::string& out_path);
  sqlite3* handle() const { return db_; }
  struct Statements;  // store/statements.hpp
  void open_raw(const std::string& target, int flags);
  int open_read_only();  // returns the schema version
  void open_read_write(OpenMode mode);
  void close();

  std::string path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statements> stmts_;
};

}  // namespace trafl
