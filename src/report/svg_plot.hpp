#pragma once
// Standalone SVG charts (no script, no external resources), readable on their own, inlined in the
// report and converted to PDF for LaTeX. Colours: the Okabe–Ito palette (distinguishable under the
// common colour-vision deficiencies), and each series also gets its own dash pattern and marker
// shape, so lines stay distinguishable in grey-scale print.
//
// A chart carries no visible title: the title, the cell it shows and the caption live in the HTML
// around it and in the header of its CSV (figures.hpp), so that the same SVG/PDF goes into a paper
// whose caption says what it is. Sizes are set for a single-column figure: the SVG is
// kFigureWidthPx wide and no text is smaller than kMinFontPx, so scaled to 3.3 in (LaTeX
// \columnwidth of a two-column paper) the smallest text is 13 × 3.3·72/420 ≈ 7.4 pt.
// Legends sit below the plot (two columns), never over the data.
//
// Intervals. Translucent bands of three or more models merge into one brown area, so:
//   bands     (≤ 2 series with intervals, or asked for) a filled band with an outline in the
//             series' colour;
//   whiskers  (≥ 3 series, or asked for) an error bar at each measured k, the series dodged
//             sideways so no two overlap; nothing is drawn between measured k.
// render_panels draws one small panel per series (its band and line, the others in light grey):
// the per-model view for many models.
//
// Element classes (the tests and the headless-browser check look for them):
//   <path class="curve" id="curve-<chart id>-<series key>" data-series="<name>">
//   <path class="band" id="band-<chart id>-<series key>">        (bands and panels)
//   <path class="interval" id="interval-<chart id>-<series key>"> (whiskers)
//   <rect class="bar" data-series="<name>">, with class "bar few" when greyed (BarChart.min_count)
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace trafl::report {

inline constexpr double kFigureWidthPx = 420;
inline constexpr double kMinFontPx = 13;

struct Series {
  std::string name;  // legend text (escaped when rendered)
  std::string key;   // id-safe key (report::slug of the name)
  int style = 0;     // palette / dash / marker index
  std::vector<double> x, y;
  std::vector<double> low, high;  // interval per point; empty = none
  std::int64_t count = -1;        // bars: problems behind the series (shown in the legend); −1 = not shown
};

enum class Intervals { kAutomatic, kBands, kWhiskers };

struct LineChart {
  std::string id;     // id-safe
  std::string title;  // the SVG's <title> (accessibility, tooltips); not drawn
  std::string x_label, y_label;
  bool log2_x = true;                  // x axis in log2 with ticks at powers of two
  bool percent = false;                // y values are fractions shown as percent
  std::optional<double> y_min, y_max;  // fixed range; otherwise from the data (with intervals)
  bool zero_line = false;
  Intervals intervals = Intervals::kAutomatic;
  std::vector<Series> series;
};

struct BarChart {
  std::string id;
  std::string title;  // <title> only, as above
  std::string y_label;
  std::vector<std::string> categories;  // groups along x
  std::vector<Series> series;           // series.y[i] = value for categories[i] (NaN = missing); low/high = interval
  double y_max = 1.0;
  std::int64_t min_count = 0;  // a series with 0 ≤ count < min_count is drawn grey (too few problems)
};

std::string render(const LineChart& chart);
std::string render_panels(const LineChart& chart);
std::string render(const BarChart& chart);

const char* palette_color(int style);

// Shared by the raster pictures (svg_raster.cpp): the opening <svg> element with <title> and a
// white background, and a text element.
std::string svg_open(const std::string& id, const std::string& title, double width, double height);
std::string svg_text(double x, double y, const std::string& text, const char* anchor = "start",
                     double size = kMinFontPx, const char* extra = "");
// `text` cut to at most max_chars characters (UTF-8 code points, the last one "…") when longer: labels that
// must fit a width.
std::string shorten(const std::string& text, std::size_t max_chars);

}  // namespace trafl::report
