// The report: a self-contained HTML page with a pass@k curve per model per cell, each model's
// interval legible (whiskers, per-model panels), the tables, the diagnostics figures, the pictures
// of the denoising paths, escaped database text, standalone SVG/CSV/PDF figures sized for a
// single-column paper figure, per-problem pages with their unmasking orders, and (where Chromium is
// installed) the page rendered in a browser at 800 and 1400 px.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>

#include "diagnostics/diagnostics.hpp"
#include "report/html.hpp"
#include "report/report.hpp"
#include "report/figures.hpp"
#include "report/svg_plot.hpp"
#include "report/svg_raster.hpp"
#include "store/store.hpp"
#include "tests/support.hpp"
#include "tests/test_diagnostics_fixture.hpp"

using namespace trafl;
namespace fs = std::filesystem;

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

// Three models × two generation lengths on a MATH-like task with levels and subjects; one model
// name and one completion carry markup that must come out escaped.
void build_db(const std::string& path) {
  Store store(path);
  const std::vector<std::string> models = {"base", "grpo", "trafl<&>"};
  for (int length : {16, 32}) {
    const nlohmann::json config = {
        {"gen_length", length}, {"steps", length}, {"block_length", 8}, {"temperature", 0.6}};
    for (std::size_t mi = 0; mi < models.size(); ++mi) {
      std::vector<test::FixtureProblem> problems;
      for (int i = 0; i < 12; ++i) {
        test::FixtureProblem p;
        p.id = "test/algebra/" + std::to_string(i) + ".json";
        p.metadata = {{"level", "Level " + std::to_string(1 + i % 3)}, {"subject", i % 2 ? "Algebra" : "Geometry"}};
        p.question = "Compute <x> & y for problem " + std::to_string(i);
        const int correct = static_cast<int>((i * 7 + mi * 5) % 9);
        for (int s = 0; s < 8; ++s) {
          test::FixtureSample smp;
          smp.correct = s < correct;
          smp.answer = smp.correct ? (s % 2 ? "1" : "1.0") : std::to_string(2 + s % (1 + static_cast<int>(mi)));
          std::vector<std::int32_t> steps(static_cast<std::size_t>(length));
          for (int j = 0; j < length; ++j)
            steps[j] = mi == 1 ? j : (j / 8) * 8 + ((j + s) % 8);  // grpo: one fixed order
          smp.steps = steps;
          if (i == 0 && s == 0) smp.completion = "</pre><script>alert('x')</script> \\boxed{" + smp.answer + "}";
          p.samples.push_back(smp);
        }
        problems.push_back(p);
      }
      test::add_fixture_run(store, models[mi], "math500", config, problems);
    }
  }
}

std::string find_chromium() {
  for (const char* name : {"chromium", "chromium-browser", "google-chrome", "chrome"}) {
    const std::string cmd = std::string("command -v ") + name + " >/dev/null 2>&1";
    if (std::system(cmd.c_str()) == 0) return name;
  }
  return "";
}

}  // namespace

