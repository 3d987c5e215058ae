#pragma once
// Raster pictures of denoising trajectories (standalone SVG, same conventions as svg_plot.hpp: no
// drawn title, text no smaller than kMinFontPx, kFigureWidthPx wide): one panel per model, panels
// side by side, each a grid of cells shaded by value.
//   unmasking orders   rows = correct samples, columns = positions, shade = commit step
//                      (viridis: dark early, yellow late); identical rows = one denoising path
//   commit heat map    rows = commit steps (0 on top), columns = positions, shade = fraction of
//                      correct samples committing that position at that step (white → dark blue);
//                      a locked model draws a thin sharp line, a diverse one a cloud
// Every panel is <g class="raster-panel" id="raster-<id>-<key>" data-series="<name>">.
#include <cstddef>
#include <string>
#include <vector>

namespace trafl::report {

struct RasterPanel {
  std::string name;  // model (escaped when rendered)
  std::string key;   // id-safe
  int style = 0;     // palette index (the label's colour)
  std::string note;  // one line under the panel, e.g. "12 correct · 3 paths"
  std::size_t rows = 0, cols = 0;
  std::vector<double> cells;  // row-major rows × cols; NaN = nothing drawn
};

enum class Shading { kViridis, kBlues };

struct Raster {
  std::string id, title;  // title: <title> only
  std::string x_label, row_label, scale_label;
  Shading shading = Shading::kViridis;
  double value_min = 0, value_max = 1;  // colour-scale ends (labelled under the picture)
  std::string min_text, max_text;       // their labels
  std::vector<RasterPanel> panels;
};

std::string render(const Raster& raster);

// The colour of t ∈ [0, 1] on a shading ("#rrggbb").
std::string shade(Shading shading, double t);

}  // namespace trafl::report
