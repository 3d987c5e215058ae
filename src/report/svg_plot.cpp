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

constexpr double kW = 680, kH = 400, kLeft = 66, kRight = 170, kTop = 40, kBottom = 56;
constexpr double kPlotW = kW - kLeft - kRight, kPlotH = kH - kTop - kBottom;

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

// Title on top; the part after " — " (which cell it is) as a smaller second line, so that long
// cell labels never run off the chart.
std::string header(const std::string& id, const std::string& title) {
  const auto dash = title.find(" — ");
  const std::string main = dash == std::string::npos ? title : title.substr(0, dash);
  const std::string sub = dash == std::string::npos ? "" : title.substr(dash + std::string(" — ").size());
  std::string out = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" id="{0}" class="chart" viewBox="0 0 {1} {2}" width="{1}" height="{2}" role="img" aria-labelledby="{0}-title" font-family="Helvetica, Arial, sans-serif" font-size="12">)"
      "\n<title id=\"{0}-title\">{3}</title>\n<rect width=\"{1}\" height=\"{2}\" fill=\"#ffffff\"/>\n"
      "<text x=\"{4}\" y=\"17\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">{5}</text>\n",
      id, kW, kH, escape(title), kLeft, escape(main));
  if (!sub.empty()) out += fmt::format("<text x=\"{}\" y=\"32\" font-size=\"11\" fill=\"#555\">{}</text>\n", kLeft, escape(sub));
  return out;
}

std::string legend(const std::vector<Series>& series, bool lines) {
  std::string out = "<g class=\"legend\">\n";
  double y = kTop + 8;
  for (const auto& s : series) {
    const int st = s.style % kStyles;
    const double x = kLeft + kPlotW + 14;
    if (lines) {
      out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2.2" stroke-dasharray="{}"/>)", f(x),
                         f(y), f(x + 26), f(y), kColors[st], kDashes[st]);
      out += marker(s.style, x + 13, y, kColors[st]);
    } else {
      out += fmt::format(R"(<rect x="{}" y="{}" width="14" height="10" fill="{}"/>)", f(x + 6), f(y - 5), kColors[st]);
    }
    std::string name = s.name.size() > 20 ? s.name.substr(0, 19) + "…" : s.name;
    out += fmt::format("<text x=\"{}\" y=\"{}\" fill=\"#222\">{}</text>\n", f(x + 32), f(y + 4), escape(name));
    y += 20;
  }
  return out + "</g>\n";
}

}  // namespace

const char* palette_color(int style) { return kColors[style % kStyles]; }

