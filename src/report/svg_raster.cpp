#include "report/svg_raster.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/html.hpp"
#include "report/svg_plot.hpp"

namespace trafl::report {

namespace {

// Nine evenly spaced samples of each scale, interpolated linearly in RGB. viridis (van der Walt &
// Smith, matplotlib): perceptually uniform, readable under colour-vision deficiencies and in grey
// (its lightness rises monotonically). Blues: ColorBrewer's 9-class sequential Blues.
constexpr unsigned kViridis[9] = {0x440154, 0x472c7a, 0x3b518b, 0x2c718e, 0x21908d,
                                  0x27ad81, 0x5cc863, 0xaadc32, 0xfde725};
constexpr unsigned kBlues[9] = {0xf7fbff, 0xdeebf7, 0xc6dbef, 0x9ecae1, 0x6baed6,
                                0x4292c6, 0x2171b5, 0x08519c, 0x08306b};

std::string f(double v) { return fmt::format("{:.2f}", v); }

}  // namespace

std::string shade(Shading shading, double t) {
  const unsigned* table = shading == Shading::kViridis ? kViridis : kBlues;
  t = std::isnan(t) ? 0 : std::clamp(t, 0.0, 1.0) * 8;
  const int i = std::min(7, static_cast<int>(t));
  const double u = t - i;
  auto channel = [&](int shift) {
    const double a = (table[i] >> shift) & 0xff, b = (table[i + 1] >> shift) & 0xff;
    return static_cast<int>(std::lround(a + (b - a) * u));
  };
  return fmt::format("#{:02x}{:02x}{:02x}", channel(16), channel(8), channel(0));
}

std::string render(const Raster& r) {
  constexpr double kW = kFigureWidthPx, kLeft = 34, kRight = 8, kTop = 6, kLabel = 18, kNote = 20, kGapX = 12,
                   kGapY = 10;
  const std::size_t n = std::max<std::size_t>(r.panels.size(), 1);
  const std::size_t cols = std::min<std::size_t>(n, 3), rows = (n + cols - 1) / cols;
  const double panel_w = (kW - kLeft - kRight - kGapX * static_cast<double>(cols - 1)) / static_cast<double>(cols);
  std::size_t max_rows = 1;
  for (const auto& p : r.panels) max_rows = std::max(max_rows, p.rows);
  // Rows at most 8 px tall, the panel at most 130 px: a few samples stay legible, many stay compact.
  const double row_h = std::min(8.0, 130.0 / static_cast<double>(max_rows));
  const double panel_h = row_h * static_cast<double>(max_rows);
  const double block_h = kLabel + panel_h + kNote + kGapY;
  const double grid_bottom = kTop + block_h * static_cast<double>(rows);
  const double height = grid_bottom + 62;
  const double span = r.value_max > r.value_min ? r.value_max - r.value_min : 1.0;

  std::string out = svg_open(r.id, r.title, kW, height);
  for (std::size_t i = 0; i < r.panels.size(); ++i) {
    const auto& p = r.panels[i];
    const double x0 = kLeft + static_cast<double>(i % cols) * (panel_w + kGapX);
    const double y0 = kTop + static_cast<double>(i / cols) * block_h + kLabel;
    out += fmt::format(
        "<g class=\"raster-panel\" id=\"raster-{}-{}\" data-series=\"{}\" shape-rendering=\"crispEdges\">\n", r.id,
        p.key, escape(p.name));
    out += svg_text(x0, y0 - 5, shorten(p.name, 15), "start", kMinFontPx,
                    fmt::format(R"( font-weight="bold" fill="{}")", palette_color(p.style)).c_str()) +
           "\n";
    const double cell_w = p.cols ? panel_w / static_cast<double>(p.cols) : panel_w;
    out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="#f4f4f4"/>)", f(x0), f(y0), f(panel_w),
                       f(panel_h)) +
           "\n";
    for (std::size_t row = 0; row < p.rows; ++row) {
      // Neighbouring cells of one shade become one rect (fewer elements, no hairline seams).
      for (std::size_t c = 0; c < p.cols;) {
        const double v = p.cells[row * p.cols + c];
        std::size_t e = c + 1;
        while (e < p.cols && p.cells[row * p.cols + e] == v) ++e;
        if (!std::isnan(v))
          out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>)",
                             f(x0 + cell_w * static_cast<double>(c)), f(y0 + row_h * static_cast<double>(row)),
                             f(cell_w * static_cast<double>(e - c) + 0.05), f(row_h + 0.05),
                             shade(r.shading, (v - r.value_min) / span));
        c = e;
      }
    }
    out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888" stroke-width="0.8"/>)",
                       f(x0), f(y0), f(panel_w), f(panel_h)) +
           "\n";
    if (!p.note.empty())
      out += svg_text(x0, y0 + panel_h + 15, shorten(p.note, 16), "start", kMinFontPx, R"( fill="#333")") + "\n";
    out += "</g>\n";
  }
  out += fmt::format(
      "<text transform=\"translate(17 {}) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\" fill=\"#222\">{}</text>\n",
      f((kTop + grid_bottom) / 2), escape(r.row_label));
  out +=
      svg_text(kLeft + (kW - kLeft - kRight) / 2, grid_bottom + 10, r.x_label, "middle", 14, R"( fill="#222")") + "\n";
  // Colour scale: 40 steps between the two labelled ends.
  const double bar_x = kLeft + 40, bar_w = kW - kLeft - kRight - 80, bar_y = grid_bottom + 22;
  out += "<g class=\"colour-scale\" shape-rendering=\"crispEdges\">\n";
  for (int k = 0; k < 40; ++k)
    out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="10" fill="{}"/>)", f(bar_x + bar_w * k / 40), f(bar_y),
                       f(bar_w / 40 + 0.05), shade(r.shading, (k + 0.5) / 40));
  out +=
      svg_text(bar_x - 4, bar_y + 10, r.min_text, "end") + svg_text(bar_x + bar_w + 4, bar_y + 10, r.max_text, "start");
  out += svg_text(bar_x + bar_w / 2, bar_y + 27, r.scale_label, "middle", kMinFontPx, R"( fill="#333")") + "\n</g>\n";
  return out + "</svg>\n";
}

}  // namespace trafl::report
