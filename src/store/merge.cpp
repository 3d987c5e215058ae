// merge_databases: ATTACH each input to the output connection and copy rows set-wise in SQL, mapping
// ids through temp tables (see merge.hpp for the rules).
#include "store/merge.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <map>
#include <set>

#include "core/error.hpp"
#include "store/json_diff.hpp"
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace trafl {

namespace fs = std::filesystem;

namespace {

// Input → output id maps. Runs by identity; problems by (run, problem id); samples by
// (problem, sample index).
constexpr const char* kMapRuns = R"sql(
INSERT OR IGNORE INTO main.runs(model, task, data_path, data_sha256, config, seed, tool_version, created_at, source,
                               tool_commit, build_type)
  SELECT model, task, data_path, data_sha256, config, seed, tool_version, created_at, source, tool_commit, build_type
  FROM src.runs ORDER BY id;
CREATE TEMP TABLE run_map AS
  SELECT s.id AS src_id, m.id AS dst_id FROM src.runs s JOIN main.runs m
  ON m.model = s.model AND m.task = s.task AND m.data_sha256 = s.data_sha256 AND m.config = s.config AND m.seed = s.seed;
)sql";

constexpr const char* kProblemConflicts = R"sql(
SELECT count(*), min(r.model), min(p.problem_id) FROM src.problems p
  JOIN temp.run_map rm ON rm.src_id = p.run_id
  JOIN main.problems q ON q.run_id = rm.dst_id AND q.problem_id = p.problem_id
  JOIN main.runs r ON r.id = rm.dst_id
  WHERE q.prompt IS NOT p.prompt OR q.gold IS NOT p.gold
)sql";

constexpr const char* kCopyProblems = R"sql(
INSERT OR IGNORE INTO main.problems(run_id, problem_id, question, prompt, gold, reference, metadata)
  SELECT rm.dst_id, p.problem_id, p.question, p.prompt, p.gold, p.reference, p.metadata
  FROM src.problems p JOIN temp.run_map rm ON rm.src_id = p.run_id ORDER BY p.id
)sql";

constexpr const char* kMapProblems = R"sql(
CREATE TEMP TABLE prob_map AS
  SELECT p.id AS src_ref, q.id AS dst_ref, q.run_id AS dst_run FROM src.problems p
  JOIN temp.run_map rm ON rm.src_id = p.run_id
  JOIN main.problems q ON q.run_id = rm.dst_id AND q.problem_id = p.problem_id;
CREATE UNIQUE INDEX temp.prob_map_src ON prob_map(src_ref);
)sql";

constexpr const char* kSampleConflicts = R"sql(
SELECT count(*), min(r.model || ' ' || r.config), min(q.problem_id), min(s.sample_index) FROM src.samples s
  JOIN temp.prob_map pm ON pm.src_ref = s.problem_ref
  JOIN main.samples d ON d.problem_ref = pm.dst_ref AND d.sample_index = s.sample_index
  JOIN main.problems q ON q.id = pm.dst_ref JOIN main.runs r ON r.id = pm.dst_run
  WHERE d.completion IS NOT s.completion OR d.token_ids IS NOT s.token_ids OR d.trajectory IS NOT s.trajectory
)sql";

constexpr const char* kCopySamples = R"sql(
INSERT OR IGNORE INTO main.samples(run_id, problem_ref, sample_index, completion, token_ids, trajectory)
  SELECT pm.dst_run, pm.dst_ref, s.sample_index, s.completion, s.token_ids, s.trajectory
  FROM src.samples s JOIN temp.prob_map pm ON pm.src_ref = s.problem_ref ORDER BY s.id
)sql";

constexpr const char* kMapSamples = R"sql(
CREATE TEMP TABLE sample_map AS
  SELECT s.id AS src_id, d.id AS dst_id, d.problem_ref AS dst_ref FROM src.samples s
  JOIN temp.prob_map pm ON pm.src_ref = s.problem_ref
  JOIN main.samples d ON d.problem_ref = pm.dst_ref AND d.sample_index = s.sample_index;
CREATE UNIQUE INDEX temp.sample_map_src ON sample_map(src_id);
)sql";

constexpr const char* kGradeConflicts = R"sql(
SELECT count(*), min(g.mode) FROM src.grades g
  JOIN temp.sample_map sm ON sm.src_id = g.sample_id
  JOIN main.grades h ON h.sample_id = sm.dst_id AND h.mode = g.mode
  WHERE h.correct IS NOT g.correct OR h.verdict IS NOT g.verdict
)sql";