std::string render(const LineChart& c) {
  // Data ranges.
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
  const double step = nice_step(y_hi - y_lo, 5);
  if (!c.y_min) y_lo = std::floor(y_lo / step - 1e-9) * step;
  if (!c.y_max) y_hi = std::ceil(y_hi / step + 1e-9) * step;
  const double lx0 = c.log2_x ? std::log2(std::max(x_min, 1e-12)) : x_min;
  double lx1 = c.log2_x ? std::log2(std::max(x_max, 1e-12)) : x_max;
  if (lx1 - lx0 < 1e-9) lx1 = lx0 + 1;
  auto px = [&](double x) { return kLeft + ((c.log2_x ? std::log2(x) : x) - lx0) / (lx1 - lx0) * kPlotW; };
  auto py = [&](double y) { return kTop + (1 - (y - y_lo) / (y_hi - y_lo)) * kPlotH; };

  std::string out = header(c.id, c.title);
  // Grid and y ticks.
  out += "<g class=\"axes\" stroke=\"#ddd\" stroke-width=\"1\">\n";
  for (double v = y_lo; v <= y_hi + step * 1e-6; v += step)
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}"/>)", f(kLeft), f(py(v)), f(kLeft + kPlotW), f(py(v)));
  std::vector<double> xticks;
  if (c.log2_x) {
    for (double t = std::pow(2.0, std::ceil(lx0 - 1e-9)); t <= x_max * (1 + 1e-9); t *= 2) xticks.push_back(t);
    if (!xticks.empty() && xticks.back() < x_max * (1 - 1e-9)) xticks.push_back(x_max);  // e.g. n = 100
  } else {
    const double xs = nice_step(x_max - x_min, 6);
    for (double t = std::ceil(x_min / xs) * xs; t <= x_max + xs * 1e-6; t += xs) xticks.push_back(t);
  }
  for (double t : xticks)
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}"/>)", f(px(t)), f(kTop), f(px(t)), f(kTop + kPlotH));
  out += "</g>\n<g class=\"ticks\" fill=\"#444\">\n";
  for (double v = y_lo; v <= y_hi + step * 1e-6; v += step)
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", f(kLeft - 8), f(py(v) + 4), tick_label(v, c.percent, step));
  for (double t : xticks)
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n", f(px(t)), f(kTop + kPlotH + 18),
                       fmt::format("{:g}", t));
  out += "</g>\n";
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888"/>)", f(kLeft), f(kTop), f(kPlotW), f(kPlotH)) + "\n";
  if (c.zero_line && y_lo < 0 && y_hi > 0)
    out += fmt::format(R"(<line class="zero" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#555" stroke-width="1.2"/>)", f(kLeft),
                       f(py(0)), f(kLeft + kPlotW), f(py(0))) + "\n";
  out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#222\">{}</text>\n", f(kLeft + kPlotW / 2),
                     f(kH - 14), escape(c.x_label));
  out += fmt::format("<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\" fill=\"#222\">{}</text>\n",
                     f(kTop + kPlotH / 2), escape(c.y_label));
  // Bands under lines.
  for (const auto& s : c.series) {
    if (s.low.empty() || s.x.empty()) continue;
    std::string d;
    for (std::size_t i = 0; i < s.x.size(); ++i) d += fmt::format("{}{} {}", i ? "L" : "M", f(px(s.x[i])), f(py(s.high[i])));
    for (std::size_t i = s.x.size(); i-- > 0;) d += fmt::format("L{} {}", f(px(s.x[i])), f(py(s.low[i])));
    out += fmt::format(R"(<path class="band" id="band-{}-{}" d="{}Z" fill="{}" fill-opacity="0.16" stroke="none"/>)", c.id, s.key,
                       d, kColors[s.style % kStyles]) + "\n";
  }
  for (const auto& s : c.series) {
    if (s.x.empty()) continue;
    const int st = s.style % kStyles;
    std::string d;
    for (std::size_t i = 0; i < s.x.size(); ++i) d += fmt::format("{}{} {}", i ? "L" : "M", f(px(s.x[i])), f(py(s.y[i])));
    out += fmt::format(
        R"(<path class="curve" id="curve-{}-{}" data-series="{}" d="{}" fill="none" stroke="{}" stroke-width="2.2" stroke-dasharray="{}" stroke-linejoin="round"/>)",
        c.id, s.key, escape(s.name), d, kColors[st], kDashes[st]) + "\n<g class=\"markers\">";
    for (std::size_t i = 0; i < s.x.size(); ++i) out += marker(s.style, px(s.x[i]), py(s.y[i]), kColors[st]);
    out += "</g>\n";
  }
  out += legend(c.series, true);
  return out + "</svg>\n";
}

std::string render(const BarChart& c) {
  std::string out = header(c.id, c.title);
  const double y_max = c.y_max > 0 ? c.y_max : 1.0;
  auto py = [&](double y) { return kTop + (1 - y / y_max) * kPlotH; };
  const double step = nice_step(y_max, 5);
  out += "<g class=\"axes\" stroke=\"#ddd\">\n";
  for (double v = 0; v <= y_max + 1e-9; v += step)
    out += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}"/>)", f(kLeft), f(py(v)), f(kLeft + kPlotW), f(py(v)));
  out += "</g>\n<g class=\"ticks\" fill=\"#444\">\n";
  for (double v = 0; v <= y_max + 1e-9; v += step)
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", f(kLeft - 8), f(py(v) + 4), tick_label(v, false, step));
  out += "</g>\n";
  const std::size_t G = std::max<std::size_t>(c.categories.size(), 1), S = std::max<std::size_t>(c.series.size(), 1);
  const double group_w = kPlotW / static_cast<double>(G);
  const double bar_w = group_w * 0.8 / static_cast<double>(S);
  for (std::size_t g = 0; g < c.categories.size(); ++g) {
    const double gx = kLeft + group_w * static_cast<double>(g);
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#222\">{}</text>\n", f(gx + group_w / 2),
                       f(kTop + kPlotH + 18), escape(c.categories[g]));
    for (std::size_t s = 0; s < c.series.size(); ++s) {
      const auto& series = c.series[s];
      if (g >= series.y.size() || std::isnan(series.y[g])) continue;
      const double v = std::clamp(series.y[g], 0.0, y_max);
      const double x = gx + group_w * 0.1 + bar_w * static_cast<double>(s);
      out += fmt::format(
          R"(<rect class="bar" data-series="{}" x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {:.3f}</title></rect>)",
          escape(series.name), f(x), f(std::min(py(v), py(0) - 1.5)), f(bar_w * 0.92), f(std::max(py(0) - py(v), 1.5)), kColors[series.style % kStyles],
          escape(series.name), series.y[g]) + "\n";
    }
  }
  out += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888"/>)", f(kLeft), f(kTop), f(kPlotW), f(kPlotH)) + "\n";
  out += fmt::format("<text transform=\"translate(16 {}) rotate(-90)\" text-anchor=\"middle\" fill=\"#222\">{}</text>\n",
                     f(kTop + kPlotH / 2), escape(c.y_label));
  out += legend(c.series, false);
  return out + "</svg>\n";
}

}  // namespace trafl::report
