#include "report/problem_pages.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "core/file_io.hpp"
#include "report/html.hpp"
#include "store/store.hpp"

namespace trafl::report {

namespace {

struct Shown {
  std::int64_t run = 0, index = 0;
  std::string verdict, extracted, completion;
  bool correct = false;
};

// Up to `cap` samples of one problem × model × cell: about half correct and half not when both
// kinds exist, each kind in sample order.
std::vector<Shown> pick_samples(const Store& store, const diagnostics::ModelResult& m, const std::string& problem_id,
                                std::int64_t cap) {
  std::vector<Shown> kinds[2];
  for (int correct = 1; correct >= 0; --correct) {
    for (std::int64_t run : m.run_ids) {
      const auto left = cap - static_cast<std::int64_t>(kinds[correct].size());
      if (left <= 0) break;
      for (auto& g : store.graded_samples(run, problem_id, m.mode, correct == 1, left))
        kinds[correct].push_back(
            {run, g.sample_index, std::move(g.verdict), std::move(g.extracted), std::move(g.completion), correct == 1});
    }
  }
  const auto nc_avail = static_cast<std::int64_t>(kinds[1].size()),
             nw_avail = static_cast<std::int64_t>(kinds[0].size());
  const std::int64_t nc = std::min(nc_avail, std::max((cap + 1) / 2, cap - nw_avail));
  const std::int64_t nw = std::min(nw_avail, cap - nc);
  std::vector<Shown> out(kinds[1].begin(), kinds[1].begin() + nc);
  out.insert(out.end(), kinds[0].begin(), kinds[0].begin() + nw);
  std::sort(out.begin(), out.end(),
            [](const Shown& a, const Shown& b) { return std::tie(a.run, a.index) < std::tie(b.run, b.index); });
  return out;
}

struct ProblemText {
  std::string question, gold, metadata;
};

ProblemText problem_text(const Store& store, std::int64_t run, const std::string& problem_id) {
  ProblemText t;
  if (auto p = store.problem(run, problem_id))
    t = {std::move(p->question), std::move(p->gold), nlohmann::json(p->metadata).dump()};
  return t;
}

}  // namespace

std::string problem_page_path(const std::string& task, const std::string& problem_id) {
  return "problems/" + slug(task) + "/" + slug(problem_id) + ".html";
}

std::int64_t write_problem_pages(const Store& store, const diagnostics::Result& result,
                                 const std::vector<CellPaths>& paths, FigureWriter& pictures,
                                 const std::string& out_dir, std::int64_t cap, const std::string& css) {
  namespace fs = std::filesystem;
  // (task, problem id) → the (cell, model) pairs that have it.
  std::map<std::pair<std::string, std::string>,
           std::vector<std::pair<const diagnostics::Cell*, const diagnostics::ModelResult*>>>
      where;
  for (const auto& cell : result.cells)
    for (const auto& m : cell.models)
      for (const auto& p : m.per_problem) where[{cell.task, p.problem_id}].emplace_back(&cell, &m);
  std::int64_t written = 0;
  for (const auto& [key, uses] : where) {
    const auto& [task, problem_id] = key;
    const ProblemText text = problem_text(store, uses.front().second->run_ids.front(), problem_id);
    const std::string rel = problem_page_path(task, problem_id);
    std::string h = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{0} · {1}</title><style>{2}</style></head><body>\n"
        "<p class=\"nav\"><a href=\"../../report.html#problems-{3}\">← report</a></p>\n<h1>{0} <small>· {1}</small></h1>\n",
        escape(problem_id), escape(task), css, escape(uses.front().first->slug));
    h += fmt::format("<h2>Problem</h2>\n<pre class=\"text\">{}</pre>\n<p><b>Gold answer:</b> <code>{}</code></p>\n",
                     escape(text.question), escape(text.gold));
    if (!text.metadata.empty() && text.metadata != "{}")
      h += fmt::format("<p><b>Metadata:</b> <code>{}</code></p>\n", escape(text.metadata));
    const diagnostics::Cell* shown_cell = nullptr;
    for (const auto& [cell, m] : uses) {
      if (cell !=
          shown_cell) {  // once per cell: its heading and the orders of the correct samples, models side by side
        shown_cell = cell;
        const auto c = static_cast<std::size_t>(cell - result.cells.data());
        h += fmt::format("<h2 id=\"{}\" class=\"cell\">{} <small>· {}</small></h2>\n", escape("paths-" + cell->slug),
                         escape(cell->task), escape(cell->label));
        if (c < paths.size() && paths[c].any())
          h += pictures.write(
              orders_figure(paths[c], *cell, problem_id, "orders_" + slug(problem_id + "_" + cell->slug)),
              "problems/" + slug(task) + "/figures", "figures/", false);
      }
      const diagnostics::ProblemStats* stats = nullptr;
      for (const auto& p : m->per_problem)
        if (p.problem_id == problem_id) stats = &p;
      const auto shown = pick_samples(store, *m, problem_id, cap);
      h += fmt::format("<h3 id=\"{}\">{} <small>· {} · mode {}</small></h3>\n",
                       escape(slug(cell->slug + "_" + m->model)), escape(m->model), escape(cell->label),
                       escape(m->mode));
      if (stats)
        h += fmt::format(
            "<p>{} of {} samples correct; {} distinct answers ({} distinct correct); answer entropy {:.2f} bits{}</p>\n",
            stats->c, stats->n, stats->answer_counts.size(), stats->correct_counts.size(), stats->answer_entropy,
            stats->kendall ? fmt::format("; Kendall order distance among correct samples {:.3f}", *stats->kendall)
                           : "");
      h += fmt::format(
          "<p class=\"note\">Showing {} of {} samples (at most {} per model and configuration: about half correct, "
          "half not; change with <code>--samples-per-problem</code>).</p>\n",
          shown.size(), stats ? stats->n : 0, cap);
      h +=
          "<table class=\"samples\"><thead><tr><th>run</th><th>sample</th><th>verdict</th><th>extracted answer</th><th>completion</th></tr></thead><tbody>\n";
      for (const auto& s : shown)
        h += fmt::format(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td><details><summary>{} characters</summary><pre>{}</pre></details></td></tr>\n",
            s.correct ? "ok" : "bad", s.run, s.index, escape(s.verdict), escape(s.extracted), s.completion.size(),
            escape(s.completion));
      h += "</tbody></table>\n";
    }
    h += "</body></html>\n";
    const fs::path path = fs::path(out_dir) / rel;
    fs::create_directories(path.parent_path());
    write_text_file(path.string(), scrollable(h), "problem page");
    ++written;
  }
  return written;
}

}  // namespace trafl::report