constexpr const char* kCopyGrades = R"sql(
INSERT OR IGNORE INTO main.grades(sample_id, mode, verdict, correct, extracted, details, problem_ref)
  SELECT sm.dst_id, g.mode, g.verdict, g.correct, g.extracted, g.details, sm.dst_ref
  FROM src.grades g JOIN temp.sample_map sm ON sm.src_id = g.sample_id ORDER BY g.id
)sql";

constexpr const char* kCopyCampaigns = R"sql(
INSERT OR IGNORE INTO main.campaigns(name, identity, created_at) SELECT name, identity, created_at FROM src.campaigns;
INSERT OR IGNORE INTO main.campaign_shards(campaign, shard, shard_count) SELECT campaign, shard, shard_count FROM src.campaign_shards;
INSERT OR IGNORE INTO main.campaign_runs(campaign, run_id)
  SELECT c.campaign, rm.dst_id FROM src.campaign_runs c JOIN temp.run_map rm ON rm.src_id = c.run_id;
)sql";

constexpr const char* kDropTemp =
    "DROP TABLE IF EXISTS temp.run_map; DROP TABLE IF EXISTS temp.prob_map; DROP TABLE IF EXISTS temp.sample_map;";

std::int64_t changes_of(sqlite3* db, const std::string& path, const char* text) {
  sql::Stmt q(db, path, text);
  return q.run();
}

std::string describe_campaigns(const std::vector<CampaignRecord>& cs) {
  if (cs.empty()) return "no campaign";
  std::vector<std::string> names;
  for (const auto& c : cs) names.push_back("'" + c.name + "'");
  return fmt::format("campaign {}", fmt::join(names, ", "));
}

// Inputs must be parts of one campaign: each shares at least one campaign name with the first input
// (a shard resumed with a larger --n also records the larger campaign; the smaller one stays), or
// none records any campaign (plain `grade` imports). A name never stands for two identities, in
// the inputs or in an output that already holds it.
void check_campaigns(const std::vector<std::string>& inputs, const std::vector<std::vector<CampaignRecord>>& records,
                     const std::string& out_path, const std::vector<CampaignRecord>& out_records) {
  std::map<std::string, std::pair<std::size_t, const CampaignRecord*>> seen;  // name -> (input, record)
  for (std::size_t i = 0; i < inputs.size(); ++i)
    for (const auto& c : records[i]) {
      auto [it, fresh] = seen.emplace(c.name, std::make_pair(i, &c));
      if (!fresh && it->second.second->identity != c.identity)
        throw InputError(
            inputs[i], 0, "campaigns",
            fmt::format("campaign '{}' has another identity than in {} (differs in: {})", c.name,
                        inputs[it->second.first], describe_differences(it->second.second->identity, c.identity)));
    }
  const auto& ref = records.front();
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    const auto& cur = records[i];
    bool shared = cur.empty() && ref.empty();
    for (const auto& a : cur)
      for (const auto& b : ref) shared = shared || a.name == b.name;
    if (!shared) {
      std::string what =
          (!cur.empty() && !ref.empty())
              ? "; identities differ in: " + describe_differences(ref.back().identity, cur.back().identity)
              : "";
      throw InputError(inputs[i], 0, "campaigns",
                       fmt::format("holds {} but {} holds {}: not shards of one campaign{}", describe_campaigns(cur),
                                   inputs[0], describe_campaigns(ref), what));
    }
  }
  for (const auto& o : out_records)
    if (auto it = seen.find(o.name); it != seen.end() && it->second.second->identity != o.identity)
      throw InputError(
          out_path, 0, "campaigns",
          fmt::format("already holds campaign '{}' with another identity than {} (differs in: {})", o.name,
                      inputs[it->second.first], describe_differences(o.identity, it->second.second->identity)));
}

std::string shard_coverage(const CampaignRecord& c) {
  std::map<std::int64_t, std::set<std::int64_t>> by_count;
  for (auto [shard, count] : c.shards) by_count[count].insert(shard);
  // Any complete partition (including an unsharded run, 0 of 1) covers every problem.
  for (auto& [count, shards] : by_count)
    if (static_cast<std::int64_t>(shards.size()) == count)
      return fmt::format("{}: complete ({} of {} shards)", c.name, count, count);
  std::vector<std::string> parts;
  for (auto& [count, shards] : by_count) {
    std::vector<std::int64_t> missing;
    for (std::int64_t s = 0; s < count; ++s)
      if (!shards.count(s)) missing.push_back(s);
    parts.push_back(
        fmt::format("shards {} of {} present, missing {}", fmt::join(shards, ", "), count, fmt::join(missing, ", ")));
  }
  return fmt::format("{}: INCOMPLETE ({})", c.name, fmt::join(parts, "; "));
}

}  // namespace

