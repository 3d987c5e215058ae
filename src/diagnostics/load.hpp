#pragma once
// Reading the run database for the diagnostics: which (model, task, cell) groups exist, and the
// per-problem statistics of one group, streamed problem by problem (only one problem's samples are
// in memory at a time; 256 samples × 500 problems × several models never are).
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diagnostics/diagnostics.hpp"

namespace trafl::diagnostics {

struct GroupSource {
  std::string model;
  std::string task;
  std::string mode;  // grading mode used for this group
  nlohmann::json cell_config;
  std::string cell_key;  // task + canonical cell config
  std::vector<std::int64_t> run_ids;
  std::vector<std::int64_t> seeds;
  std::size_t block_length = 0;  // for the Kendall distance (0 = all pairs)
};

// Groups of the database (filtered by options.task), ordered by cell key then model. `models`
// receives every model name in the database (sorted). UsageError for a task filter that matches nothing.
std::vector<GroupSource> find_groups(const Store& store, const Options& options, std::vector<std::string>& models);

// Per-problem statistics of a group, ordered by problem id; problems without a graded sample in
// the group's mode are skipped (their count is returned in `skipped`).
std::vector<ProblemStats> load_problem_stats(const Store& store, const GroupSource& group,
                                             const TrajectoryOptions& options, std::int64_t& skipped);

}  // namespace trafl::diagnostics
