#pragma once
// From per-problem statistics to a model's figures in a cell (means over problems with bootstrap
// CIs), and the paired comparison with the baseline. Definitions: diagnostics.hpp.
#include <string>
#include <vector>

#include "diagnostics/diagnostics.hpp"

namespace trafl::diagnostics {

// Intervals: problem_means_ci (metrics/bootstrap.hpp) with options.seed as given, so they equal
// passk's for the same problems; results are a function of seed and data only.
void aggregate_model(ModelResult& model, const Options& options);

Comparison compare_with_baseline(const ModelResult& model, const ModelResult& baseline, const Options& options);

// The crossover rule on a Δpass@k series (ascending k); exposed for tests.
void find_crossover(Comparison& comparison);

}  // namespace trafl::diagnostics
