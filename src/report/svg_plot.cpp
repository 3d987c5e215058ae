#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "report/html.hpp"

namespace trafl::report {

namespace {

// Okabe & Ito (2008), without yellow (too light on white).
const char* const kColors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"};
const char* const kDashes[] = {"", "6 3", "2 3", "8 3 2 3", "4 2", "1 2", "10 4"};
constexpr int kStyles = 7;

constexpr double kW = kFigureWidthPx, kLeft = 60, kRight = 14, kTop = 12;
constexpr double kPlotW = kW - kLeft - kRight;
constexpr double kAxisBelow = 48;  // x tick labels and x-axis label under a plot
constexpr double kLegendRow = 19;
constexpr int kLegendColumns = 2;

std::string f(double v) { return fmt::format("{:.2f}", v); }

// "Nice" tick step (1, 2 or 5 × 10^e) giving about `target` ticks over `span`.
double nice_step(double span, int target) {
  if (!(span > 0)) return 1;
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / mag;
  return (r < 1.5 ? 1 : r < 3.5 ? 2 : r < 7.5 ? 5 : 10) * mag;
}

std::string tick_label(double v, bool percent, double step) {
  const double shown = percent ? v * 100 : v;
  const double shown_step = percent ? step * 100 : step;
  const int decimals = shown_step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(shown_step) - 1e-9));
  return fmt::format("{:.{}f}", std::abs(shown) < 1e-12 ? 0.0 : shown, decimals);
}

std::string marker(int style, double x, double y, const char* color) {
  switch (style % 4) {
    case 0: return fmt::format(R"(<circle cx="{}" cy="{}" r="3.2" fill="{}"/>)", f(x), f(y), color);
    case 1: return fmt::format(R"(<rect x="{}" y="{}" width="6" height="6" fill="{}"/>)", f(x - 3), f(y - 3), color);
    case 2: return fmt::format(R"(<path d="M{} {}l3.6 6.2h-7.2z" fill="{}"/>)", f(x), f(y - 4), color);
    default: return fmt::format(R"(<path d="M{} {}l4 4-4 4-4-4z" fill="{}"/>)", f(x), f(y - 4), color);
  }
}

double legend_height(std::size_t n) { return std::ceil(static_cast<double>(n) / kLegendColumns) * kLegendRow + 6; }

// Legend in two columns from y0 down; `grey[i]`: the entry is drawn as a greyed bar.
std::string legend(const std::vector<Series>& series, bool lines, double y0, const std::vector<bool>& grey = {}) {
  std::string out = "<g class=\"legend\">\n";
  const double col_w = (kW - 16) / kLegendColumns;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    const int st = s.style % kStyles;
    const double x = 8 + col_w * static_cast<double>(i % kLegendColumns);
    const double y = y0 + kLegendRow * static_cast<double>(i / kLegendColumns) + 10;
    const bool g = i < grey.size() && grey[i];
    if (lines) {
      out +=
          fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.2" stroke-dasharray="{}"/>)",
                      f(x), f(y), f(x + 24), f(y), kColors[st], kDashes[st]);
      out += marker(s.style, x + 12, y, kColors[st]);
    } else {
      out += fmt::format(R"(<rect x="{}" y="{}" width="16" height="11" fill="{}" stroke="{}"/>)", f(x + 4), f(y - 6),
                         g ? "#d0d0d0" : kColors[st], kColors[st]);
    }
    std::string text = s.name;
    if (s.count >= 0) text += fmt::format(" (n={})", s.count);
    out += svg_text(x + 30, y + 4.5, shorten(text, 25), "start", kMinFontPx, g ? R"( fill="#777")" : R"( fill="#222")");
    out += "\n";
  }
  return out + "</g>\n";
}

struct Frame {
  double x0, y0, w, h;
};

struct Scales {
  bool log2_x = true;
  double lx0 = 0, lx1 = 1, y_lo = 0, y_hi = 1, y_step = 0.2;
  double pad = 0;  // px kept free at both ends of the x axis (dodged error bars stay inside the frame)
  std::vector<double> xticks;
  double px(const Frame& fr, double x) const {
    return fr.x0 + pad + ((log2_x ? std::log2(x) : x) - lx0) / (lx1 - lx0) * (fr.w - 2 * pad);
  }
  double py(const Frame& fr, double y) const { return fr.y0 + (1 - (y - y_lo) / (y_hi - y_lo)) * fr.h; }
};

