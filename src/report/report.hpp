#pragma once
// `trafl-eval report`: one self-contained HTML file (inline CSS and SVG; no script, no network),
// standalone figures (SVG, CSV of each figure's data, PNG when `rsvg-convert` is installed), and
// one page per problem with its samples. Library entry point (torch-free).
//
// Layout of out_dir:
//   report.html                     the report (opens offline; links only to files below)
//   figures/<figure>.svg, .csv      every figure and the data drawn in it (.png when rsvg-convert
//                                   from librsvg2-bin is on PATH; otherwise a note says skipped)
//   problems/<task>/<problem>.html  per problem: statement, gold, metadata, and per cell × model
//                                   the counts and up to `samples_per_problem` samples (half correct,
//                                   half not, when both exist), each completion in <details>
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
  bool png = true;                       // convert figures with rsvg-convert when available
  std::string title = "trafl-eval report";
};

struct Summary {
  std::string html;                   // path of report.html
  std::vector<std::string> figures;   // SVG paths
  std::vector<std::string> data;      // CSV paths
  std::vector<std::string> pngs;
  std::string png_note;               // why PNGs were skipped ("" when written or not asked for)
  std::int64_t problem_pages = 0;
  std::vector<std::string> notes;     // the diagnostics' notes
};

Summary write(const Store& store, const Options& options);
// The same from diagnostics already computed with options.diagnostics on this store (a caller that
// has just run them need not run them twice).
Summary write(const Store& store, const Options& options, const diagnostics::Result& result);

}  // namespace trafl::report