MergeSummary merge_databases(const std::vector<std::string>& inputs, const std::string& out_path) {
  if (inputs.empty()) throw UsageError("merge: give at least one input database");
  std::error_code ec;
  for (const auto& in : inputs) {
    if (!fs::exists(in, ec)) throw InputError(in, 0, "", "no such database file");
    if (fs::exists(out_path, ec) && fs::equivalent(in, out_path, ec))
      throw UsageError(fmt::format("merge: the output {} is also an input; write to a new file", out_path));
  }

  // Read (and, for an old schema, migrate) every input before the output is created: a foreign or
  // mismatched input leaves no output file behind.
  std::vector<std::vector<CampaignRecord>> records;
  std::vector<std::int64_t> run_counts;
  for (const auto& in : inputs) {
    Store s(in, Store::OpenMode::kReadOnly);
    records.push_back(s.campaigns());
    run_counts.push_back(static_cast<std::int64_t>(s.runs().size()));
  }
  std::vector<CampaignRecord> out_records;
  if (fs::exists(out_path, ec)) out_records = Store(out_path, Store::OpenMode::kReadOnly).campaigns();
  check_campaigns(inputs, records, out_path, out_records);

  Store out(out_path, Store::OpenMode::kCreate);
  sqlite3* db = out.handle();
  const std::string& path = out.path();
  MergeSummary summary;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string& in = inputs[i];
    MergeInputSummary s;
    s.path = in;
    s.runs = run_counts[i];
    {
      sql::Stmt attach(db, path, "ATTACH DATABASE ?1 AS src");
      attach.bind(1, in);
      attach.run();
    }
    try {
      sql::exec(db, path, kDropTemp);
      sql::Transaction tx(db, path);
      sql::exec(db, path, kMapRuns);
      {
        sql::Stmt q(db, path, kProblemConflicts);
        if (q.step() && q.col_int(0) > 0)
          throw InputError(
              in, 0, "problems",
              fmt::format("{} problem(s) differ from the ones already in {} (first: model {}, problem '{}'): "
                          "the same data file should give the same prompts and gold answers",
                          q.col_int(0), out_path, q.col_text(1), q.col_text(2)));
      }
      s.problems_new = changes_of(db, path, kCopyProblems);
      sql::exec(db, path, kMapProblems);
      {
        sql::Stmt q(db, path, kSampleConflicts);
        if (q.step() && q.col_int(0) > 0)
          throw InputError(
              in, 0, "samples",
              fmt::format("{} sample(s) conflict with samples already in {}: same (run, problem, index) but a "
                          "different completion, token ids or trajectory (first: run {}, problem '{}', index {}); "
                          "nothing of this input was merged",
                          q.col_int(0), out_path, q.col_text(1), q.col_text(2), q.col_int(3)));
      }
      s.samples_new = changes_of(db, path, kCopySamples);
      sql::exec(db, path, kMapSamples);
      {
        sql::Stmt q(db, path, kGradeConflicts);
        if (q.step() && q.col_int(0) > 0)
          throw InputError(
              in, 0, "grades",
              fmt::format("{} grade(s) conflict with grades already in {}: same sample and mode '{}' but a "
                          "different verdict (a different grader version?); nothing of this input was merged",
                          q.col_int(0), out_path, q.col_text(1)));
      }
      s.grades_new = changes_of(db, path, kCopyGrades);
      sql::exec(db, path, kCopyCampaigns);
      tx.commit();
      sql::exec(db, path, kDropTemp);
    } catch (...) {
      try {
        sql::exec(db, path, kDropTemp);
        sql::exec(db, path, "DETACH DATABASE src");
      } catch (...) {}
      throw;
    }
    sql::exec(db, path, "DETACH DATABASE src");
    summary.inputs.push_back(s);
  }
  for (const auto& c : out.campaigns()) {
    summary.campaigns.push_back(c.name);
    summary.shard_coverage.push_back(shard_coverage(c));
  }
  {
    sql::Stmt q(db, path, "SELECT (SELECT count(*) FROM samples), (SELECT count(*) FROM grades)");
    if (q.step()) {
      summary.samples_total = q.col_int(0);
      summary.grades_total = q.col_int(1);
    }
  }
  return summary;
}

}  // namespace trafl
