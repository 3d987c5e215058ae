#include "diagnostics/paths.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "sampling/trajectory.hpp"
#include "store/store.hpp"

namespace trafl::diagnostics {

void for_each_problem_paths(const Store& store, const std::vector<std::int64_t>& run_ids, const std::string& mode,
                            const std::string& model, const std::function<void(ProblemPaths&)>& fn) {
  std::map<std::string, std::vector<std::int64_t>> refs;  // problem id → its rows, one per run
  for (const auto& row : store.problem_rows(run_ids)) refs[row.problem_id].push_back(row.ref);
  std::vector<AnalysedSample> graded;
  for (const auto& [problem_id, rows] : refs) {
    ProblemPaths p;
    p.problem_id = problem_id;
    for (std::int64_t ref : rows) {
      graded.clear();
      store.graded_samples(ref, mode, graded);
      for (const auto& g : graded) {
        ++p.n;
        if (!g.correct) continue;
        ++p.correct;
        if (!g.trajectory || g.trajectory->empty()) continue;
        auto t = sampling::decode_trajectory(reinterpret_cast<const std::uint8_t*>(g.trajectory->data()),
                                             g.trajectory->size(),
                                             fmt::format("{}: trajectory of model {} problem {} sample {}",
                                                         store.path(), model, problem_id, g.sample_index));
        p.total_steps = std::max(p.total_steps, t.steps);
        p.paths.push_back({g.run_id, g.sample_index, std::move(t.step)});
      }
    }
    if (p.n == 0) continue;
    std::sort(p.paths.begin(), p.paths.end(), [](const CorrectPath& a, const CorrectPath& b) {
      return std::tie(a.run_id, a.sample_index) < std::tie(b.run_id, b.sample_index);
    });
    fn(p);
  }
}

}  // namespace trafl::diagnostics
