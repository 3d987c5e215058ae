#include "diagnostics/load.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "diagnostics/answer_key.hpp"
#include "grading/grade.hpp"
#include "sampling/trajectory.hpp"
#include "store/store.hpp"

namespace trafl::diagnostics {

namespace {

// The keys of a run's config that identify the model (what cell_config drops, less seed and paths).
nlohmann::json model_identity(const nlohmann::json& config) {
  nlohmann::json out = nlohmann::json::object();
  if (!config.is_object()) return out;
  for (auto& [k, v] : config.items())
    if ((k.find("model") != std::string::npos || k.find("checkpoint") != std::string::npos) &&
        k.find("path") == std::string::npos)
      out[k] = v;
  return out;
}

std::string choose_mode(const std::string& task, const std::vector<std::string>& modes, const std::string& wanted) {
  if (!wanted.empty()) return wanted;
  if (modes.empty()) return "";
  try {
    const std::string preferred = make_task(task)->default_mode();
    if (std::find(modes.begin(), modes.end(), preferred) != modes.end()) return preferred;
  } catch (const UsageError&) {
    // A task this build does not know (an imported database): fall back to the first mode.
  }
  return modes.front();
}

std::size_t block_length_of(const nlohmann::json& config) {
  auto get = [&](const char* key) -> std::int64_t {
    auto it = config.find(key);
    return it != config.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
  };
  const std::int64_t block = get("block_length"), length = get("gen_length");
  if (block <= 0 || (length > 0 && block >= length)) return 0;
  return static_cast<std::size_t>(block);
}

}  // namespace

std::vector<GroupSource> find_groups(const Store& store, const Options& options, std::vector<std::string>& models) {
  std::map<std::pair<std::string, std::string>, GroupSource> groups;  // (cell key, model)
  std::map<std::pair<std::string, std::string>, std::pair<nlohmann::json, std::int64_t>>
      g_model_keys;  // its first run's model keys
  std::set<std::string> model_set, task_set;
  for (const auto& run : store.runs()) {
    // A run without samples has nothing to analyse. It exists when a campaign was killed before its
    // first batch was stored; if that checkpoint was then replaced under the same name, the empty
    // run would claim the name for the old checkpoint and block the cell (the model check below).
    if (store.count_samples(run.id) == 0) continue;
    model_set.insert(run.spec.model);
    task_set.insert(run.spec.task);
    if (!options.task.empty() && run.spec.task != options.task) continue;
    nlohmann::json cell = cell_config(run.spec.config);
    const std::string key = run.spec.task + "\x1f" + cell.dump();
    auto& g = groups[{key, run.spec.model}];
    if (g.run_ids.empty()) {
      g.model = run.spec.model;
      g.task = run.spec.task;
      g.cell_config = cell;
      g.cell_key = key;
      g.block_length = block_length_of(cell);
    }
    // One model name must mean one model within a cell: runs pooled under a name whose configs name
    // different checkpoints (model_sha256 and the like) would mix two models' samples silently.
    const nlohmann::json model_keys = model_identity(run.spec.config);
    if (g.run_ids.empty()) {
      g_model_keys[{key, run.spec.model}] = {model_keys, run.id};
    } else if (const auto& [first_keys, first_run] = g_model_keys.at({key, run.spec.model}); first_keys != model_keys) {
      throw InputError(
          store.path(), 0, "runs",
          fmt::format("model name '{}' names two different models in one configuration cell: run {} has {} "
                      "and run {} has {}; give each checkpoint its own name (sample --model NAME=DIR)",
                      run.spec.model, first_run, first_keys.dump(), run.id, model_keys.dump()));
    }
    g.run_ids.push_back(run.id);
    g.seeds.push_back(run.spec.seed);
  }
  models.assign(model_set.begin(), model_set.end());
  if (!options.task.empty() && task_set.count(options.task) == 0)
    throw UsageError(
        fmt::format("--task {}: no runs of this task in {} (tasks there: {})", options.task, store.path(),
                    task_set.empty() ? std::string("none") : fmt::format("{}", fmt::join(task_set, ", "))));
  std::vector<GroupSource> out;
  for (auto& [key, g] : groups) {
    g.mode = choose_mode(g.task, store.graded_modes(g.run_ids), options.mode);
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<ProblemStats> load_problem_stats(const Store& store, const GroupSource& group,
                                             const TrajectoryOptions& options, std::int64_t& skipped) {
  skipped = 0;
  // problem id → its rows (one per run of the group) and metadata.
  std::map<std::string, std::pair<std::vector<std::int64_t>, std::map<std::string, std::string>>> problems;
  for (auto& row : store.problem_rows(group.run_ids)) {
    auto& entry = problems[row.problem_id];
    if (entry.first.empty()) entry.second = std::move(row.metadata);  // the first run's, as every run stores it
    entry.first.push_back(row.ref);
  }
  const AnswerKind kind = is_math_mode(group.mode) ? AnswerKind::kMath : AnswerKind::kCode;
  std::vector<AnalysedSample> graded;
  std::vector<ProblemStats> out;
  std::vector<SampleView> views;
  for (const auto& [problem_id, entry] : problems) {
    views.clear();
    for (std::int64_t ref : entry.first) {
      graded.clear();
      store.graded_samples(ref, group.mode, graded);
      for (auto& g : graded) {
        SampleView v;
        v.sample_index = g.sample_index;
        v.correct = g.correct;
        v.answer_key = answer_key(kind, g.extracted);
        if (g.trajectory && !g.trajectory->empty()) {
          auto t = sampling::decode_trajectory(reinterpret_cast<const std::uint8_t*>(g.trajectory->data()),
                                               g.trajectory->size(),
                                               fmt::format("{}: trajectory of model {} problem {} sample {}",
                                                           store.path(), group.model, problem_id, v.sample_index));
          v.steps = std::move(t.step);
        }
        views.push_back(std::move(v));
      }
    }
    if (views.empty()) {
      ++skipped;
      continue;
    }
    out.push_back(summarize_problem(problem_id, entry.second, views, options));
  }
  return out;
}

}  // namespace trafl::diagnostics
