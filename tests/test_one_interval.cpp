// Issue 20 §3: one number, one interval. The same pass@k of the same run, reported by `passk`,
// `passk --by`, `diagnose` and `report`, carries the same interval (all go through
// passk_estimates → problem_means_ci), and the configuration has the same name everywhere.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "metrics/config_label.hpp"
#include "metrics/passk.hpp"
#include "store/store.hpp"
#include "tests/support.hpp"
#include "tests/test_diagnostics_fixture.hpp"

using namespace trafl;

namespace {

const nlohmann::json kConfig = {{"gen_length", 16}, {"steps", 16}, {"block_length", 16}, {"temperature", 1.0}};

// 36 problems × 8 samples with varied counts, split into three levels.
void build_db(const std::string& path) {
  Store store(path);
  std::vector<test::FixtureProblem> problems;
  for (int i = 0; i < 36; ++i) {
    auto p = test::counts_problem("p" + std::to_string(100 + i), 8, (i * 5) % 9);
    p.metadata["level"] = "Level " + std::to_string(1 + i % 3);
    problems.push_back(p);
  }
  test::add_fixture_run(store, "m", "math500", kConfig, problems);
}

nlohmann::json parse_stdout(const test::CommandResult& r) {
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  return nlohmann::json::parse(r.out);
}

struct Ci {
  double value, low, high;
};

// pass@k by k from a passk JSON result object.
std::map<std::int64_t, Ci> passk_points(const nlohmann::json& result) {
  std::map<std::int64_t, Ci> out;
  for (const auto& pt : result.at("pass_at_k"))
    out[pt.at("k").get<std::int64_t>()] = {pt.at("value").get<double>(), pt.at("ci_low").get<double>(),
                                           pt.at("ci_high").get<double>()};
  return out;
}

}  // namespace

TEST_CASE("passk, passk --by, diagnose and report give one pass@k one interval", "[interval]") {
  test::TempDir dir;
  const std::string db = dir.file("runs.db");
  build_db(db);
  const std::string common = fmt::format("--db '{}' --mode symbolic --bootstrap 500 --seed 7", db);

  const auto plain = parse_stdout(test::run_cli("passk " + common + " --format json"));
  const auto by = parse_stdout(test::run_cli("passk " + common + " --by level --format json"));
  REQUIRE(plain.at("results").size() == 1);
  const auto all = passk_points(plain["results"][0]);
  REQUIRE(all.count(1) == 1);
  REQUIRE(all.count(8) == 1);

  // passk --by: its all-problems row equals passk's; each split row is what the report's split table shows.
  std::map<std::string, std::map<std::int64_t, Ci>> splits;
  for (const auto& r : by.at("results")) {
    if (r.at("split").is_null()) {
      for (const auto& [k, ci] : passk_points(r)) {
        CHECK(ci.low == all.at(k).low);
        CHECK(ci.high == all.at(k).high);
      }
    } else {
      splits[r["split"].get<std::string>()] = passk_points(r);
    }
  }
  REQUIRE(splits.size() == 3);

  // diagnose --out: passk.csv and diagnostics.json hold the same intervals, bit for bit.
  const auto diag = test::run_cli("diagnose " + common + " --format json --out '" + dir.file("diag") + "'");
  INFO(diag.out);
  REQUIRE(diag.exit_code == 0);
  const auto dj = nlohmann::json::parse(test::read_file(dir.file("diag/diagnostics.json")));
  REQUIRE(dj.at("cells").size() == 1);
  const auto& cell = dj["cells"][0];
  std::size_t compared = 0;
  for (const auto& pt : cell.at("models").at(0).at("pass_at_k")) {
    const auto k = pt.at("k").get<std::int64_t>();
    REQUIRE(all.count(k) == 1);
    CHECK(pt.at("value").get<double>() == all.at(k).value);
    CHECK(pt.at("ci_low").get<double>() == all.at(k).low);
    CHECK(pt.at("ci_high").get<double>() == all.at(k).high);
    ++compared;
  }
  CHECK(compared == all.size());  // k = 1 2 4 8

  // One naming: diagnose's cell label is the label passk's table gives the configuration.
  const std::string label = cell.at("cell").get<std::string>();
  CHECK(label == "L=16 steps=16 block=16 T=1.0");
  const auto table = test::run_cli("passk " + common);
  CHECK(table.out.find(label) != std::string::npos);
  CHECK(table.out.find("cfg1") == std::string::npos);

  // report: its diagnostics/passk.csv and its per-split table carry the same numbers.
  const auto rep =
      test::run_cli("report " + common + " --no-png --samples-per-problem 0 --out '" + dir.file("rep") + "'");
  INFO(rep.out);
  REQUIRE(rep.exit_code == 0);
  const std::string csv = test::read_file(dir.file("rep/diagnostics/passk.csv"));
  for (const auto& [k, ci] : all)
    CHECK(csv.find(fmt::format(",{},{},{},{},", k, ci.value, ci.low, ci.high)) != std::string::npos);
  const std::string html = test::read_file(dir.file("rep/report.html"));
  for (const auto& [level, points] : splits) {
    INFO(level);
    const auto& p1 = points.at(1);
    CHECK(html.find(fmt::format("[{:.1f}, {:.1f}]", 100 * p1.low, 100 * p1.high)) != std::string::npos);
  }
}

TEST_CASE("passk_estimates: the same counts give the same intervals whatever else is computed", "[interval]") {
  std::vector<ProblemCount> counts;
  for (int i = 0; i < 50; ++i) counts.push_back({10, (i * 7) % 11});
  BootstrapOptions o;
  o.resamples = 300;
  o.seed = 11;
  const auto one = passk_estimates(counts, {1}, o);
  const auto many = passk_estimates(counts, {1, 2, 4, 10}, o);
  REQUIRE(one.size() == 1);
  REQUIRE(many.size() == 4);
  CHECK(one[0].ci_low == many[0].ci_low);
  CHECK(one[0].ci_high == many[0].ci_high);
  CHECK(one[0].ci_low < one[0].value);
  CHECK(one[0].value < one[0].ci_high);
  o.threads = 1;
  CHECK(passk_estimates(counts, {1}, o)[0].ci_low == one[0].ci_low);
  o.resamples = 0;
  CHECK_FALSE(passk_estimates(counts, {1}, o)[0].has_ci);
}

TEST_CASE("config labels: diagnose's short label, run keys only to tell twins apart", "[interval]") {
  const std::string a =
      R"({"gen_length":32,"steps":16,"block_length":32,"temperature":0.6,"remasking":"low_confidence","seed":1,"model_sha256":"x"})";
  const std::string b =
      R"({"gen_length":32,"steps":16,"block_length":32,"temperature":0.6,"remasking":"low_confidence","seed":2,"model_sha256":"x"})";
  const std::string c =
      R"({"gen_length":64,"steps":16,"block_length":32,"temperature":0.6,"remasking":"low_confidence","seed":1,"model_sha256":"y","cfg_scale":0.5})";
  const auto labels = config_labels({a, b, c}, {"t", "t", "t"});
  CHECK(labels[0] == "L=32 steps=16 block=32 T=0.6 low_confidence seed=1");
  CHECK(labels[1] == "L=32 steps=16 block=32 T=0.6 low_confidence seed=2");
  CHECK(labels[2] == "L=64 steps=16 block=32 T=0.6 low_confidence cfg_scale=0.5");
  // Alone (another task), no seed and no cfg_scale: nothing to tell apart.
  CHECK(config_labels({a, c}, {"t", "u"})[0] == "L=32 steps=16 block=32 T=0.6 low_confidence");
}
