// The simulated fixture samples graded by the real grader (needs grade_math): every sample the generator
// meant to be correct grades correct in the synthetic task's default mode, every wrong or answerless one
// does not. A disagreement is either a generator bug (a "wrong" answer that is equivalent) or a grader bug.
#include <catch2/catch.hpp>

#include <iostream>
#include <map>

#include "benchmarks/task.hpp"
#include "fixtures/synthetic_math.hpp"

namespace fx = trafl::fixtures;

TEST_CASE("simulated fixture samples grade as the generator intended", "[benchmarks]") {
  auto task = trafl::make_task("synthetic");
  const std::string mode = task->default_mode();
  std::map<std::string, int> disagreements;  // by kind
  int shown = 0;
  for (std::uint64_t seed : {1, 2, 3, 4, 5}) {
    auto problems = fx::generate_problems(60, seed);

    // The reference solutions themselves.
    for (const auto& p : problems) {
      trafl::Problem prob;
      prob.id = p.unique_id;
      prob.gold = p.answer;
      auto g = task->grade(prob, p.solution, mode);
      INFO(p.unique_id << " gold '" << p.answer << "' extracted '" << g.extracted << "' " << g.details.dump());
      CHECK(g.correct);
    }

    for (const auto& m : fx::simulated_models()) {
      auto samples = fx::simulate_samples(m.name, problems, 8, seed);
      for (std::size_t i = 0; i < samples.size(); ++i) {
        const auto& p = problems[i / 8];
        trafl::Problem prob;
        prob.id = p.unique_id;
        prob.gold = p.answer;
        auto g = task->grade(prob, samples[i].completion, mode);
        bool want = samples[i].intended == fx::SampleKind::kCorrect;
        if (g.correct != want) {
          disagreements[p.kind]++;
          if (shown++ < 25) {
            std::cout << "disagreement (seed " << seed << ", " << m.name << ", " << p.unique_id << ", intended "
                      << fx::to_string(samples[i].intended) << "): gold '" << p.answer << "', extracted '"
                      << g.extracted << "', verdict " << g.verdict << "\n";
          }
        }
        if (samples[i].intended == fx::SampleKind::kNoAnswer) CHECK(g.verdict == trafl::verdict::kNoAnswer);
      }
    }
  }
  for (const auto& [kind, n] : disagreements) std::cout << "  kind " << kind << ": " << n << " disagreements\n";
  CHECK(disagreements.empty());
}