Scales scales_of(const LineChart& c) {
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min, y_lo = x_min, y_hi = -x_min;
  for (const auto& s : c.series) {
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      x_min = std::min(x_min, s.x[i]);
      x_max = std::max(x_max, s.x[i]);
      y_lo = std::min(y_lo, s.y[i]);
      y_hi = std::max(y_hi, s.y[i]);
      if (!s.low.empty()) y_lo = std::min(y_lo, s.low[i]), y_hi = std::max(y_hi, s.high[i]);
    }
  }
  if (!(x_min <= x_max)) x_min = 1, x_max = 2, y_lo = 0, y_hi = 1;
  if (c.zero_line) y_lo = std::min(y_lo, 0.0), y_hi = std::max(y_hi, 0.0);
  if (c.y_min) y_lo = *c.y_min;
  if (c.y_max) y_hi = *c.y_max;
  if (y_hi - y_lo < 1e-9) y_lo -= 0.5, y_hi += 0.5;
  Scales s;
  s.log2_x = c.log2_x;
  s.y_step = nice_step(y_hi - y_lo, 5);
  s.y_lo = c.y_min ? y_lo : std::floor(y_lo / s.y_step - 1e-9) * s.y_step;
  s.y_hi = c.y_max ? y_hi : std::ceil(y_hi / s.y_step + 1e-9) * s.y_step;
  s.lx0 = c.log2_x ? std::log2(std::max(x_min, 1e-12)) : x_min;
  s.lx1 = c.log2_x ? std::log2(std::max(x_max, 1e-12)) : x_max;
  if (s.lx1 - s.lx0 < 1e-9) s.lx1 = s.lx0 + 1;
  if (c.log2_x) {
    for (double t = std::pow(2.0, std::ceil(s.lx0 - 1e-9)); t <= x_max * (1 + 1e-9); t *= 2) s.xticks.push_back(t);
    if (!s.xticks.empty() && s.xticks.back() < x_max * (1 - 1e-9)) s.xticks.push_back(x_max);  // e.g. n = 100
  } else {
    const double xs = nice_step(x_max - x_min, 6);
    for (double t = std::ceil(x_min / xs) * xs; t <= x_max + xs * 1e-6; t += xs) s.xticks.push_back(t);
  }
  return s;
}

// Grid, frame and tick labels of one plot area; x tick labels thinned to what fits.
std::string axes(const Frame& fr, const Scales& s, bool percent, bool y_labels, bool zero_line) {
  std::string out = "<g class=\"axes\" stroke=\"#e0e0e0\" stroke-width=\"1\">\n";
  for (double v = s.y_lo; v <= s.y_hi + s.y_step * 1e-6; v += s.y_step)
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}"/>)", f(fr.x0), f(s.py(fr, v)), f(fr.x0 + fr.w),
                       f(s.py(fr, v)));
  for (double t : s.xticks)
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}"/>)", f(s.px(fr, t)), f(fr.y0), f(s.px(fr, t)),
                       f(fr.y0 + fr.h));
  out += "</g>\n<g class=\"ticks\" fill=\"#333\">\n";
  if (y_labels)
    for (double v = s.y_lo; v <= s.y_hi + s.y_step * 1e-6; v += s.y_step)
      out += svg_text(fr.x0 - 6, s.py(fr, v) + 4.5, tick_label(v, percent, s.y_step), "end") + "\n";
  // A label needs about 8 px per character plus a gap: keep every stride-th tick (the last always).
  std::size_t stride = 1;
  const auto fits = [&](std::size_t st) {
    double last = -1e9;
    for (std::size_t i = 0; i < s.xticks.size(); i += st) {
      const double x = s.px(fr, s.xticks[i]), half = 4.2 * static_cast<double>(fmt::format("{:g}", s.xticks[i]).size());
      if (x - half < last + 4) return false;
      last = x + half;
    }
    return true;
  };
  while (stride < s.xticks.size() && !fits(stride)) ++stride;
  for (std::size_t i = 0; i < s.xticks.size(); i += stride)
    out += svg_text(s.px(fr, s.xticks[i]), fr.y0 + fr.h + 17, fmt::format("{:g}", s.xticks[i]), "middle") + "\n";
  out += "</g>\n";
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888"/>)", f(fr.x0), f(fr.y0),
                     f(fr.w), f(fr.h)) +
         "\n";
  if (zero_line && s.y_lo < 0 && s.y_hi > 0)
    out += fmt::format(R"(<line class="zero" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#555" stroke-width="1.2"/>)",
                       f(fr.x0), f(s.py(fr, 0)), f(fr.x0 + fr.w), f(s.py(fr, 0))) +
           "\n";
  return out;
}

