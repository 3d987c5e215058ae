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
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace trafl::diagnostics {

namespace {

std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string s;
  for (auto id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

std::vector<std::string> graded_modes(const Store& store, const std::vector<std::int64_t>& run_ids) {
  // One index probe per problem row (grades_outcome is keyed by problem_ref, mode).
  sql::Stmt q(store.handle(), store.path(),
              "SELECT DISTINCT g.mode FROM problems p JOIN grades g ON g.problem_ref = p.id WHERE p.run_id IN (" +
                  id_list(run_ids) + ") ORDER BY g.mode");
  std::vector<std::string> modes;
  while (q.step()) modes.push_back(q.col_text(0));
  return modes;
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

std::map<std::string, std::string> parse_metadata(const std::string& text) {
  std::map<std::string, std::string> out;
  auto meta = nlohmann::json::parse(text, nullptr, false);
  if (meta.is_object())
    for (auto& [k, v] : meta.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

}  // namespace

std::vector<GroupSource> find_groups(const Store& store, const Options& options, std::vector<std::string>& models) {
  std::map<std::pair<std::string, std::string>, GroupSource> groups;  // (cell key, model)
  std::set<std::string> model_set, task_set;
  for (const auto& run : store.runs()) {
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
    g.run_ids.push_back(run.id);
    g.seeds.push_back(run.spec.seed);
  }
  models.assign(model_set.begin(), model_set.end());
  if (!options.task.empty() && task_set.count(options.task) == 0)
    throw UsageError(fmt::format("--task {}: no runs of this task in {} (tasks there: {})", options.task, store.path(),
                                 task_set.empty() ? std::string("none") : fmt::format("{}", fmt::join(task_set, ", "))));
  std::vector<GroupSource> out;
  for (auto& [key, g] : groups) {
    g.mode = choose_mode(g.task, graded_modes(store, g.run_ids), options.mode);
    out.push_back(std::move(g));
  }
  return out;
}

std::vector<ProblemStats> load_problem_stats(const Store& store, const GroupSource& group,
                                             const TrajectoryOptions& options, std::int64_t& skipped) {
  skipped = 0;
  // problem id → its rows (one per run of the group) and metadata.
  std::map<std::string, std::pair<std::vector<std::int64_t>, std::string>> problems;
  {
    sql::Stmt q(store.handle(), store.path(),
                "SELECT id, problem_id, metadata FROM problems WHERE run_id IN (" + id_list(group.run_ids) + ")");
    while (q.step()) {
      auto& entry = problems[q.col_text(1)];
      entry.first.push_back(q.col_int(0));
      if (entry.second.empty()) entry.second = q.col_text(2);
    }
  }
  const AnswerKind kind = is_math_mode(group.mode) ? AnswerKind::math : AnswerKind::code;
  sql::Stmt samples(store.handle(), store.path(),
                    "SELECT s.sample_index, s.trajectory, g.correct, g.extracted FROM samples s "
                    "JOIN grades g ON g.sample_id = s.id AND g.mode = ?2 "
                    "WHERE s.problem_ref = ?1 ORDER BY s.sample_index");
  std::vector<ProblemStats> out;
  std::vector<SampleView> views;
  for (const auto& [problem_id, entry] : problems) {
    views.clear();
    for (std::int64_t ref : entry.first) {
      samples.bind(1, ref).bind(2, group.mode);
      while (samples.step()) {
        SampleView v;
        v.sample_index = samples.col_int(0);
        v.correct = samples.col_int(2) != 0;
        v.answer_key = answer_key(kind, samples.col_text(3));
        if (!samples.col_null(1)) {
          const std::string blob = samples.col_blob(1);
          if (!blob.empty()) {
            auto t = sampling::decode_trajectory(
                reinterpret_cast<const std::uint8_t*>(blob.data()), blob.size(),
                fmt::format("{}: trajectory of model {} problem {} sample {}", store.path(), group.model, problem_id,
                            v.sample_index));
            v.steps = std::move(t.step);
          }
        }
        views.push_back(std::move(v));
      }
      samples.reset();
    }
    if (views.empty()) {
      ++skipped;
      continue;
    }
    out.push_back(summarize_problem(problem_id, parse_metadata(entry.second), views, options));
  }
  return out;
}

}  // namespace trafl::diagnostics
