// [objective][conformance]: the ELBO, the SFT loss and every objective against independent Python
// references (tests/reference/README.md). The goldens (loss, per-completion values, per-tensor gradient
// norms and selected entries) were computed in float64 by tests/reference/make_goldens.py from the
// batch that the hidden case "[.conformance-export]" writes; this test recomputes our side in float32
// and needs no Python.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "conformance_batch.hpp"
#include "support.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::test;

namespace {

constexpr double kTolerance = 1e-4;  // relative, float32 against float64 references

double rel(double ours, double golden) { return std::abs(ours - golden) / std::max(std::abs(golden), 1e-300); }

// The largest relative error of one case: loss, values, each gradient's norm and recorded entries.
double case_error(const CaseResult& r, const nlohmann::json& golden, std::string& worst) {
  double err = rel(r.loss, golden.at("loss").get<double>());
  worst = "loss";
  auto note = [&](double e, const std::string& what) {
    if (e > err) {
      err = e;
      worst = what;
    }
  };
  const auto& values = golden.at("values");
  REQUIRE(values.size() == r.values.size());
  for (std::size_t i = 0; i < values.size(); ++i) note(rel(r.values[i], values[i].get<double>()), "values");
  const auto& grads = golden.at("grads");
  REQUIRE(grads.size() == r.grads.size());
  for (const auto& [name, g] : grads.items()) {
    INFO(name);
    REQUIRE(r.grads.count(name) == 1);
    const torch::Tensor ours = r.grads.at(name).reshape({-1});
    const double norm = g.at("norm").get<double>();
    REQUIRE(norm > 0);  // make_goldens.py never records a zero gradient (it would hide a dead path)
    note(rel(ours.norm().item<double>(), norm), name + " norm");
    const auto& idx = g.at("index");
    const auto& val = g.at("value");
    for (std::size_t k = 0; k < idx.size(); ++k)
      note(rel(ours[idx[k].get<std::int64_t>()].item<double>(), val[k].get<double>()), name + " entry");
  }
  return err;
}

}  // namespace

TEST_CASE("conformance: ELBO, SFT and every objective equal the independent Python references",
          "[objective][conformance]") {
  const std::string path = std::string(TRAFL_SOURCE_DIR) + "/tests/reference/goldens.json";
  const nlohmann::json goldens = nlohmann::json::parse(read_file(path));
  ConformanceBatch batch = make_conformance_batch();
  REQUIRE(goldens.at("cases").size() == conformance_cases().size());
  for (const std::string& name : conformance_cases()) {
    INFO("case " << name);
    const nlohmann::json& golden = goldens.at("cases").at(name);
    const CaseResult r = run_conformance_case(batch, name);
    // The same inputs as when the goldens were made (masks are drawn by the objectives themselves:
    // a different draw means the goldens are stale, not that the loss is wrong).
    REQUIRE(r.inputs == golden.at("inputs"));
    std::string worst;
    const double err = case_error(r, golden, worst);
    std::printf("conformance %-15s max relative error %.2e (%s)\n", name.c_str(), err, worst.c_str());
    CHECK(err <= kTolerance);
  }
}

// Writes the batch and every case's inputs for tests/reference/make_goldens.py (hidden: run by
// scripts/make-conformance-goldens with TRAFL_CONFORMANCE_OUT set).
TEST_CASE("conformance export", "[.conformance-export]") {
  const char* out = std::getenv("TRAFL_CONFORMANCE_OUT");
  REQUIRE(out != nullptr);
  ConformanceBatch batch = make_conformance_batch();
  nlohmann::json j;
  j["batch"] = conformance_batch_json(batch);
  for (const std::string& name : conformance_cases()) {
    const CaseResult r = run_conformance_case(batch, name);
    j["cases"][name] = {{"inputs", r.inputs}, {"cpp_loss", r.loss}, {"cpp_values", r.values}};
    for (const auto& [g, t] : r.grads) j["cases"][name]["grad_names"].push_back(g);
  }
  std::filesystem::create_directories(out);
  write_file((std::filesystem::path(out) / "batch.json").string(), j.dump());
}