std::string band(const Frame& fr, const Scales& sc, const std::string& id, const Series& s) {
  std::string d;
  for (std::size_t i = 0; i < s.x.size(); ++i)
    d += fmt::format("{}{} {}", i ? "L" : "M", f(sc.px(fr, s.x[i])), f(sc.py(fr, s.high[i])));
  for (std::size_t i = s.x.size(); i-- > 0;) d += fmt::format("L{} {}", f(sc.px(fr, s.x[i])), f(sc.py(fr, s.low[i])));
  const char* color = kColors[s.style % kStyles];
  return fmt::format(
             R"(<path class="band" id="band-{}-{}" d="{}Z" fill="{}" fill-opacity="0.15" stroke="{}" stroke-opacity="0.75" stroke-width="0.9"/>)",
             id, s.key, d, color, color) +
         "\n";
}

std::string whiskers(const Frame& fr, const Scales& sc, const std::string& id, const Series& s, double dx) {
  std::string d;
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    const double x = sc.px(fr, s.x[i]) + dx, lo = sc.py(fr, s.low[i]), hi = sc.py(fr, s.high[i]);
    d += fmt::format("M{} {}V{}M{} {}h4M{} {}h4", f(x), f(lo), f(hi), f(x - 2), f(lo), f(x - 2), f(hi));
  }
  return fmt::format(
             R"(<path class="interval" id="interval-{}-{}" d="{}" fill="none" stroke="{}" stroke-width="1.4"/>)", id,
             s.key, d, kColors[s.style % kStyles]) +
         "\n";
}

std::string curve(const Frame& fr, const Scales& sc, const std::string& id, const Series& s, double dx,
                  bool grey = false) {
  const int st = s.style % kStyles;
  std::string d;
  for (std::size_t i = 0; i < s.x.size(); ++i)
    d += fmt::format("{}{} {}", i ? "L" : "M", f(sc.px(fr, s.x[i]) + dx), f(sc.py(fr, s.y[i])));
  if (grey)  // the other series behind a panel's own: context, no id, no markers
    return fmt::format(R"(<path class="context" d="{}" fill="none" stroke="#c4c4c4" stroke-width="1.2"/>)", d) + "\n";
  std::string out =
      fmt::format(
          R"(<path class="curve" id="curve-{}-{}" data-series="{}" d="{}" fill="none" stroke="{}" stroke-width="2.2" stroke-dasharray="{}" stroke-linejoin="round"/>)",
          id, s.key, escape(s.name), d, kColors[st], kDashes[st]) +
      "\n<g class=\"markers\">";
  for (std::size_t i = 0; i < s.x.size(); ++i)
    out += marker(s.style, sc.px(fr, s.x[i]) + dx, sc.py(fr, s.y[i]), kColors[st]);
  return out + "</g>\n";
}

std::string axis_labels(double cx, double x_label_y, double cy, const std::string& x_label,
                        const std::string& y_label) {
  std::string out = svg_text(cx, x_label_y, x_label, "middle", 14, R"( fill="#222")") + "\n";
  out += fmt::format(
      "<text transform=\"translate(17 {}) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\" fill=\"#222\">{}</text>\n",
      f(cy), escape(y_label));
  return out;
}

}  // namespace

const char* palette_color(int style) { return kColors[style % kStyles]; }

std::string svg_open(const std::string& id, const std::string& title, double width, double height) {
  return fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" id="{0}" class="chart" viewBox="0 0 {1} {2}" width="{1}" height="{2}" role="img" aria-labelledby="{0}-title" font-family="Helvetica, Arial, 'DejaVu Sans', sans-serif" font-size="{3}">)"
      "\n<title id=\"{0}-title\">{4}</title>\n<rect width=\"{1}\" height=\"{2}\" fill=\"#ffffff\"/>\n",
      id, f(width), f(height), kMinFontPx, escape(title));
}

std::string shorten(const std::string& text, std::size_t max_chars) {
  // Characters, not bytes: what fits a panel is a number of glyphs ("64 ok · 22 paths" is 16 characters in
  // 17 bytes, and was cut to "64 ok · 22 pat…" by a byte count).
  std::size_t chars = 0, cut = std::string::npos;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte
    if (chars == max_chars - 1) cut = i;                                 // where "…" goes if it is too long
    if (++chars > max_chars) return text.substr(0, cut) + "…";
  }
  return text;
}

