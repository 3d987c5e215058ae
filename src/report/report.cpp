#include "report/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "diagnostics/output.hpp"
#include "metrics/bootstrap.hpp"
#include "metrics/passk.hpp"
#include "report/figure_files.hpp"
#include "report/figures.hpp"
#include "report/paths_figures.hpp"
#include "report/html.hpp"
#include "report/problem_pages.hpp"
#include "store/store.hpp"

namespace trafl::report {

namespace fs = std::filesystem;
using diagnostics::Cell;
using diagnostics::KStat;
using diagnostics::ModelResult;

namespace {

const char* const kCss = R"css(
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1400px;padding:1.2em 2em;color:#222;line-height:1.45}
h1{font-size:1.6em;margin-bottom:.2em} h2{margin-top:2em;border-bottom:2px solid #0072B2;padding-bottom:.2em} h3{margin-top:1.5em}
small{color:#666;font-weight:normal} code,pre{font-family:"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.88em}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:.6em;border-radius:4px;max-height:40em;overflow:auto}
table{border-collapse:collapse;margin:.6em 0;font-size:.9em} th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right;vertical-align:top}
th{background:#eef3f8} td:first-child,th:first-child{text-align:left} tbody tr:nth-child(even){background:#fafafa}
td.l,th.l{text-align:left} .ci{color:#666;font-size:.85em} .neg{color:#B23A00} .pos{color:#00734F}
.figs{display:flex;flex-wrap:wrap;gap:1em} figure{margin:0;border:1px solid #ddd;padding:.5em;background:#fff;flex:1 1 340px;max-width:560px;min-width:0}
figure svg{width:100%;height:auto;display:block} figcaption{font-size:.85em;color:#444} .fig-title{margin-bottom:.3em}
.wide{max-width:100%;overflow-x:auto} code.config{white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}
td code{overflow-wrap:anywhere} .verdict td.l{max-width:40em} .glance td.l{max-width:36em}
.note{color:#555;font-size:.9em} .notes li{color:#7a4a00} nav ul{columns:2} tr.ok td:nth-child(3){color:#00734F} tr.bad td:nth-child(3){color:#B23A00}
table.samples td:last-child{text-align:left;max-width:60em} dl.defs dt{font-weight:bold;margin-top:.4em} dl.defs dd{margin-left:1.5em}
)css";

std::string pct(double v) { return fmt::format("{:.1f}", 100.0 * v); }
std::string with_ci(const KStat& s, bool percent, bool sign = false) {
  const auto f = [&](double v) {
    return percent ? (sign ? fmt::format("{:+.1f}", 100 * v) : pct(v)) : fmt::format("{:.2f}", v);
  };
  std::string cls = sign ? (s.has_ci && s.ci_high < 0  ? " class=\"neg\""
                            : s.has_ci && s.ci_low > 0 ? " class=\"pos\""
                                                       : "")
                         : "";
  std::string out = fmt::format("<span{}>{}</span>", cls, f(s.value));
  if (s.has_ci) out += fmt::format(" <span class=\"ci\">[{}, {}]</span>", f(s.ci_low), f(s.ci_high));
  return out;
}

std::string locking_text(const diagnostics::Comparison& c) {
  if (!c.locking) return "undefined <span class=\"ci\">(a gain ≤ 0)</span>";
  std::string s = fmt::format("{:+.3f}", *c.locking);
  if (c.locking_has_ci)
    s += fmt::format(" <span class=\"ci\">[{:+.3f}, {:+.3f}]</span>", c.locking_low, c.locking_high);
  return s;
}
std::string crossover_text(const diagnostics::Comparison& c) {
  if (c.below_from_start) return "below from k=1";
  std::string s = c.crossover_k ? fmt::format("k={}", *c.crossover_k) : "none";
  if (c.significant_below_k)
    s += fmt::format(" <span class=\"ci\">(CI below 0 from k={})</span>", *c.significant_below_k);
  return s;
}
std::string opt(const std::optional<double>& v) { return v ? fmt::format("{:+.1f}%", 100 * *v) : "–"; }

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  write_text_file(path.string(), text, "report file");
}

std::string passk_table(const Cell& cell) {
  std::set<std::int64_t> ks;
  for (const auto& m : cell.models)
    for (const auto& p : m.passk) ks.insert(p.k);
  std::string h = "<table><thead><tr><th>k</th>";
  for (const auto& m : cell.models)
    h += fmt::format("<th>{} pass@k (%)</th>", escape(m.model)) +
         (m.vs_baseline ? "<th>Δ vs baseline (points)</th>" : "");
  h += "</tr></thead><tbody>\n";
  for (auto k : ks) {
    h += fmt::format("<tr><td>{}</td>", k);
    for (const auto& m : cell.models) {
      auto it = std::find_if(m.passk.begin(), m.passk.end(), [&](const KStat& s) { return s.k == k; });
      h += "<td>" + (it == m.passk.end() ? std::string("–") : with_ci(*it, true)) + "</td>";
      if (m.vs_baseline) {
        const auto& d = m.vs_baseline->delta;
        auto jt = std::find_if(d.begin(), d.end(), [&](const KStat& s) { return s.k == k; });
        h += "<td>" + (jt == d.end() ? std::string("–") : with_ci(*jt, true, true)) + "</td>";
      }
    }
    h += "</tr>\n";
  }
  return h + "</tbody></table>\n";
}

std::string summary_table(const Cell& cell, const std::string& baseline) {
  std::string h =
      "<table><thead><tr><th>model</th><th>mode</th><th>problems</th><th>samples/problem</th><th>coverage (%)</th>"
      "<th>answer entropy (bits)</th><th>E[distinct correct] @max k</th><th>Kendall order dist.</th><th>step dist.</th>"
      "<th>distinct orders</th><th>position entropy</th><th>crossover</th><th>locking λ</th><th>distinct drop</th><th>order-div. drop</th></tr></thead><tbody>\n";
  for (const auto& m : cell.models) {
    const auto& t = m.trajectory;
    auto tv = [&](double v) { return t.problems ? fmt::format("{:.3f}", v) : std::string("–"); };
    h += fmt::format(
        "<tr><td>{}</td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2f}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        escape(m.model) + (m.model == baseline ? " <small>(baseline)</small>" : ""), escape(m.mode), m.problems,
        m.n_min == m.n_max ? std::to_string(m.n_min) : fmt::format("{}–{}", m.n_min, m.n_max), pct(m.coverage),
        m.answer_entropy, m.distinct_correct.empty() ? "–" : with_ci(m.distinct_correct.back(), false), tv(t.kendall),
        tv(t.step_distance), tv(t.distinct_orders), tv(t.position_entropy));
    if (m.vs_baseline)
      h += fmt::format("<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", crossover_text(*m.vs_baseline),
                       locking_text(*m.vs_baseline), opt(m.vs_baseline->distinct_drop),
                       opt(m.vs_baseline->order_diversity_drop));
    else
      h += "<td>–</td><td>–</td><td>–</td><td>–</td></tr>\n";
  }
  return h + "</tbody></table>\n";
}

// Per-split pass@1 and pass@K for every metadata key with 2..40 values (LiveCodeBench difficulty,
// MATH level/subject, Minerva course, …).
std::string split_tables(const Cell& cell, const diagnostics::Options& dopt) {
  std::map<std::string, std::set<std::string>> values;
  std::int64_t K = 0;
  for (const auto& m : cell.models) {
    K = K == 0 ? m.n_min : std::min(K, m.n_min);
    for (const auto& p : m.per_problem)
      for (const auto& [k, v] : p.metadata) values[k].insert(v);
  }
  std::string h;
  for (const auto& [key, vals] : values) {
    if (vals.size() < 2 || vals.size() > 40 || K < 1) continue;
    h += fmt::format("<h4>by {}</h4>\n<table><thead><tr><th>{}</th>", escape(key), escape(key));
    for (const auto& m : cell.models)
      h += fmt::format("<th>{} problems</th><th>pass@1 (%)</th><th>pass@{} (%)</th>", escape(m.model), K);
    h += "</tr></thead><tbody>\n";
    for (const auto& v : vals) {
      h += fmt::format("<tr><td>{}</td>", escape(v));
      for (const auto& m : cell.models) {
        std::vector<ProblemCount> counts;  // the split's problems, in id order (per_problem's)
        for (const auto& p : m.per_problem) {
          auto it = p.metadata.find(key);
          if (it != p.metadata.end() && it->second == v) counts.push_back({p.n, p.c});
        }
        const std::size_t P = counts.size();
        if (P == 0) {
          h += "<td>0</td><td>–</td><td>–</td>";
          continue;
        }
        // The one pass@k path (metrics/passk.hpp): the numbers `passk --by KEY` prints for this split.
        BootstrapOptions bo;
        bo.resamples = dopt.bootstrap;
        bo.seed = dopt.seed;
        bo.confidence = dopt.confidence;
        bo.threads = dopt.threads;
        const auto points =
            passk_estimates(counts, K > 1 ? std::vector<std::int64_t>{1, K} : std::vector<std::int64_t>{1}, bo);
        auto kstat = [](const PasskPoint& pt) { return KStat{pt.k, pt.value, pt.has_ci, pt.ci_low, pt.ci_high}; };
        const KStat s1 = kstat(points.front()), sk = kstat(points.back());
        h += fmt::format("<td>{}</td><td>{}</td><td>{}</td>", P, with_ci(s1, true), with_ci(sk, true));
      }
      h += "</tr>\n";
    }
    h += "</tbody></table>\n";
  }
  return h.empty() ? "" : "<h3>Per split</h3>\n" + h;
}

std::string problem_table(const Cell& cell, bool pages) {
  std::map<std::string, std::map<std::string, std::string>> meta;
  for (const auto& m : cell.models)
    for (const auto& p : m.per_problem) meta[p.problem_id] = p.metadata;
  std::string h =
      fmt::format("<details><summary>Per problem ({} problems): correct/graded samples per model{}</summary>\n",
                  meta.size(), pages ? "; the id links to the problem's samples" : "");
  h += "<table><thead><tr><th>problem</th><th class=\"l\">metadata</th>";
  for (const auto& m : cell.models)
    h += fmt::format("<th>{} c/n</th><th>{} distinct answers</th>", escape(m.model), escape(m.model));
  h += "</tr></thead><tbody>\n";
  std::vector<std::map<std::string, const diagnostics::ProblemStats*>> index(cell.models.size());
  for (std::size_t i = 0; i < cell.models.size(); ++i)
    for (const auto& p : cell.models[i].per_problem) index[i][p.problem_id] = &p;
  for (const auto& [id, md] : meta) {
    std::string mtext;
    for (const auto& [k, v] : md) mtext += (mtext.empty() ? "" : "; ") + escape(k) + ": " + escape(v);
    const std::string link = pages ? fmt::format("<a href=\"{}#{}\">{}</a>", escape(problem_page_path(cell.task, id)),
                                                 escape(slug(cell.slug + "_" + cell.models.front().model)), escape(id))
                                   : escape(id);
    h += fmt::format("<tr><td>{}</td><td class=\"l\">{}</td>", link, mtext);
    for (std::size_t i = 0; i < cell.models.size(); ++i) {
      auto it = index[i].find(id);
      if (it == index[i].end())
        h += "<td>–</td><td>–</td>";
      else
        h += fmt::format("<td>{}/{}</td><td>{}</td>", it->second->c, it->second->n, it->second->answer_counts.size());
    }
    h += "</tr>\n";
  }
  return h + "</tbody></table></details>\n";
}

std::string runs_table(const Store& store) {
  std::string h =
      "<table><thead><tr><th>run</th><th>model</th><th>task</th><th class=\"l\">configuration</th><th>seed</th>"
      "<th>samples</th><th class=\"l\">data</th><th class=\"l\">source</th><th>tool</th><th>created</th></tr></thead><tbody>\n";
  for (const auto& r : store.runs())
    h += fmt::format(
        "<tr><td>{}</td><td class=\"l\">{}</td><td class=\"l\">{}</td><td class=\"l\"><code class=\"config\">{}</code></td><td>{}</td><td>{}</td>"
        "<td class=\"l\"><code>{}</code><br><small>{}</small></td><td class=\"l\">{}</td><td>{}</td><td>{}</td></tr>\n",
        r.id, escape(r.spec.model), escape(r.spec.task),
        escape(r.spec.config.dump(1, ' ', false, nlohmann::json::error_handler_t::replace)), r.spec.seed,
        store.count_samples(r.id), escape(r.spec.data_path), escape(r.spec.data_sha256.substr(0, 16)),
        escape(r.spec.source),
        escape(fmt::format("{} {} {}", r.tool_version, r.tool_commit.substr(0, 12), r.build_type)),
        escape(r.created_at));
  return h + "</tbody></table>\n";
}

std::string locking_table(const diagnostics::Result& r) {
  std::string h =
      "<table><thead><tr><th>task</th><th class=\"l\">configuration</th><th>model</th><th>K</th><th>pass@1 → pass@K gain, model (points)</th>"
      "<th>gain, baseline</th><th>locking λ = ln(G<sub>base</sub>/G<sub>model</sub>)</th><th>crossover</th><th>distinct drop</th><th>order-div. drop</th></tr></thead><tbody>\n";
  bool any = false;
  for (const auto& cell : r.cells)
    for (const auto& m : cell.models) {
      if (!m.vs_baseline) continue;
      any = true;
      const auto& c = *m.vs_baseline;
      h += fmt::format(
          "<tr><td class=\"l\"><a href=\"#cell-{}\">{}</a></td><td class=\"l\">{}</td><td class=\"l\">{}</td><td>{}</td><td>{:+.1f}</td><td>{:+.1f}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
          cell.slug, escape(cell.task), escape(cell.label), escape(m.model), c.locking_k, 100 * c.gain_model,
          100 * c.gain_baseline, locking_text(c), crossover_text(c), opt(c.distinct_drop), opt(c.order_diversity_drop));
    }
  if (!any) return "<p class=\"note\">No baseline comparison (run with <code>--baseline MODEL</code>).</p>\n";
  return h +
         "</tbody></table>\n<p class=\"note\">λ &gt; 0: the model gains less from extra samples than the baseline (locking); λ = ln 2 ≈ 0.69: half the baseline's gain; λ &lt; 0: more gain. Drops &gt; 0: fewer distinct correct answers / less varied unmasking orders than the baseline.</p>\n";
}

// The question the report must answer at a glance, one row per cell × post-trained model.
std::string glance_table(const diagnostics::Result& r, const std::vector<CellPaths>& paths,
                         const std::string& baseline) {
  std::string rows;
  for (std::size_t c = 0; c < r.cells.size(); ++c) {
    if (!paths[c].any()) continue;
    for (const auto& m : paths[c].models) {
      if (m.model == baseline) continue;
      const std::string v = verdict(paths[c], m.model, baseline);
      if (v.empty()) continue;
      rows += fmt::format(
          "<tr><td class=\"l\"><a href=\"#paths-{}\">{} · {}</a></td><td class=\"l\">{}</td><td class=\"l{}\">{}</td></tr>\n",
          r.cells[c].slug, escape(r.cells[c].task), escape(r.cells[c].label), escape(m.model),
          v.rfind("yes", 0) == 0 ? " neg" : "", escape(v));
    }
  }
  if (rows.empty()) return "";
  return "<h2 id=\"glance\">Did post-training lock the models onto fewer denoising paths?</h2>\n"
         "<table class=\"glance\"><thead><tr><th>cell</th><th class=\"l\">model</th><th class=\"l\">fewer distinct paths per correct "
         "sample than " +
         escape(baseline) + "?</th></tr></thead><tbody>\n" + rows +
         "</tbody></table>\n<p class=\"note\">Paths per correct sample: E[distinct denoising paths among the correct samples in k draws] / "
         "E[correct samples with a trajectory in k draws], at the largest k both models have (1 = every correct sample took its own path; "
         "near 0 = all on one). \"Yes\" only when the two bootstrap intervals do not overlap. Each cell's section draws the paths.</p>\n";
}

}  // namespace

Summary write(const Store& store, const Options& o) {
  if (o.out_dir.empty()) throw UsageError("report: --out DIR is required");
  return write(store, o, diagnostics::run(store, o.diagnostics));
}

Summary write(const Store& store, const Options& o, const diagnostics::Result& result) {
  if (o.out_dir.empty()) throw UsageError("report: --out DIR is required");
  if (o.samples_per_problem < 0) throw UsageError("--samples-per-problem must be >= 0");
  const fs::path out(o.out_dir);
  std::error_code ec;
  fs::create_directories(out / "figures", ec);
  if (!fs::is_directory(out / "figures")) throw InputError(o.out_dir, 0, "", "cannot create output directory");
  Summary summary;
  summary.notes = result.notes;
  diagnostics::write_outputs(result, (out / "diagnostics").string());

  // Stable look per model: the baseline first colour, the others in name order.
  std::map<std::string, int> styles;
  int next = 0;
  if (!o.diagnostics.baseline.empty()) styles[o.diagnostics.baseline] = next++;
  for (const auto& m : result.models)
    if (!styles.count(m)) styles[m] = next++;

  const std::string& baseline = o.diagnostics.baseline;
  std::string body;
  body += fmt::format(
      "<h1>{}</h1>\n<p class=\"note\">Database <code>{}</code> · models: {} · baseline: {} · {} bootstrap resamples "
      "(seed {}), {}% intervals · trafl-eval {}</p>\n",
      escape(o.title), escape(store.path()), escape([&] {
        std::string s;
        for (auto& m : result.models) s += (s.empty() ? "" : ", ") + m;
        return s;
      }()),
      baseline.empty() ? "none" : escape(baseline), o.diagnostics.bootstrap, o.diagnostics.seed,
      fmt::format("{:g}", 100 * o.diagnostics.confidence), TRAFL_VERSION);
  body +=
      "<nav><h3>Contents</h3><ul><li><a href=\"#locking\">Locking summary</a></li><li><a href=\"#glance\">Denoising paths at a glance</a></li>\n";
  for (const auto& cell : result.cells)
    body +=
        fmt::format("<li><a href=\"#cell-{}\">{} · {}</a></li>\n", cell.slug, escape(cell.task), escape(cell.label));
  body +=
      "<li><a href=\"#runs\">Run configurations</a></li><li><a href=\"#definitions\">Definitions</a></li></ul></nav>\n";
  if (!result.notes.empty()) {
    body += "<h3>Notes</h3><ul class=\"notes\">\n";
    for (const auto& n : result.notes) body += "<li>" + escape(n) + "</li>\n";
    body += "</ul>\n";
  }
  if (result.cells.empty()) body += "<p><b>No graded samples in this database.</b></p>\n";
  body += "<h2 id=\"locking\">Locking summary</h2>\n" + locking_table(result);

  // The trajectories of every cell (one more pass over the samples), for the glance table, the
  // cells' pictures and the problem pages.
  std::vector<CellPaths> paths;
  for (const auto& cell : result.cells) paths.push_back(load_cell_paths(store, cell, styles, o.diagnostics));
  body += glance_table(result, paths, baseline);

  FigureWriter writer(o.out_dir, o.png, o.pdf);
  for (std::size_t c = 0; c < result.cells.size(); ++c) {
    const auto& cell = result.cells[c];
    body += fmt::format("<h2 id=\"cell-{}\">{} <small>· {}</small></h2>\n", cell.slug, escape(cell.task),
                        escape(cell.label));
    body += fmt::format("<p class=\"note\">Configuration <code class=\"config\">{}</code></p>\n<div class=\"figs\">\n",
                        escape(cell.config.dump(1, ' ', false, nlohmann::json::error_handler_t::replace)));
    for (const auto& fig : cell_figures(cell, styles, baseline, o.diagnostics))
      body += writer.write(fig, "figures", "figures/", true);
    body += "</div>\n";
    if (paths[c].any()) {
      body += fmt::format(
          "<h3 id=\"paths-{}\">Denoising paths: did post-training lock the model onto fewer paths?</h3>\n", cell.slug);
      body += verdict_table(paths[c], baseline) + "<div class=\"figs\">\n";
      for (const auto& fig : paths_figures(paths[c], cell, single_answer(cell)))
        body += writer.write(fig, "figures", "figures/", true);
      body += "</div>\n";
      if (const auto id = telling_problem(paths[c]); !id.empty() && o.samples_per_problem > 0)
        body += fmt::format(
            "<p class=\"note\">The unmasking orders above are those of problem <a href=\"{}#{}\">{}</a>; every problem's "
            "page draws its own.</p>\n",
            escape(problem_page_path(cell.task, id)), escape("paths-" + cell.slug), escape(id));
    } else {
      body +=
          "<p class=\"note\">No correct sample in this cell carries a stored trajectory: no denoising paths to draw.</p>\n";
    }
    body += "<h3>pass@k</h3>\n" + passk_table(cell);
    body += "<h3>Diagnostics</h3>\n" + summary_table(cell, baseline);
    body += split_tables(cell, o.diagnostics);
    body += fmt::format("<h3 id=\"problems-{}\">Problems</h3>\n", cell.slug) +
            problem_table(cell, o.samples_per_problem > 0);
  }
  if (o.png || o.pdf) summary.png_note = writer.note;
  if (!summary.png_note.empty()) body += "<p class=\"note\">" + escape(summary.png_note) + ".</p>\n";

  body += "<h2 id=\"runs\">Run configurations</h2>\n" + runs_table(store);
  body += "<h2 id=\"definitions\">Definitions</h2>\n<dl class=\"defs\">\n";
  for (const auto& [name, text] : diagnostics::definitions())
    body += fmt::format("<dt>{}</dt><dd>{}</dd>\n", escape(name), escape(text));
  body +=
      "</dl>\n<p class=\"note\">Runs that differ only in seed pool their samples. A cell is one task × decoding configuration "
      "(the run configuration without seed and model-identifying keys); models in a cell are compared on the problems both have. "
      "Figures: Okabe–Ito colours plus a dash pattern and marker per model.</p>\n";

  const std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">"
      "<title>{}</title><style>{}</style></head><body>\n{}</body></html>\n",
      escape(o.title), kCss, body);
  summary.html = (out / "report.html").string();
  write_file(out / "report.html", scrollable(html));
  summary.figures = writer.svgs;
  summary.data = writer.csvs;
  summary.pdfs = writer.pdfs;
  summary.pngs = writer.pngs;
  if (o.samples_per_problem > 0) {
    FigureWriter pictures(o.out_dir, false, false);
    summary.problem_pages = write_problem_pages(store, result, paths, pictures, o.out_dir, o.samples_per_problem, kCss);
    summary.problem_figures = pictures.svgs;
  }
  return summary;
}

}  // namespace trafl::report
