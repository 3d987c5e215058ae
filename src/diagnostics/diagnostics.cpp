#include "diagnostics/diagnostics.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "core/error.hpp"
#include "core/progress.hpp"
#include "diagnostics/aggregate.hpp"
#include "diagnostics/load.hpp"
#include "metrics/config_label.hpp"
#include "store/store.hpp"

namespace trafl::diagnostics {

namespace {

std::string slugify(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const bool ok =
        (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-';
    if (ok)
      out += ch;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "cell" : out;
}

std::int64_t gen_length_of(const nlohmann::json& config) {
  auto it = config.find("gen_length");
  return it != config.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

}  // namespace

nlohmann::json cell_config(const nlohmann::json& run_config) { return decoding_config(run_config); }

Result run(const Store& store, const Options& options) {
  if (options.bootstrap < 0) throw UsageError("--bootstrap must be >= 0 (0 disables confidence intervals)");
  if (!(options.confidence > 0 && options.confidence < 1))
    throw UsageError(fmt::format("--confidence must be in (0, 1), got {}", options.confidence));
  Result result;
  result.options = options;
  result.db = store.path();
  auto groups = find_groups(store, options, result.models);
  if (!options.baseline.empty() &&
      std::find(result.models.begin(), result.models.end(), options.baseline) == result.models.end())
    throw UsageError(
        fmt::format("--baseline {}: no such model in {} (models: {})", options.baseline, store.path(),
                    result.models.empty() ? std::string("none") : fmt::format("{}", fmt::join(result.models, ", "))));

  // Cells in first-seen order of their key (groups arrive ordered by cell key, then model).
  std::map<std::string, std::size_t> cell_index;
  Progress bar("diagnostics", groups.size(), options.progress, "model cells");
  std::uint64_t groups_done = 0;
  for (auto& g : groups) {
    bar.set(groups_done++);
    auto [it, fresh] = cell_index.emplace(g.cell_key, result.cells.size());
    if (fresh) {
      Cell cell;
      cell.task = g.task;
      cell.config = g.cell_config;
      cell.label = config_label(g.cell_config, {});  // provisional (notes); final label below
      result.cells.push_back(std::move(cell));
    }
    Cell& cell = result.cells[it->second];
    TrajectoryOptions topt;
    topt.block_length = g.block_length;
    topt.max_pairs = options.max_pairs;
    topt.seed = options.seed;
    ModelResult m;
    m.model = g.model;
    m.mode = g.mode;
    m.run_ids = g.run_ids;
    m.seeds = g.seeds;
    if (g.mode.empty()) {
      result.notes.push_back(fmt::format("{} / {} / {}: no graded samples; skipped", g.model, g.task, cell.label));
      continue;
    }
    std::int64_t skipped = 0;
    m.per_problem = load_problem_stats(store, g, topt, skipped);
    if (skipped > 0)
      result.notes.push_back(fmt::format("{} / {} / {}: {} problems have no sample graded in mode {}; left out",
                                         g.model, g.task, cell.label, skipped, g.mode));
    if (m.per_problem.empty()) {
      result.notes.push_back(
          fmt::format("{} / {} / {}: no graded samples in mode {}; skipped", g.model, g.task, cell.label, g.mode));
      continue;
    }
    aggregate_model(m, options);
    if (m.n_min != m.n_max)
      result.notes.push_back(fmt::format("{} / {} / {}: problems have {} to {} samples; k is reported up to {}",
                                         g.model, g.task, cell.label, m.n_min, m.n_max, m.n_min));
    cell.models.push_back(std::move(m));
  }
  bar.set(groups_done);
  bar.finish();
  // Labels: the decoding keys people read (length, steps, block, temperature, remasking) plus any
  // other key whose value differs between the cells of the same task, so that labels are short
  // and still tell the cells apart.
  for (auto& cell : result.cells) {
    std::vector<const nlohmann::json*> same_task;
    for (const auto& other : result.cells)
      if (other.task == cell.task) same_task.push_back(&other.config);
    cell.label = config_label(cell.config, differing_keys(cell.config, same_task));
  }
  // Drop cells left empty; order by task, gen_length, label; baseline first within a cell.
  result.cells.erase(
      std::remove_if(result.cells.begin(), result.cells.end(), [](const Cell& c) { return c.models.empty(); }),
      result.cells.end());
  std::stable_sort(result.cells.begin(), result.cells.end(), [](const Cell& a, const Cell& b) {
    return std::make_tuple(a.task, gen_length_of(a.config), a.label) <
           std::make_tuple(b.task, gen_length_of(b.config), b.label);
  });
  std::map<std::string, int> slug_uses;
  for (auto& cell : result.cells) {
    std::string slug = slugify(cell.task + "_" + cell.label);
    if (int uses = slug_uses[slug]++; uses > 0) slug += fmt::format("_{}", uses + 1);
    cell.slug = slug;
    std::stable_sort(cell.models.begin(), cell.models.end(), [&](const ModelResult& a, const ModelResult& b) {
      const bool ab = a.model == options.baseline, bb = b.model == options.baseline;
      return ab != bb ? ab : a.model < b.model;
    });
    if (options.baseline.empty()) continue;
    const ModelResult* base = cell.models.front().model == options.baseline ? &cell.models.front() : nullptr;
    if (!base) {
      result.notes.push_back(fmt::format("{} / {}: no samples of baseline {}; no comparison in this cell", cell.task,
                                         cell.label, options.baseline));
      continue;
    }
    for (auto& m : cell.models) {
      if (&m == base) continue;
      if (m.mode != base->mode)
        result.notes.push_back(fmt::format("{} / {}: {} graded in mode {}, baseline in {}; compared anyway", cell.task,
                                           cell.label, m.model, m.mode, base->mode));
      m.vs_baseline = compare_with_baseline(m, *base, options);
      if (m.vs_baseline->common_problems < m.problems)
        result.notes.push_back(fmt::format("{} / {}: {} vs {} compared on the {} problems both have", cell.task,
                                           cell.label, m.model, options.baseline, m.vs_baseline->common_problems));
    }
  }
  return result;
}

}  // namespace trafl::diagnostics
