#pragma once
// `trafl-eval merge`: combine run databases (typically the shards of one sampling campaign) into one.
// Runs are matched by identity (model, task, data hash, config, seed), problems by (run, problem id),
// samples by (run, problem id, sample index), grades by (sample, mode): every copy is INSERT OR
// IGNORE, so re-merging adds nothing and the order of inputs does not matter.
//
// Refused (InputError naming the file, nothing of that input written):
//   * inputs recording different campaigns (different names, or one name with different identities):
//     the message lists the identity keys that differ;
//   * a conflicting duplicate: the same sample identity with a different completion, token ids or
//     trajectory; the same problem with a different prompt or gold; the same (sample, mode) with a
//     different verdict. Identical duplicates (overlapping shards, a re-merge) are fine.
// Inputs are opened as stores (an older schema is migrated in place, as every command does).
#include <cstdint>
#include <string>
#include <vector>

namespace trafl {

struct MergeInputSummary {
  std::string path;
  std::int64_t runs = 0;          // runs in the input
  std::int64_t problems_new = 0;  // rows added to the output
  std::int64_t samples_new = 0;
  std::int64_t grades_new = 0;
};

struct MergeSummary {
  std::vector<MergeInputSummary> inputs;
  std::vector<std::string> campaigns;  // campaign names in the output after the merge
  // Per campaign: "complete (4 of 4 shards)" or "shards 0, 2 of 4 present; missing 1, 3".
  std::vector<std::string> shard_coverage;
  std::int64_t samples_total = 0;  // in the output
  std::int64_t grades_total = 0;
};

MergeSummary merge_databases(const std::vector<std::string>& inputs, const std::string& out_path);

}  // namespace trafl
