#pragma once
// The main job on the embedded default, end to end through the same entry points a user calls:
// generate the synthetic task and simulated samples → `grade` each model in two modes → `passk`.
// (Once the model engine lands, the simulated samples are replaced by samples from tiny models
// trained by this project; the stages after sampling stay as they are.)
#include <cstdint>
#include <string>

namespace trafl {

struct DemoOptions {
  std::string out_dir = "results/demo";
  int problems = 60;
  int samples_per_problem = 64;
  std::uint64_t seed = 1;
  std::int64_t bootstrap = 1000;
  bool progress = true;
};

// Runs the demo, prints a readable summary to stdout and writes passk.csv / passk.json /
// summary.txt next to the run database. Returns the path of the summary file.
std::string run_demo(const DemoOptions& options);

}  // namespace trafl
