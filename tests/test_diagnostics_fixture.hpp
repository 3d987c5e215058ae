#pragma once
// Builds small run databases for the [diagnostics] and [report] tests through the Store, with
// trajectories encoded by the sampler's own encoder (so the tests read what the campaign writes).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sampling/trajectory.hpp"
#include "store/store.hpp"

namespace trafl::test {

struct FixtureSample {
  bool correct = false;
  std::string answer;               // grade.extracted
  std::vector<std::int32_t> steps;  // commit steps; empty = no trajectory
  std::string completion;           // "" → derived from the answer
};

struct FixtureProblem {
  std::string id;
  std::map<std::string, std::string> metadata;
  std::vector<FixtureSample> samples;
  std::string question;
};

// One run of `model` on `task` with `config`, graded in `mode`; returns the run id.
inline std::int64_t add_fixture_run(Store& store, const std::string& model, const std::string& task,
                                    const nlohmann::json& config, const std::vector<FixtureProblem>& problems,
                                    const std::string& mode = "symbolic", std::int64_t seed = 0) {
  RunSpec spec;
  spec.model = model;
  spec.task = task;
  spec.data_sha256 = "fixture";
  spec.config = config;
  spec.seed = seed;
  const auto run = store.ensure_run(spec);
  std::vector<Problem> ps;
  std::vector<SampleRow> rows;
  for (const auto& fp : problems) {
    Problem p;
    p.id = fp.id;
    p.question = fp.question.empty() ? "What is " + fp.id + "?" : fp.question;
    p.prompt = p.question;
    p.gold = "1";
    p.metadata = fp.metadata;
    ps.push_back(p);
    for (std::size_t i = 0; i < fp.samples.size(); ++i) {
      const auto& s = fp.samples[i];
      SampleRow r;
      r.problem_id = fp.id;
      r.sample_index = static_cast<std::int64_t>(i);
      r.completion = s.completion.empty() ? "so the answer is \\boxed{" + s.answer + "}" : s.completion;
      if (!s.steps.empty()) {
        sampling::Trajectory t;
        std::int32_t max_step = 0;
        for (auto v : s.steps) max_step = std::max(max_step, v);
        t.steps = static_cast<std::uint32_t>(max_step + 1);
        t.step = s.steps;
        t.tokens.assign(s.steps.size(), 65);
        t.confidence.assign(s.steps.size(), 0.5f);
        auto blob = sampling::encode_trajectory(t);
        r.trajectory.assign(blob.begin(), blob.end());
      }
      rows.push_back(std::move(r));
    }
  }
  store.put_problems(run, ps);
  store.put_samples(run, rows);
  // Grades in sample order: ungraded() pages by sample id, which follows insertion order.
  std::map<std::pair<std::string, std::int64_t>, const FixtureSample*> by_identity;
  for (const auto& fp : problems)
    for (std::size_t i = 0; i < fp.samples.size(); ++i)
      by_identity[{fp.id, static_cast<std::int64_t>(i)}] = &fp.samples[i];
  std::vector<GradeRow> grades;
  for (const auto& pending : store.ungraded(run, mode, 1000000)) {
    const FixtureSample* s = by_identity.at({pending.problem_id, pending.sample_index});
    GradeRow g;
    g.sample_id = pending.sample_id;
    g.grade.mode = mode;
    g.grade.correct = s->correct;
    g.grade.verdict = s->correct ? "correct" : "wrong";
    g.grade.extracted = s->answer;
    grades.push_back(g);
  }
  store.put_grades(grades);
  return run;
}

// `n` samples, `c` of them correct (the first c), correct answer "1", wrong answer "2".
inline FixtureProblem counts_problem(const std::string& id, int n, int c) {
  FixtureProblem p;
  p.id = id;
  for (int i = 0; i < n; ++i) p.samples.push_back({i < c, i < c ? "1" : "2", {}, ""});
  return p;
}

}  // namespace trafl::test