TEST_CASE("escape and slug", "[report]") {
  CHECK(report::escape("<a href=\"x\">&'</a>") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  CHECK(report::escape(std::string("a\x01"
                                   "b")) ==
        "a\xEF\xBF\xBD"
        "b");
  CHECK(report::slug("math500") == "math500");
  CHECK(report::slug("test/algebra/1.json") != report::slug("test_algebra_1.json"));
  CHECK(report::slug("../etc").find('/') == std::string::npos);
  CHECK(report::slug("..").front() != '.');
}

TEST_CASE("shorten counts characters, not bytes", "[report]") {
  // The trajectory panels' notes: "64 ok · 22 paths" is 16 characters (17 bytes) and fits a 16-character slot.
  CHECK(report::shorten("64 ok · 22 paths", 16) == "64 ok · 22 paths");
  CHECK(report::shorten("512 ok · 128 paths", 16) == "512 ok · 128 pa…");
  CHECK(report::shorten("abcdefghijklmnopq", 16) == "abcdefghijklmno…");
  CHECK(report::shorten("ééééé", 4) == "ééé…");  // never cut inside a character
  CHECK(report::shorten("short", 16) == "short");
}

namespace {

report::LineChart chart_of(int series_count) {
  report::LineChart c;
  c.id = "t";
  c.title = "UNIQUE-TITLE-TEXT";
  c.percent = true;
  for (int s = 0; s < series_count; ++s) {
    report::Series series;
    series.name = s == 2 ? "a<b" : "m" + std::to_string(s);
    series.key = report::slug(series.name);
    series.style = s;
    for (int k : {1, 2, 4, 8, 16}) {
      series.x.push_back(k);
      series.y.push_back(0.1 * s + 0.01 * k);
      series.low.push_back(0.1 * s);
      series.high.push_back(0.1 * s + 0.02 * k);
    }
    c.series.push_back(series);
  }
  return c;
}

// Every font-size in an SVG, and its width in px.
std::vector<double> font_sizes(const std::string& svg) {
  std::vector<double> out;
  const std::regex re(R"re(font-size="([0-9.]+)")re");
  for (std::sregex_iterator it(svg.begin(), svg.end(), re), end; it != end; ++it) out.push_back(std::stod((*it)[1]));
  return out;
}
double svg_width(const std::string& svg) {
  std::smatch m;
  REQUIRE(std::regex_search(svg, m, std::regex(R"re(<svg[^>]* width="([0-9.]+)")re")));
  return std::stod(m[1]);
}

// Scaled to a 3.3 in column (237.6 pt), the smallest text of the figure in points.
double smallest_text_pt(const std::string& svg) {
  const auto sizes = font_sizes(svg);
  REQUIRE(!sizes.empty());
  return *std::min_element(sizes.begin(), sizes.end()) * 3.3 * 72 / svg_width(svg);
}

}  // namespace

TEST_CASE("line chart: one path per series, log-2 ticks, no drawn title", "[report]") {
  const std::string svg = report::render(chart_of(3));
  CHECK(count(svg, "<path class=\"curve\"") == 3);
  CHECK(svg.find(">16</text>") != std::string::npos);  // x tick at 16
  CHECK(svg.find("a&lt;b") != std::string::npos);
  CHECK(svg.find("a<b") == std::string::npos);
  // The title is the SVG's <title> (accessibility) and nowhere drawn.
  CHECK(count(svg, "UNIQUE-TITLE-TEXT") == 1);
  CHECK(svg.find("<title id=\"t-title\">UNIQUE-TITLE-TEXT</title>") != std::string::npos);
}

TEST_CASE("line chart intervals: bands for two models, whiskers at measured k for three, panels per model",
          "[report]") {
  // Two series: outlined bands.
  const std::string two = report::render(chart_of(2));
  CHECK(count(two, "<path class=\"band\"") == 2);
  CHECK(count(two, "<path class=\"interval\"") == 0);
  CHECK(two.find("id=\"band-t-m1\"") != std::string::npos);
  // Three: one error bar per measured k per model, dodged (no two at the same x), no bands.
  const std::string three = report::render(chart_of(3));
  CHECK(count(three, "<path class=\"band\"") == 0);
  REQUIRE(count(three, "<path class=\"interval\"") == 3);
  std::set<std::string> xs;
  const std::regex whisker(R"re(M([0-9.]+) [0-9.]+V)re");
  for (std::sregex_iterator it(three.begin(), three.end(), whisker), end; it != end; ++it) xs.insert((*it)[1]);
  CHECK(xs.size() == 3 * 5);
  // Asked for, bands with three.
  auto c = chart_of(3);
  c.intervals = report::Intervals::kBands;
  CHECK(count(report::render(c), "<path class=\"band\"") == 3);
  // Panels: one per model, each with its own band and line, the others as grey context.
  const std::string panels = report::render_panels(chart_of(3));
  CHECK(count(panels, "<g class=\"panel\"") == 3);
  CHECK(count(panels, "<path class=\"band\"") == 3);
  CHECK(count(panels, "<path class=\"curve\"") == 3);
  CHECK(count(panels, "<path class=\"context\"") == 3 * 2);
  for (const std::string& key : {std::string("m0"), std::string("m1"), report::slug("a<b")})
    CHECK(panels.find("id=\"band-t-" + key + "\"") != std::string::npos);
}

TEST_CASE("figures stay readable at single-column width", "[report]") {
  // 3.3 in = a two-column paper's \columnwidth; 7 pt is the smallest text journals accept.
  CHECK(smallest_text_pt(report::render(chart_of(3))) >= 7.0);
  CHECK(smallest_text_pt(report::render_panels(chart_of(3))) >= 7.0);
  report::BarChart b;
  b.id = "b";
  b.categories = {"a", "b"};
  b.series.push_back(chart_of(1).series[0]);
  CHECK(smallest_text_pt(report::render(b)) >= 7.0);
  report::Raster r;
  r.id = "r";
  r.panels.push_back({"m", "m", 0, "note", 2, 3, {0, 1, 2, 2, 1, 0}});
  CHECK(smallest_text_pt(report::render(r)) >= 7.0);
}

TEST_CASE("diversity bars: intervals, problem counts, grey below the minimum", "[report]") {
  report::BarChart b;
  b.id = "d";
  b.categories = {"Kendall", "orders"};
  b.min_count = 5;
  for (int s = 0; s < 2; ++s) {
    report::Series series;
    series.name = s ? "few" : "many";
    series.key = series.name;
    series.style = s;
    series.count = s ? 1 : 12;
    series.y = {0.4, 0.2};
    series.low = {0.3, 0.1};
    series.high = {0.5, 0.3};
    b.series.push_back(series);
  }
  const std::string svg = report::render(b);
  CHECK(count(svg, "<rect class=\"bar\" data-series=\"many\"") == 2);
  CHECK(count(svg, "<rect class=\"bar few\" data-series=\"few\"") == 2);
  CHECK(count(svg, "<path class=\"bar-interval\"") == 4);
  CHECK(svg.find("many (n=12)") != std::string::npos);
  CHECK(svg.find("few (n=1)") != std::string::npos);
}

TEST_CASE("raster: one panel per model, identical rows merge into one rect per run of cells", "[report]") {
  report::Raster r;
  r.id = "o";
  r.value_max = 3;
  r.panels.push_back({"locked", "locked", 0, "", 2, 4, {0, 1, 2, 3, 0, 1, 2, 3}});
  r.panels.push_back({"flat", "flat", 1, "", 1, 4, {2, 2, 2, 2}});
  const std::string svg = report::render(r);
  CHECK(count(svg, "<g class=\"raster-panel\"") == 2);
  CHECK(svg.find("id=\"raster-o-locked\"") != std::string::npos);
  CHECK(count(svg, "fill=\"" + report::shade(report::Shading::kViridis, 0) + "\"") >=
        2);  // step 0 in both rows of "locked"
  // "flat": four equal cells drawn as one rect of four cells' width.
  const auto flat = svg.substr(svg.find("id=\"raster-o-flat\""));
  CHECK(count(flat.substr(0, flat.find("</g>")),
              "fill=\"" + report::shade(report::Shading::kViridis, 2.0 / 3) + "\"") == 1);
  CHECK(report::shade(report::Shading::kViridis, 0) == "#440154");
  CHECK(report::shade(report::Shading::kViridis, 1) == "#fde725");
}

// The files a paper needs: for every figure its SVG, its CSV headed by '#' title/caption lines,
// and (with rsvg-convert) a PDF.
void check_figure_files(const report::Summary& s) {
  REQUIRE(s.data.size() == s.figures.size());
  for (std::size_t i = 0; i < s.figures.size(); ++i) {
    INFO(s.figures[i]);
    const std::string svg = test::read_file(s.figures[i]);
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
    const std::string csv = test::read_file(s.data[i]);
    CHECK(csv.rfind("# ", 0) == 0);
    CHECK(count(csv.substr(0, csv.find('\n', csv.find('\n') + 1)), "\n") ==
          1);  // exactly two comment lines, then the header
  }
  if (s.png_note.empty()) {
    CHECK(s.pdfs.size() == s.figures.size());
    for (const auto& pdf : s.pdfs) CHECK(test::read_file(pdf).rfind("%PDF", 0) == 0);
  } else {
    WARN("SKIPPED PDF checks: " << s.png_note);
  }
}

TEST_CASE("report: self-contained page with a curve per model per cell, tables, escaped text", "[report]") {
  test::TempDir dir;
  build_db(dir.file("runs.db"));
  Store store(dir.file("runs.db"), Store::OpenMode::kExisting);
  report::Options o;
  o.out_dir = dir.file("report");
  o.diagnostics.baseline = "base";
  o.diagnostics.bootstrap = 200;
  o.samples_per_problem = 4;
  const auto s = report::write(store, o);
  const std::string html = test::read_file(s.html);
  REQUIRE(!html.empty());

  // Self-contained: nothing fetched from a network, no script.
  CHECK_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*["']?\s*(https?:)?//)", std::regex::icase)));
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("<link") == std::string::npos);

  // One pass@k curve per model per cell (2 lengths × 3 models), ids from the cell and model; with
  // three models each one's interval is its own error bars, and its band is in its own panel.
  const auto result = diagnostics::run(store, o.diagnostics);
  REQUIRE(result.cells.size() == 2);
  CHECK(count(html, "<path class=\"curve\" id=\"curve-passk_") == 6);
  for (const auto& cell : result.cells)
    for (const auto& m : cell.models) {
      INFO(cell.slug << " " << m.model);
      const std::string key = cell.slug + "-" + report::slug(m.model);
      CHECK(html.find("id=\"curve-passk_" + key + "\"") != std::string::npos);
      CHECK(html.find("id=\"interval-passk_" + key + "\"") != std::string::npos);
      CHECK(html.find("id=\"band-passkpanels_" + key + "\"") != std::string::npos);
      // The paths: a heat-map panel, a distinct-paths curve and an orders panel per model.
      CHECK(html.find("id=\"raster-commit_" + key + "\"") != std::string::npos);
      CHECK(html.find("id=\"curve-paths_" + key + "\"") != std::string::npos);
      CHECK(html.find("id=\"raster-orders_" + key + "\"") != std::string::npos);
    }
  CHECK(count(html, "<path class=\"band\" id=\"band-passk_") == 0);  // no merged translucent bands
  // Δ curves for the two non-baseline models, distinct-answer curves, diversity bars with intervals.
  CHECK(count(html, "<path class=\"curve\" id=\"curve-delta_") == 4);
  CHECK(count(html, "<path class=\"curve\" id=\"curve-distinct_") == 6);
  CHECK(count(html, "<rect class=\"bar\"") == 2 * 3 * 4);
  CHECK(count(html, "<path class=\"bar-interval\"") == 2 * 3 * 4);
  // The number of problems behind each model's bars, in its legend entry.
  const std::regex legend_count(R"re(\(n=[0-9]+\)</text>)re");
  CHECK(std::distance(std::sregex_iterator(html.begin(), html.end(), legend_count), std::sregex_iterator()) == 2 * 3);

  // Titles in the HTML around the figures, not drawn in them.
  CHECK(count(html, "<div class=\"fig-title\"><b>pass@k</b>") == 2);
  CHECK_FALSE(std::regex_search(html, std::regex("<text[^>]*>pass@k — ")));

  // The verdict: grpo unmasks every sample in one fixed order (fixture), the others vary.
  CHECK(html.find("id=\"glance\"") != std::string::npos);
  CHECK(count(html, "yes: fewer paths than base") == 2 * 2);  // glance table + cell table, both cells
  CHECK(html.find("<td class=\"l\">trafl&lt;&amp;&gt;</td><td class=\"l\">no clear difference from base") !=
        std::string::npos);

  // Tables: locking summary, per-split tables, run configurations, definitions; all scroll sideways.
  CHECK(html.find("id=\"locking\"") != std::string::npos);
  CHECK(html.find("<h4>by level</h4>") != std::string::npos);
  CHECK(html.find("<h4>by subject</h4>") != std::string::npos);
  CHECK(html.find("Level 3") != std::string::npos);
  CHECK(html.find("id=\"runs\"") != std::string::npos);
  CHECK(html.find("locking lambda") != std::string::npos);
  CHECK(count(html, "<tr><td>6</td><td class=\"l\">trafl&lt;&amp;&gt;</td>") == 1);  // run 6 in the run table
  CHECK(count(html, "<table") == count(html, "<div class=\"wide\"><table"));
  CHECK(html.find("<code class=\"config\">") != std::string::npos);

  // Escaped database text; the raw markup never appears.
  CHECK(html.find("trafl&lt;&amp;&gt;") != std::string::npos);
  CHECK(html.find("trafl<&>") == std::string::npos);

  // Standalone figures, their data and PDF copies: per cell pass@k, its panels, Δ, distinct
  // answers, diversity, commit heat map, distinct paths, orders.
  CHECK(s.figures.size() == 2 * 8);
  check_figure_files(s);
  const std::string csv = test::read_file(dir.file("report/figures/passk_" + result.cells[0].slug + ".csv"));
  const std::string data = csv.substr(csv.find('\n', csv.find('\n') + 1) + 1);
  CHECK(csv.rfind("# pass@k — math500 · " + result.cells[0].label + "\n# One line per model", 0) == 0);
  CHECK(data.rfind("model,k,pass_at_k,ci_low,ci_high\n", 0) == 0);
  CHECK(count(data, "\n") == 1 + 3 * 4);  // 3 models × k = 1, 2, 4, 8
  const std::string orders = test::read_file(dir.file("report/figures/orders_" + result.cells[0].slug + ".csv"));
  CHECK(orders.find("model,problem,run,sample,row,position,commit_step,correct_with_path,distinct_paths\n") !=
        std::string::npos);
  if (s.pngs.empty()) WARN("PNG figures not produced: " << s.png_note);

  // Problem pages: linked, capped, escaped, with the orders of each cell's correct samples.
  CHECK(s.problem_pages == 12);
  const std::string page_rel = "problems/math500/" + report::slug("test/algebra/0.json") + ".html";
  CHECK(html.find("href=\"" + page_rel + "#") != std::string::npos);
  const std::string page = test::read_file(dir.file("report/" + page_rel));
  CHECK(page.find("&lt;/pre&gt;&lt;script&gt;") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("Compute &lt;x&gt; &amp; y") != std::string::npos);
  CHECK(page.find("Showing 4 of 8 samples") != std::string::npos);
  CHECK(count(page, "<g class=\"raster-panel\"") == 2 * 3);
  CHECK(s.problem_figures.size() == 12 * 2);
  for (const auto& f : s.problem_figures) {
    INFO(f);
    CHECK(fs::exists(fs::path(f).replace_extension(".csv")));
  }
  CHECK(fs::exists(dir.file("report/diagnostics/diagnostics.json")));
}

