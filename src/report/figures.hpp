#pragma once
// The figures of one cell (task × decoding configuration): pass@k curves (with per-model panels
// when there are three models or more), Δpass@k to the baseline, expected distinct correct answers
// vs k (left out on single-answer tasks, where it would repeat pass@k: paths_figures.hpp draws what
// differs there), and the unmasking-order diversity bars; each with the CSV of exactly the numbers
// drawn. Titles and captions are not drawn in the SVG: the report puts them in the HTML around the
// figure and at the head of the CSV (csv_with_header).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.hpp"
#include "report/svg_plot.hpp"

namespace trafl::report {

struct Figure {
  std::string name;      // file stem, unique in the report: "<kind>_<cell slug>"
  std::string title;     // what is drawn, e.g. "pass@k"
  std::string subtitle;  // where: task · cell label
  std::string caption;   // plain text: how to read it
  std::string svg;
  std::string csv;  // header row + data (no comment lines; see csv_with_header)
};

// Diversity bars from fewer problems than this (with ≥ 2 correct trajectories) are drawn grey.
inline constexpr std::int64_t kMinDiversityProblems = 5;

// `styles`: model → palette/dash index (stable across cells, so a model looks the same everywhere).
// `bootstrap`: the diagnostics' resamples, seed and level (for the diversity bars' intervals).
std::vector<Figure> cell_figures(const diagnostics::Cell& cell, const std::map<std::string, int>& styles,
                                 const std::string& baseline, const diagnostics::Options& bootstrap);

// True when no problem of the cell has two different correct answers in any model (GSM8K-style
// numeric answers): expected distinct correct answers is then pass@k again.
bool single_answer(const diagnostics::Cell& cell);

// One curve (with its interval when the stats have one) per model.
Series series_of(const std::string& model, int style, const std::vector<diagnostics::KStat>& stats);

// The figure's CSV with "# title — subtitle" and "# caption" lines first (pandas: comment='#').
std::string csv_with_header(const Figure& figure);

}  // namespace trafl::report
