#pragma once
// Standalone SVG charts (no script, no external resources), readable on their own and inlined in
// the report. Colours: the Okabe–Ito palette (distinguishable under the common colour-vision
// deficiencies), and each series also gets its own dash pattern and marker shape, so lines stay
// distinguishable in grey-scale print.
//
// Every curve is a <path class="curve" id="curve-<chart id>-<series key>" data-series="<name>">;
// confidence bands are <path class="band">; bars are <rect class="bar" data-series="<name>">.
#include <optional>
#include <string>
#include <vector>

namespace trafl::report {

struct Series {
  std::string name;  // legend text (escaped when rendered)
  std::string key;   // id-safe key (report::slug of the name)
  int style = 0;     // palette / dash / marker index
  std::vector<double> x, y;
  std::vector<double> low, high;  // CI band; empty = none
};

struct LineChart {
  std::string id;  // id-safe
  std::string title, x_label, y_label;
  bool log2_x = true;    // x axis in log2 with ticks at powers of two
  bool percent = false;  // y values are fractions shown as percent
  std::optional<double> y_min, y_max;  // fixed range; otherwise from the data (with bands)
  bool zero_line = false;
  std::vector<Series> series;
};

struct BarChart {
  std::string id;
  std::string title, y_label;
  std::vector<std::string> categories;  // groups along x
  std::vector<Series> series;           // series.y[i] = value for categories[i] (NaN = missing)
  double y_max = 1.0;
};

std::string render(const LineChart& chart);
std::string render(const BarChart& chart);

const char* palette_color(int style);

}  // namespace trafl::report