TEST_CASE("report on a single-answer task: denoising paths instead of distinct correct answers", "[report]") {
  // GSM8K-like: every correct sample gives the one numeric answer, so E[distinct correct answers]
  // would be pass@k again.
  test::TempDir dir;
  {
    Store store(dir.file("runs.db"));
    const nlohmann::json config = {{"gen_length", 8}, {"steps", 8}, {"block_length", 8}};
    for (int mi = 0; mi < 2; ++mi) {
      std::vector<test::FixtureProblem> problems;
      for (int i = 0; i < 6; ++i) {
        test::FixtureProblem p;
        p.id = "gsm/" + std::to_string(i);
        for (int s = 0; s < 8; ++s) {
          test::FixtureSample smp;
          smp.correct = s < 4 + mi;
          smp.answer = smp.correct ? "1" : std::to_string(2 + s);
          for (int j = 0; j < 8; ++j) smp.steps.push_back(mi == 0 ? (j + s) % 8 : j);
          p.samples.push_back(smp);
        }
        problems.push_back(p);
      }
      test::add_fixture_run(store, mi ? "rl" : "base", "gsm8k", config, problems);
    }
  }
  Store store(dir.file("runs.db"), Store::OpenMode::kReadOnly);
  report::Options o;
  o.out_dir = dir.file("report");
  o.diagnostics.baseline = "base";
  o.diagnostics.bootstrap = 100;
  o.samples_per_problem = 0;
  o.pdf = o.png = false;
  const auto s = report::write(store, o);
  const std::string html = test::read_file(s.html);
  const auto result = diagnostics::run(store, o.diagnostics);
  REQUIRE(result.cells.size() == 1);
  CHECK(report::single_answer(result.cells[0]));
  CHECK(html.find("curve-distinct_") == std::string::npos);
  CHECK(html.find("Every problem here has a single correct answer") != std::string::npos);
  // base: 4 correct samples on 4 different paths; rl: 5 correct on one path.
  const std::string paths = test::read_file(dir.file("report/figures/paths_" + result.cells[0].slug + ".csv"));
  auto value = [&](const std::string& row_start) {  // the distinct_paths field of the row "model,k,"
    const auto at = paths.find("\n" + row_start);
    REQUIRE(at != std::string::npos);
    return std::stod(paths.substr(at + 1 + row_start.size()));
  };
  CHECK(value("base,1,") == Approx(0.5));  // E[distinct paths among 1 sample] = pass@1
  CHECK(value("base,8,") == Approx(4));    // all four paths among all 8 samples
  CHECK(value("rl,8,") == Approx(1));      // one path however many samples
  CHECK(html.find("yes: fewer paths than base") != std::string::npos);
}

