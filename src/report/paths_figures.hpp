#pragma once
// Trajectories a person can see: the denoising paths of correct samples (diagnostics/paths.hpp),
// per cell and model, drawn three ways, each with the CSV of what is drawn:
//   orders_<cell>   the unmasking order of the correct samples of one problem (per problem page,
//                   and in the report for the cell's most telling problem: the one where the
//                   models have the most correct samples), one panel per model side by side, one
//                   row per sample (rows sorted, so samples on the same path form one block),
//                   position × commit step shaded (svg_raster.hpp)
//   commit_<cell>   per model across problems: how early each position is committed (for each
//                   position and step, the fraction of a problem's correct samples committing it
//                   there, averaged over problems)
//   paths_<cell>    distinct denoising paths among the correct samples in k draws as k grows:
//                   E[#distinct correct paths among k samples], the exact k-subset average of
//                   diagnostics/distinct.hpp with the path in place of the answer, mean over
//                   problems, bootstrap intervals over problems
// and the answer to "did post-training lock the model onto fewer paths?": paths per correct
// sample at the largest k, E[#distinct correct paths] / E[#correct samples with a trajectory]
// (ratio of means over problems; 1 = every correct sample found its own path, → 0 = all on one),
// with its bootstrap interval, compared with the baseline's (verdict_table).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.hpp"
#include "diagnostics/paths.hpp"
#include "report/figures.hpp"

namespace trafl {
class Store;
}

namespace trafl::report {

// Correct samples drawn per model in an orders picture.
inline constexpr std::size_t kOrdersShown = 16;

struct ModelPaths {
  std::string model;
  int style = 0;
  std::int64_t positions = 0;                                     // longest path
  std::uint32_t steps = 0;                                        // sampler steps (largest recorded)
  std::int64_t problems = 0, problems_with_paths = 0, paths = 0;  // paths: correct samples with a trajectory
  struct Problem {
    std::int64_t n = 0, correct = 0, with_path = 0, distinct = 0;
    std::vector<diagnostics::CorrectPath> shown;  // up to kOrdersShown, sorted by commit steps
  };
  std::map<std::string, Problem> per_problem;
  std::vector<double> heat;                        // steps × positions (row-major), see commit_<cell>
  std::vector<diagnostics::KStat> distinct_paths;  // at the k of the model's pass@k
  std::vector<diagnostics::KStat> per_correct;     // paths per correct sample at the same k
};

struct CellPaths {
  std::vector<ModelPaths> models;  // in the cell's model order
  bool any() const;
};

// Reads the cell's trajectories (one pass over its samples).
CellPaths load_cell_paths(const Store& store, const diagnostics::Cell& cell, const std::map<std::string, int>& styles,
                          const diagnostics::Options& options);

// commit_ and paths_ figures, then orders_ of the cell's most telling problem (none without paths).
std::vector<Figure> paths_figures(const CellPaths& paths, const diagnostics::Cell& cell, bool single_answer);

// The orders picture of one problem; `name` is its file stem / SVG id.
Figure orders_figure(const CellPaths& paths, const diagnostics::Cell& cell, const std::string& problem_id,
                     const std::string& name);

// The problem whose orders the report shows for the cell ("" when no model has a correct path).
std::string telling_problem(const CellPaths& paths);

// HTML table, one row per model: correct samples with a path, E[distinct paths] and paths per
// correct sample at the largest k, and the verdict against the baseline.
std::string verdict_table(const CellPaths& paths, const std::string& baseline);
// One line: the verdict of `model` against the baseline ("" without a baseline in the cell).
std::string verdict(const CellPaths& paths, const std::string& model, const std::string& baseline);

}  // namespace trafl::report