std::string svg_text(double x, double y, const std::string& text, const char* anchor, double size, const char* extra) {
  return fmt::format(R"(<text x="{}" y="{}" text-anchor="{}" font-size="{}"{}>{}</text>)", f(x), f(y), anchor, size,
                     extra, escape(text));
}

std::string render(const LineChart& c) {
  constexpr double kPlotH = 230;
  const Frame fr{kLeft, kTop, kPlotW, kPlotH};
  Scales sc = scales_of(c);
  std::size_t with_ci = 0;
  for (const auto& s : c.series) with_ci += !s.low.empty() && !s.x.empty();
  const bool use_whiskers =
      c.intervals == Intervals::kWhiskers || (c.intervals == Intervals::kAutomatic && with_ci >= 3);
  const double height = kTop + kPlotH + kAxisBelow + legend_height(c.series.size());
  // Dodge: series i of S is shifted by (i − (S−1)/2)·step, the step small enough that the whole
  // group stays within a third of the gap between neighbouring measured k.
  double min_gap = kPlotW;
  for (const auto& s : c.series)
    for (std::size_t i = 1; i < s.x.size(); ++i) min_gap = std::min(min_gap, sc.px(fr, s.x[i]) - sc.px(fr, s.x[i - 1]));
  const double dodge = use_whiskers && with_ci > 1 ? std::min(5.0, min_gap / 3 / static_cast<double>(with_ci - 1)) : 0;
  if (use_whiskers) sc.pad = dodge * static_cast<double>(with_ci) / 2 + 3;

  std::string out = svg_open(c.id, c.title, kW, height);
  out += axes(fr, sc, c.percent, true, c.zero_line);
  out += axis_labels(kLeft + kPlotW / 2, kTop + kPlotH + 38, kTop + kPlotH / 2, c.x_label, c.y_label);
  std::vector<double> dx(c.series.size(), 0.0);
  for (std::size_t i = 0, j = 0; i < c.series.size(); ++i)
    if (!c.series[i].low.empty()) dx[i] = (static_cast<double>(j++) - static_cast<double>(with_ci - 1) / 2) * dodge;
  for (const auto& s : c.series)  // bands under every line
    if (!use_whiskers && !s.low.empty() && !s.x.empty()) out += band(fr, sc, c.id, s);
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    const auto& s = c.series[i];
    if (s.x.empty()) continue;
    if (use_whiskers && !s.low.empty()) out += whiskers(fr, sc, c.id, s, dx[i]);
    out += curve(fr, sc, c.id, s, dx[i]);
  }
  out += legend(c.series, true, kTop + kPlotH + kAxisBelow);
  return out + "</svg>\n";
}

std::string render_panels(const LineChart& c) {
  const std::size_t n = std::max<std::size_t>(c.series.size(), 1);
  const std::size_t cols = n == 1 ? 1 : 2, rows = (n + cols - 1) / cols;
  constexpr double kGap = 16, kPanelH = 120, kPanelTitle = 18, kRowGap = 24;
  const double panel_w = (kPlotW - kGap * static_cast<double>(cols - 1)) / static_cast<double>(cols);
  const Scales sc = scales_of(c);
  const double height = kTop + static_cast<double>(rows) * (kPanelTitle + kPanelH + kRowGap) + kAxisBelow - kRowGap + 4;
  std::string out = svg_open(c.id, c.title, kW, height);
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    const auto& s = c.series[i];
    const std::size_t r = i / cols, col = i % cols;
    const Frame fr{kLeft + static_cast<double>(col) * (panel_w + kGap),
                   kTop + kPanelTitle + static_cast<double>(r) * (kPanelTitle + kPanelH + kRowGap), panel_w, kPanelH};
    out += fmt::format("<g class=\"panel\" data-series=\"{}\">\n", escape(s.name));
    out += svg_text(fr.x0, fr.y0 - 5, shorten(s.name, 22), "start", kMinFontPx,
                    fmt::format(R"( font-weight="bold" fill="{}")", kColors[s.style % kStyles]).c_str()) +
           "\n";
    out += axes(fr, sc, c.percent, col == 0, c.zero_line);
    for (std::size_t j = 0; j < c.series.size(); ++j)
      if (j != i && !c.series[j].x.empty()) out += curve(fr, sc, c.id, c.series[j], 0, true);
    if (!s.low.empty() && !s.x.empty()) out += band(fr, sc, c.id, s);
    if (!s.x.empty()) out += curve(fr, sc, c.id, s, 0);
    out += "</g>\n";
  }
  const double plots_bottom = kTop + static_cast<double>(rows) * (kPanelTitle + kPanelH + kRowGap) - kRowGap;
  out += axis_labels(kLeft + kPlotW / 2, plots_bottom + 38, (kTop + plots_bottom) / 2, c.x_label, c.y_label);
  return out + "</svg>\n";
}

