#pragma once
// `trafl-eval report`: one self-contained HTML file (inline CSS and SVG; no script, no network),
// standalone figures (SVG, CSV of each figure's data, PDF and PNG copies when `rsvg-convert` is
// installed), pictures of the denoising paths (paths_figures.hpp), and one page per problem with its
// samples and the unmasking orders of its correct samples. Library entry point (torch-free).
//
// Layout of out_dir:
//   report.html                     the report (opens offline; links only to files below)
//   figures/<figure>.svg, .csv      every figure and the data drawn in it, the CSV headed by the
//                                   figure's title and caption as '#' lines (.pdf and .png when
//                                   rsvg-convert from librsvg2-bin is on PATH; otherwise a note says
//                                   skipped); the SVG has no drawn title (the HTML gives it)
//   problems/<task>/<problem>.html  per problem: statement, gold, metadata; per cell the unmasking
//                                   orders of the correct samples (models side by side; SVG and CSV
//                                   in problems/<task>/figures/, no PDF/PNG: there is one per
//                                   problem × cell), and per model the counts and up to
//                                   `samples_per_problem` samples (half correct, half not, when both
//                                   exist), each completion in <details>
//   diagnostics/                    the diagnose CSV/JSON (diagnostics/output.hpp)
// The report recomputes the diagnostics from the database (seconds for 3 × 256 × 500 samples), so
// it is always consistent with the samples stored.
#include <cstdint>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.hpp"

namespace trafl {
class Store;
}

namespace trafl::report {

struct Options {
  std::string out_dir;
  diagnostics::Options diagnostics;      // baseline, task, mode, bootstrap, seed …
  std::int64_t samples_per_problem = 8;  // shown per problem × cell × model (0: no problem pages)
  bool png = true;                       // PNG copies of the report's figures (rsvg-convert, when available)
  bool pdf = true;                       // PDF copies, likewise
  std::string title = "trafl-eval report";
};

struct Summary {
  std::string html;                  // path of report.html
  std::vector<std::string> figures;  // SVG paths
  std::vector<std::string> data;     // CSV paths
  std::vector<std::string> pngs;
  std::vector<std::string> pdfs;
  std::string png_note;                      // why PDF/PNG copies were skipped ("" when written or not asked for)
  std::vector<std::string> problem_figures;  // the problem pages' SVG pictures
  std::int64_t problem_pages = 0;
  std::vector<std::string> notes;  // the diagnostics' notes
};

Summary write(const Store& store, const Options& options);
// The same from diagnostics already computed with options.diagnostics on this store (a caller that
// has just run them need not run them twice).
Summary write(const Store& store, const Options& options, const diagnostics::Result& result);

}  // namespace trafl::report
