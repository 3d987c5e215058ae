// The report: a self-contained HTML page with a pass@k curve per model per cell, the tables, the
// diagnostics figures, escaped database text, standalone SVG/CSV figures and per-problem pages.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "diagnostics/diagnostics.hpp"
#include "report/html.hpp"
#include "report/report.hpp"
#include "report/svg_plot.hpp"
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
    const nlohmann::json config = {{"gen_length", length}, {"steps", length}, {"block_length", 8}, {"temperature", 0.6}};
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
          for (int j = 0; j < length; ++j) steps[j] = mi == 1 ? j : (j / 8) * 8 + ((j + s) % 8);  // grpo: one fixed order
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
  CHECK(report::escape(std::string("a\x01" "b")) == "a\xEF\xBF\xBD" "b");
  CHECK(report::slug("math500") == "math500");
  CHECK(report::slug("test/algebra/1.json") != report::slug("test_algebra_1.json"));
  CHECK(report::slug("../etc").find('/') == std::string::npos);
  CHECK(report::slug("..").front() != '.');
}

TEST_CASE("line chart: one path per series, bands, log-2 ticks", "[report]") {
  report::LineChart c;
  c.id = "t";
  c.percent = true;
  for (int s = 0; s < 3; ++s) {
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
  const std::string svg = report::render(c);
  CHECK(count(svg, "<path class=\"curve\"") == 3);
  CHECK(count(svg, "<path class=\"band\"") == 3);
  CHECK(svg.find(">16</text>") != std::string::npos);  // x tick at 16
  CHECK(svg.find("a&lt;b") != std::string::npos);
  CHECK(svg.find("a<b") == std::string::npos);
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

  // One pass@k curve per model per cell (2 lengths × 3 models), ids from the cell and model.
  const auto result = diagnostics::run(store, o.diagnostics);
  REQUIRE(result.cells.size() == 2);
  CHECK(count(html, "<path class=\"curve\" id=\"curve-passk_") == 6);
  for (const auto& cell : result.cells)
    for (const auto& m : cell.models) {
      INFO(cell.slug << " " << m.model);
      CHECK(html.find("id=\"curve-passk_" + cell.slug + "-" + report::slug(m.model) + "\"") != std::string::npos);
      CHECK(html.find("id=\"band-passk_" + cell.slug + "-" + report::slug(m.model) + "\"") != std::string::npos);
    }
  // Δ curves for the two non-baseline models, distinct-answer curves, diversity bars.
  CHECK(count(html, "<path class=\"curve\" id=\"curve-delta_") == 4);
  CHECK(count(html, "<path class=\"curve\" id=\"curve-distinct_") == 6);
  CHECK(count(html, "<rect class=\"bar\"") == 2 * 3 * 4);

  // Tables: locking summary, per-split tables, run configurations, definitions.
  CHECK(html.find("id=\"locking\"") != std::string::npos);
  CHECK(html.find("<h4>by level</h4>") != std::string::npos);
  CHECK(html.find("<h4>by subject</h4>") != std::string::npos);
  CHECK(html.find("Level 3") != std::string::npos);
  CHECK(html.find("id=\"runs\"") != std::string::npos);
  CHECK(html.find("locking lambda") != std::string::npos);
  CHECK(count(html, "<tr><td>6</td><td class=\"l\">trafl&lt;&amp;&gt;</td>") == 1);  // run 6 in the run table

  // Escaped database text; the raw markup never appears.
  CHECK(html.find("trafl&lt;&amp;&gt;") != std::string::npos);
  CHECK(html.find("trafl<&>") == std::string::npos);

  // Standalone figures and their data.
  CHECK(s.figures.size() == 2 * 4);
  CHECK(s.data.size() == s.figures.size());
  for (const auto& f : s.figures) {
    const std::string svg = test::read_file(f);
    CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  }
  const std::string csv = test::read_file(dir.file("report/figures/passk_" + result.cells[0].slug + ".csv"));
  CHECK(csv.rfind("model,k,pass_at_k,ci_low,ci_high\n", 0) == 0);
  CHECK(count(csv, "\n") == 1 + 3 * 4);  // 3 models × k = 1, 2, 4, 8
  if (s.pngs.empty()) WARN("PNG figures not produced: " << s.png_note);

  // Problem pages: linked, capped, escaped.
  CHECK(s.problem_pages == 12);
  const std::string page_rel = "problems/math500/" + report::slug("test/algebra/0.json") + ".html";
  CHECK(html.find("href=\"" + page_rel + "#") != std::string::npos);
  const std::string page = test::read_file(dir.file("report/" + page_rel));
  CHECK(page.find("&lt;/pre&gt;&lt;script&gt;") != std::string::npos);
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("Compute &lt;x&gt; &amp; y") != std::string::npos);
  CHECK(page.find("Showing 4 of 8 samples") != std::string::npos);
  CHECK(fs::exists(dir.file("report/diagnostics/diagnostics.json")));
}

TEST_CASE("report renders in headless Chromium", "[report]") {
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
  const std::string dom_file = dir.file("dom.html");
  const std::string cmd = chromium + " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --dump-dom 'file://" + s.html +
                          "' > '" + dom_file + "' 2>/dev/null";
  REQUIRE(std::system(cmd.c_str()) == 0);
  const std::string dom = test::read_file(dom_file);
  // The browser parsed the inline SVGs into elements: the curves are in the DOM it built.
  CHECK(count(dom, "class=\"curve\" id=\"curve-passk_") == 6);
  CHECK(dom.find("<svg") != std::string::npos);
}