std::string render(const BarChart& c) {
  constexpr double kPlotH = 210;
  const Frame fr{kLeft, kTop, kPlotW, kPlotH};
  const double y_max = c.y_max > 0 ? c.y_max : 1.0;
  auto py = [&](double y) { return kTop + (1 - y / y_max) * kPlotH; };
  const double step = nice_step(y_max, 5);
  const double height = kTop + kPlotH + 26 + legend_height(c.series.size());
  std::string out = svg_open(c.id, c.title, kW, height);
  out += "<g class=\"axes\" stroke=\"#e0e0e0\">\n";
  for (double v = 0; v <= y_max + 1e-9; v += step)
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}"/>)", f(kLeft), f(py(v)), f(kLeft + kPlotW), f(py(v)));
  out += "</g>\n<g class=\"ticks\" fill=\"#333\">\n";
  for (double v = 0; v <= y_max + 1e-9; v += step)
    out += svg_text(kLeft - 6, py(v) + 4.5, tick_label(v, false, step), "end") + "\n";
  out += "</g>\n";
  std::vector<bool> grey(c.series.size());
  for (std::size_t s = 0; s < c.series.size(); ++s) grey[s] = c.series[s].count >= 0 && c.series[s].count < c.min_count;
  const std::size_t G = std::max<std::size_t>(c.categories.size(), 1), S = std::max<std::size_t>(c.series.size(), 1);
  const double group_w = kPlotW / static_cast<double>(G);
  const double bar_w = group_w * 0.84 / static_cast<double>(S);
  for (std::size_t g = 0; g < c.categories.size(); ++g) {
    const double gx = fr.x0 + group_w * static_cast<double>(g);
    out +=
        svg_text(gx + group_w / 2, kTop + kPlotH + 17, c.categories[g], "middle", kMinFontPx, R"( fill="#222")") + "\n";
    for (std::size_t s = 0; s < c.series.size(); ++s) {
      const auto& series = c.series[s];
      if (g >= series.y.size() || std::isnan(series.y[g])) continue;
      const char* color = kColors[series.style % kStyles];
      const double v = std::clamp(series.y[g], 0.0, y_max);
      const double x = gx + group_w * 0.08 + bar_w * static_cast<double>(s);
      out +=
          fmt::format(
              R"(<rect class="bar{}" data-series="{}" x="{}" y="{}" width="{}" height="{}" fill="{}" stroke="{}" stroke-width="0.8"><title>{}: {:.3f}{}</title></rect>)",
              grey[s] ? " few" : "", escape(series.name), f(x), f(std::min(py(v), py(0) - 1.5)), f(bar_w * 0.9),
              f(std::max(py(0) - py(v), 1.5)), grey[s] ? "#d0d0d0" : color, color, escape(series.name), series.y[g],
              series.count >= 0 ? fmt::format(" ({} problems)", series.count) : "") +
          "\n";
      if (g < series.low.size() && !std::isnan(series.low[g])) {
        const double cx = x + bar_w * 0.45, lo = py(std::clamp(series.low[g], 0.0, y_max)),
                     hi = py(std::clamp(series.high[g], 0.0, y_max));
        out +=
            fmt::format(
                R"(<path class="bar-interval" data-series="{}" d="M{} {}V{}M{} {}h{}M{} {}h{}" stroke="#222" stroke-width="1.1" fill="none"/>)",
                escape(series.name), f(cx), f(lo), f(hi), f(cx - bar_w * 0.25), f(lo), f(bar_w * 0.5),
                f(cx - bar_w * 0.25), f(hi), f(bar_w * 0.5)) +
            "\n";
      }
    }
  }
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888"/>)", f(kLeft), f(kTop),
                     f(kPlotW), f(kPlotH)) +
         "\n";
  out += fmt::format(
      "<text transform=\"translate(17 {}) rotate(-90)\" text-anchor=\"middle\" font-size=\"14\" fill=\"#222\">{}</text>\n",
      f(kTop + kPlotH / 2), escape(c.y_label));
  out += legend(c.series, false, kTop + kPlotH + 26, grey);
  return out + "</svg>\n";
}

}  // namespace trafl::report
