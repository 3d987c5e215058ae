// pass@k output formats: golden CSV, JSON structure, aligned table.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/error.hpp"
#include "metrics/passk_format.hpp"

using namespace trafl;

namespace {

PasskReport sample_report() {
  PasskReport report;
  report.bootstrap = 100;
  report.seed = 3;
  report.confidence = 0.95;
  PasskResult r;
  r.group = {"m,1", "t", "symbolic", "{\"steps\":64}"};
  r.problems = 3;
  r.samples = 30;
  r.correct = 7;
  r.n_min = 5;
  r.n_max = 10;
  r.points = {{1, 0.25, true, 0.125, 0.375}, {2, 0.5, true, 0.375, 0.625}};
  r.omitted = {{8, 1, 5}};
  report.results.push_back(r);
  return report;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_CASE("passk format names", "[passk]") {
  CHECK(parse_passk_format("table") == PasskFormat::kTable);
  CHECK(parse_passk_format("csv") == PasskFormat::kCsv);
  CHECK(parse_passk_format("json") == PasskFormat::kJson);
  CHECK_THROWS_AS(parse_passk_format("xml"), UsageError);
}

TEST_CASE("passk CSV golden: RFC 4180 quoting, omitted k as a row with empty values", "[passk]") {
  const std::string expected =
      "model,task,mode,config,label,by,scope,split,k,status,pass_at_k,ci_low,ci_high,confidence,bootstrap,seed,"
      "problems,samples,correct,n_min,n_max,problems_short\n"
      "\"m,1\",t,symbolic,\"{\"\"steps\"\":64}\",steps=64,,all,,1,ok,0.25,0.125,0.375,0.95,100,3,3,30,7,5,10,0\n"
      "\"m,1\",t,symbolic,\"{\"\"steps\"\":64}\",steps=64,,all,,2,ok,0.5,0.375,0.625,0.95,100,3,3,30,7,5,10,0\n"
      "\"m,1\",t,symbolic,\"{\"\"steps\"\":64}\",steps=64,,all,,8,omitted,,,,0.95,100,3,3,30,7,5,10,1\n";
  CHECK(format_passk_csv(sample_report()) == expected);

  auto report = sample_report();
  report.by = "level";
  report.bootstrap = 0;
  report.results[0].split = "Level 5";
  for (auto& p : report.results[0].points) p.has_ci = false;
  report.results[0].omitted.clear();
  const auto rows = lines(format_passk_csv(report));
  REQUIRE(rows.size() == 3);
  CHECK(rows[1] ==
        "\"m,1\",t,symbolic,\"{\"\"steps\"\":64}\",steps=64,level,split,Level 5,1,ok,0.25,,,0.95,0,3,3,30,7,5,10,0");
}

TEST_CASE("passk JSON structure", "[passk]") {
  const auto j = passk_to_json(sample_report());
  const auto expected = nlohmann::json::parse(R"J({
    "schema": "trafl-eval/passk", "version": 1, "by": null, "confidence": 0.95, "bootstrap": 100, "seed": 3,
    "ci_method": "percentile bootstrap over problems (type-7 quantiles)",
    "results": [{
      "model": "m,1", "task": "t", "mode": "symbolic", "config": {"steps": 64}, "label": "steps=64", "split": null,
      "problems": 3, "samples": 30, "correct": 7, "n_min": 5, "n_max": 10,
      "pass_at_k": [{"k": 1, "value": 0.25, "ci_low": 0.125, "ci_high": 0.375},
                    {"k": 2, "value": 0.5, "ci_low": 0.375, "ci_high": 0.625}],
      "omitted": [{"k": 8, "problems_short": 1, "n_min": 5}]
    }],
    "notes": ["note: m,1 / t / symbolic / config {\"steps\":64}: pass@k omitted for k = 8 (1 of 3 problems have n < 8); min n = 5, only k <= 5 is reported (k > n has no unbiased estimate)"]
  })J");
  CHECK(j == expected);
  const std::string text = format_passk_json(sample_report());
  CHECK(text.rfind("{\n  \"bootstrap\": 100,\n  \"by\": null,\n", 0) == 0);  // sorted keys, 2-space indent
  CHECK(text.back() == '\n');
  CHECK(nlohmann::json::parse(text) == expected);

  auto no_ci = sample_report();
  no_ci.results[0].points[0].has_ci = false;
  no_ci.results[0].split = "";
  no_ci.by = "subject";
  const auto j2 = passk_to_json(no_ci);
  CHECK(j2["results"][0]["pass_at_k"][0]["ci_low"].is_null());
  CHECK(j2["results"][0]["split"] == "");
  CHECK(j2["by"] == "subject");
}

TEST_CASE("passk table: aligned columns, CI in percent, config legend, omission notes apart", "[passk]") {
  auto report = sample_report();
  report.by = "level";
  report.results[0].split = std::nullopt;
  auto second = report.results[0];
  second.group.config = "{\"steps\":128}";
  second.split = "Level 1";
  second.n_min = second.n_max = 10;
  second.omitted.clear();
  report.results.push_back(second);

  const auto text = format_passk_table(report);
  const auto rows = lines(text);
  REQUIRE(rows.size() >= 5);
  CHECK(rows[0].find("model") == 0);
  for (const char* col : {"task", "mode", "config", "level", "k", "pass@k", "95% CI", "problems", "n"})
    CHECK(rows[0].find(col) != std::string::npos);
  // header + 4 data rows, all the same width (right-aligned last column)
  for (int i = 1; i <= 4; ++i) CHECK(rows[i].size() == rows[0].size());
  CHECK(rows[1].find("steps=64") != std::string::npos);  // diagnose's label, not cfg1
  CHECK(rows[1].find(" all ") != std::string::npos);
  CHECK(rows[1].find("25.00") != std::string::npos);
  CHECK(rows[1].find("[12.50, 37.50]") != std::string::npos);
  CHECK(rows[1].find("5-10") != std::string::npos);
  CHECK(rows[3].find("steps=128") != std::string::npos);
  CHECK(rows[3].find("Level 1") != std::string::npos);
  CHECK(text.find("t / steps=64 = {\"steps\":64}") != std::string::npos);
  CHECK(text.find("t / steps=128 = {\"steps\":128}") != std::string::npos);
  CHECK(text.find("cfg1") == std::string::npos);
  CHECK(text.find("percentile bootstrap over problems, 100 resamples, seed 3") != std::string::npos);
  CHECK(text.find("omitted") == std::string::npos);  // notes are separate
  const auto notes = passk_notes(report);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("[split all]") != std::string::npos);
}