TEST_CASE("report renders in headless Chromium at 800 and 1400 px", "[report][chromium]") {
  const std::string chromium = find_chromium();
  if (chromium.empty()) {
    WARN("SKIPPED: no chromium binary on PATH (Debian package 'chromium'); the page was not rendered in a browser");
    return;
  }
  test::TempDir dir;
  build_db(dir.file("runs.db"));
  Store store(dir.file("runs.db"), Store::OpenMode::kExisting);
  report::Options o;
  o.out_dir = dir.file("report");
  o.diagnostics.baseline = "base";
  o.diagnostics.bootstrap = 50;
  o.samples_per_problem = 2;
  const auto s = report::write(store, o);
  const auto result = diagnostics::run(store, o.diagnostics);
  // A copy of the page with one script appended that records, after layout, how wide the document
  // is against the window (the report itself carries no script).
  const std::string probe = dir.file("report/probe.html");
  {
    std::string html = test::read_file(s.html);
    html.insert(html.rfind("</body>"),
                "<script>window.addEventListener('load',()=>{document.body.setAttribute('data-probe',"
                "document.documentElement.scrollWidth+'/'+window.innerWidth);});</script>");
    std::ofstream(probe) << html;
  }
  for (int width : {800, 1400}) {
    INFO("window width " << width);
    const std::string dom_file = dir.file("dom" + std::to_string(width) + ".html");
    const std::string cmd = chromium + " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --window-size=" +
                            std::to_string(width) + ",1000 --dump-dom 'file://" + probe + "' > '" + dom_file +
                            "' 2>/dev/null";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const std::string dom = test::read_file(dom_file);
    // The browser parsed the inline SVGs into elements: every model's curve, interval and band
    // (panels), and the path pictures, are in the DOM it built.
    CHECK(count(dom, "class=\"curve\" id=\"curve-passk_") == 6);
    for (const auto& cell : result.cells)
      for (const auto& m : cell.models) {
        const std::string key = cell.slug + "-" + report::slug(m.model);
        INFO(key);
        CHECK(dom.find("id=\"interval-passk_" + key + "\"") != std::string::npos);
        CHECK(dom.find("id=\"band-passkpanels_" + key + "\"") != std::string::npos);
        CHECK(dom.find("id=\"raster-orders_" + key + "\"") != std::string::npos);
        CHECK(dom.find("id=\"raster-commit_" + key + "\"") != std::string::npos);
      }
    // The PDF copies are linked and exist.
    for (const auto& pdf : s.pdfs)
      CHECK(dom.find("href=\"figures/" + fs::path(pdf).filename().string() + "\"") != std::string::npos);
    // Nothing wider than the window: wide tables and the configuration JSON wrap or scroll inside.
    std::smatch m;
    REQUIRE(std::regex_search(dom, m, std::regex(R"re(data-probe="([0-9]+)/([0-9]+)")re")));
    CHECK(std::stoi(m[1]) <= std::stoi(m[2]));
    CHECK(std::stoi(m[2]) == width);
  }
  if (s.pdfs.empty()) WARN("no PDF copies (rsvg-convert missing): " << s.png_note);
}
