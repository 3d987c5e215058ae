#pragma once
// The denoising paths (unmasking orders) of a group's correct samples, problem by problem, for the
// report's trajectory pictures. A path is the per-position commit-step vector of the sample's
// stored trajectory (docs/engine.md §7); two samples took the same path when the vectors are equal.
// Streamed one problem at a time, like load.hpp (a study's trajectories never all sit in memory).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "diagnostics/order_distance.hpp"

namespace trafl {
class Store;
}

namespace trafl::diagnostics {

struct CorrectPath {
  std::int64_t run_id = 0;
  std::int64_t sample_index = 0;
  Steps steps;  // commit step per generated position, [L]
};

struct ProblemPaths {
  std::string problem_id;
  std::int64_t n = 0;              // graded samples (all runs of the group)
  std::int64_t correct = 0;        // correct samples
  std::uint32_t total_steps = 0;   // sampler steps (the largest recorded among its trajectories)
  std::vector<CorrectPath> paths;  // correct samples that carry a trajectory, by (run, sample index)
};

// Calls fn once per problem of the runs that has a sample graded in `mode`, in problem-id order.
// InputError for a corrupt trajectory blob (naming the database, model, problem and sample).
void for_each_problem_paths(const Store& store, const std::vector<std::int64_t>& run_ids, const std::string& mode,
                            const std::string& model, const std::function<void(ProblemPaths&)>& fn);

}  // namespace trafl::diagnostics
