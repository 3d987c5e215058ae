#pragma once
// The figures of one cell (task × decoding configuration): pass@k curves, Δpass@k to the baseline,
// expected distinct correct answers vs k, and the unmasking-order diversity bars; each with the
// CSV of exactly the numbers drawn.
#include <map>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.hpp"

namespace trafl::report {

struct Figure {
  std::string name;     // file stem, unique in the report: "<kind>_<cell slug>"
  std::string caption;  // plain text
  std::string svg;
  std::string csv;
};

// `styles`: model → palette/dash index (stable across cells, so a model looks the same everywhere).
std::vector<Figure> cell_figures(const diagnostics::Cell& cell, const std::map<std::string, int>& styles,
                                 const std::string& baseline);

}  // namespace trafl::report
