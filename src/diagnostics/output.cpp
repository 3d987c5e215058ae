#include "diagnostics/output.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "diagnostics/csv.hpp"

namespace trafl::diagnostics {

namespace {

std::string pct(double v) { return fmt::format("{:.2f}", 100.0 * v); }
std::string ci_text(const KStat& s, bool percent) {
  if (!s.has_ci) return "";
  return percent ? fmt::format("[{}, {}]", pct(s.ci_low), pct(s.ci_high))
                 : fmt::format("[{:.2f}, {:.2f}]", s.ci_low, s.ci_high);
}
std::string opt_k(const std::optional<std::int64_t>& k) { return k ? std::to_string(*k) : "-"; }

std::string runs_text(const ModelResult& m) {
  std::string s;
  for (auto id : m.run_ids) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s;
}

nlohmann::json kstats(const std::vector<KStat>& v) {
  auto out = nlohmann::json::array();
  for (const auto& s : v) {
    nlohmann::json j = {{"k", s.k}, {"value", s.value}};
    j["ci_low"] = s.has_ci ? nlohmann::json(s.ci_low) : nlohmann::json();
    j["ci_high"] = s.has_ci ? nlohmann::json(s.ci_high) : nlohmann::json();
    out.push_back(j);
  }
  return out;
}

nlohmann::json opt_json(const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }
nlohmann::json opt_json(const std::optional<std::int64_t>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

void write_text(const std::filesystem::path& path, const std::string& text, std::vector<std::string>& written) {
  write_text_file(path.string(), text, "diagnostics file");
  written.push_back(path.string());
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& definitions() {
  static const std::vector<std::pair<std::string, std::string>> defs = {
      {"pass@k",
       "unbiased estimator 1 - C(n-c,k)/C(n,k) per problem, mean over problems; 95% percentile bootstrap CI over problems"},
      {"coverage", "fraction of problems with at least one correct sample"},
      {"distinct correct @k",
       "E[#distinct correct answers in a uniform k-subset of the n samples] = sum over correct answers a of 1 - C(n-m_a,k)/C(n,k) (exact, unbiased); math answers up to spacing, code programs up to comments/whitespace"},
      {"distinct answers @k", "the same over all answers, correct or not"},
      {"answer entropy",
       "entropy (bits) of the distribution of final answers among answered samples, mean over problems"},
      {"Kendall order distance",
       "normalised Kendall-tau distance between the unmasking orders (commit steps) of two correct samples; pairs tied in exactly one order count 1/2; only position pairs inside one decoding block; mean over sample pairs, then over problems (0 = same order, 1 = reversed)"},
      {"step distance",
       "fraction of positions committed at a different sampler step, mean over pairs of correct samples"},
      {"distinct orders",
       "(#distinct unmasking orders - 1)/(#correct samples with a trajectory - 1): 0 = all identical, 1 = all different"},
      {"position entropy",
       "entropy of the commit step of each position across correct samples, divided by log2(#samples), mean over positions (0 = fully locked order)"},
      {"delta pass@k",
       "pass@k(model) - pass@k(baseline) over the problems both have; paired percentile bootstrap CI (same problem resamples for both)"},
      {"crossover k",
       "first k of the grid with delta pass@k < 0 after delta >= 0 at a smaller k (the budget at which the model falls below the baseline)"},
      {"locking lambda",
       "ln(G_baseline / G_model) with G = pass@K - pass@1 at the largest common K: how much less the model gains from extra samples than the baseline (0 = same, ln 2 = half, < 0 = more); CI from the paired bootstrap"},
      {"distinct drop", "1 - E[distinct correct @K](model) / E[distinct correct @K](baseline)"},
      {"order-diversity drop", "1 - Kendall order distance(model) / Kendall order distance(baseline)"},
  };
  return defs;
}

std::string format_tables(const Result& r) {
  std::string out;
  for (const auto& cell : r.cells) {
    out += fmt::format("== {} · {} ==\n", cell.task, cell.label);
    out += fmt::format("{:<20} {:>5} {:>8} {:<18} {:>8} {:<18} {:>9} {:>9}\n", "model", "k", "pass@k", "95% CI",
                       "Δ base", "Δ CI", "E[dist.✓]", "E[dist.]");
    for (const auto& m : cell.models) {
      for (std::size_t j = 0; j < m.passk.size(); ++j) {
        const auto& p = m.passk[j];
        std::string delta = "", delta_ci = "";
        if (m.vs_baseline)
          for (const auto& d : m.vs_baseline->delta)
            if (d.k == p.k) delta = fmt::format("{:+.2f}", 100.0 * d.value), delta_ci = ci_text(d, true);
        out += fmt::format("{:<20} {:>5} {:>8} {:<18} {:>8} {:<18} {:>9.2f} {:>9.2f}\n", m.model, p.k, pct(p.value),
                           ci_text(p, true), delta, delta_ci, m.distinct_correct[j].value, m.distinct_answers[j].value);
      }
    }
    out += fmt::format("\n{:<20} {:>8} {:>7} {:>8} {:>8} {:>7} {:>7} {:>7} {:>7} {:>9} {:<22}\n", "model", "problems",
                       "n", "coverage", "H(ans)", "kendall", "stepd", "orders", "posH", "crossover", "locking λ [CI]");
    for (const auto& m : cell.models) {
      const auto& t = m.trajectory;
      const bool traj = t.problems > 0;
      std::string cross = "-", lock = "-";
      if (m.vs_baseline) {
        const auto& c = *m.vs_baseline;
        cross = c.below_from_start ? "k=1 below" : opt_k(c.crossover_k);
        lock = c.locking ? fmt::format("{:+.3f}", *c.locking) : "undefined";
        if (c.locking_has_ci) lock += fmt::format(" [{:+.3f}, {:+.3f}]", c.locking_low, c.locking_high);
      } else if (m.model == r.options.baseline) {
        cross = "baseline";
        lock = "baseline";
      }
      out += fmt::format(
          "{:<20} {:>8} {:>7} {:>8} {:>8.3f} {:>7} {:>7} {:>7} {:>7} {:>9} {:<22}\n", m.model, m.problems,
          m.n_min == m.n_max ? std::to_string(m.n_min) : fmt::format("{}-{}", m.n_min, m.n_max), pct(m.coverage),
          m.answer_entropy, traj ? fmt::format("{:.3f}", t.kendall) : "-",
          traj ? fmt::format("{:.3f}", t.step_distance) : "-", traj ? fmt::format("{:.3f}", t.distinct_orders) : "-",
          traj ? fmt::format("{:.3f}", t.position_entropy) : "-", cross, lock);
    }
    out += "\n";
  }
  if (r.cells.empty()) out += "no graded samples in the database\n";
  out +=
      "pass@k, coverage, CIs in %; kendall/stepd/orders/posH: trajectory diversity among correct samples (0 = locked);\n"
      "λ = ln(G_baseline / G_model), G = pass@K − pass@1 (λ > 0: the model gains less from extra samples). "
      "Full definitions: diagnostics.json / the report.\n";
  return out;
}

nlohmann::json to_json(const Result& r) {
  nlohmann::json j;
  j["schema"] = "trafl-eval/diagnostics";
  j["version"] = 2;  // 2: a model's "runs" renamed "run_ids" (it holds ids, not a count)
  j["db"] = r.db;
  j["options"] = {{"baseline", r.options.baseline.empty() ? nlohmann::json() : nlohmann::json(r.options.baseline)},
                  {"task", r.options.task},
                  {"mode", r.options.mode},
                  {"bootstrap", r.options.bootstrap},
                  {"seed", r.options.seed},
                  {"confidence", r.options.confidence},
                  {"max_pairs", r.options.max_pairs}};
  auto defs = nlohmann::json::object();
  for (const auto& [k, v] : definitions()) defs[k] = v;
  j["definitions"] = defs;
  j["notes"] = r.notes;
  j["cells"] = nlohmann::json::array();
  for (const auto& cell : r.cells) {
    nlohmann::json c = {{"task", cell.task}, {"cell", cell.label}, {"config", cell.config}, {"slug", cell.slug}};
    c["models"] = nlohmann::json::array();
    for (const auto& m : cell.models) {
      const auto& t = m.trajectory;
      nlohmann::json mj = {{"model", m.model},
                           {"mode", m.mode},
                           {"run_ids", m.run_ids},
                           {"seeds", m.seeds},
                           {"problems", m.problems},
                           {"samples", m.samples},
                           {"correct", m.correct},
                           {"n_min", m.n_min},
                           {"n_max", m.n_max},
                           {"coverage", m.coverage},
                           {"answer_entropy", m.answer_entropy}};
      mj["pass_at_k"] = kstats(m.passk);
      mj["distinct_correct"] = kstats(m.distinct_correct);
      mj["distinct_answers"] = kstats(m.distinct_answers);
      mj["trajectory"] = {{"problems", t.problems},
                          {"samples", t.samples_with_trajectory},
                          {"kendall", t.problems ? nlohmann::json(t.kendall) : nlohmann::json()},
                          {"step_distance", t.problems ? nlohmann::json(t.step_distance) : nlohmann::json()},
                          {"distinct_orders", t.problems ? nlohmann::json(t.distinct_orders) : nlohmann::json()},
                          {"position_entropy", t.problems ? nlohmann::json(t.position_entropy) : nlohmann::json()}};
      if (m.vs_baseline) {
        const auto& b = *m.vs_baseline;
        mj["vs_baseline"] = {{"baseline", b.baseline},
                             {"common_problems", b.common_problems},
                             {"delta_pass_at_k", kstats(b.delta)},
                             {"crossover_k", opt_json(b.crossover_k)},
                             {"below_from_start", b.below_from_start},
                             {"significant_below_k", opt_json(b.significant_below_k)},
                             {"locking_k", b.locking_k},
                             {"gain_model", b.gain_model},
                             {"gain_baseline", b.gain_baseline},
                             {"locking", opt_json(b.locking)},
                             {"locking_ci_low", b.locking_has_ci ? nlohmann::json(b.locking_low) : nlohmann::json()},
                             {"locking_ci_high", b.locking_has_ci ? nlohmann::json(b.locking_high) : nlohmann::json()},
                             {"distinct_drop", opt_json(b.distinct_drop)},
                             {"order_diversity_drop", opt_json(b.order_diversity_drop)}};
      } else {
        mj["vs_baseline"] = nullptr;
      }
      c["models"].push_back(mj);
    }
    j["cells"].push_back(c);
  }
  return j;
}

std::vector<std::string> write_outputs(const Result& r, const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) throw InputError(dir, 0, "", "cannot create output directory");
  std::string passk =
      csv_row({"task", "cell", "model", "mode", "k", "pass_at_k", "ci_low", "ci_high", "problems", "n_min"});
  std::string distinct = csv_row({"task", "cell", "model", "mode", "k", "distinct_correct", "dc_ci_low", "dc_ci_high",
                                  "distinct_answers", "da_ci_low", "da_ci_high"});
  std::string baseline =
      csv_row({"task", "cell", "model", "baseline", "k", "delta", "ci_low", "ci_high", "common_problems"});
  std::string summary = csv_row({"task",
                                 "cell",
                                 "model",
                                 "mode",
                                 "run_ids",
                                 "problems",
                                 "samples",
                                 "correct",
                                 "n_min",
                                 "n_max",
                                 "coverage",
                                 "answer_entropy",
                                 "traj_problems",
                                 "traj_samples",
                                 "kendall",
                                 "step_distance",
                                 "distinct_orders",
                                 "position_entropy",
                                 "baseline",
                                 "crossover_k",
                                 "below_from_start",
                                 "significant_below_k",
                                 "locking_k",
                                 "gain_model",
                                 "gain_baseline",
                                 "locking",
                                 "locking_ci_low",
                                 "locking_ci_high",
                                 "distinct_drop",
                                 "order_diversity_drop"});
  std::string problems =
      csv_row({"task", "cell", "model", "problem_id", "n", "c", "answered", "distinct_answers", "distinct_correct",
               "answer_entropy", "traj_samples", "kendall", "step_distance", "distinct_orders", "position_entropy"});
  auto ci = [](const KStat& s, bool low) { return s.has_ci ? num(low ? s.ci_low : s.ci_high) : std::string(); };
  for (const auto& cell : r.cells) {
    for (const auto& m : cell.models) {
      for (std::size_t j = 0; j < m.passk.size(); ++j) {
        const auto& p = m.passk[j];
        passk += csv_row({cell.task, cell.label, m.model, m.mode, std::to_string(p.k), num(p.value), ci(p, true),
                          ci(p, false), std::to_string(m.problems), std::to_string(m.n_min)});
        const auto& dc = m.distinct_correct[j];
        const auto& da = m.distinct_answers[j];
        distinct += csv_row({cell.task, cell.label, m.model, m.mode, std::to_string(p.k), num(dc.value), ci(dc, true),
                             ci(dc, false), num(da.value), ci(da, true), ci(da, false)});
      }
      const auto& t = m.trajectory;
      auto tv = [&](double v) { return t.problems ? num(v) : std::string(); };
      std::vector<std::string> row = {cell.task,
                                      cell.label,
                                      m.model,
                                      m.mode,
                                      runs_text(m),
                                      std::to_string(m.problems),
                                      std::to_string(m.samples),
                                      std::to_string(m.correct),
                                      std::to_string(m.n_min),
                                      std::to_string(m.n_max),
                                      num(m.coverage),
                                      num(m.answer_entropy),
                                      std::to_string(t.problems),
                                      std::to_string(t.samples_with_trajectory),
                                      tv(t.kendall),
                                      tv(t.step_distance),
                                      tv(t.distinct_orders),
                                      tv(t.position_entropy)};
      if (m.vs_baseline) {
        const auto& b = *m.vs_baseline;
        for (const auto& d : b.delta)
          baseline += csv_row({cell.task, cell.label, m.model, b.baseline, std::to_string(d.k), num(d.value),
                               ci(d, true), ci(d, false), std::to_string(b.common_problems)});
        for (auto v :
             {b.baseline, b.crossover_k ? std::to_string(*b.crossover_k) : "",
              std::string(b.below_from_start ? "1" : "0"),
              b.significant_below_k ? std::to_string(*b.significant_below_k) : "", std::to_string(b.locking_k),
              num(b.gain_model), num(b.gain_baseline), num(b.locking), b.locking_has_ci ? num(b.locking_low) : "",
              b.locking_has_ci ? num(b.locking_high) : "", num(b.distinct_drop), num(b.order_diversity_drop)})
          row.push_back(v);
      } else {
        row.resize(row.size() + 12);
      }
      summary += csv_row(row);
      for (const auto& p : m.per_problem)
        problems += csv_row({cell.task, cell.label, m.model, p.problem_id, std::to_string(p.n), std::to_string(p.c),
                             std::to_string(p.answered), std::to_string(p.answer_counts.size()),
                             std::to_string(p.correct_counts.size()), num(p.answer_entropy),
                             std::to_string(p.correct_with_trajectory), num(p.kendall), num(p.step_distance),
                             num(p.distinct_orders), num(p.position_entropy)});
    }
  }
  std::vector<std::string> written;
  const fs::path d(dir);
  write_text(d / "passk.csv", passk, written);
  write_text(d / "distinct.csv", distinct, written);
  write_text(d / "baseline.csv", baseline, written);
  write_text(d / "summary.csv", summary, written);
  write_text(d / "problems.csv", problems, written);
  write_text(d / "diagnostics.json", to_json(r).dump(2) + "\n", written);
  return written;
}

}  // namespace trafl::diagnostics
