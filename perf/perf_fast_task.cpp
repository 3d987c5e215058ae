// perf_fast_task: fast mode (Fast-dLLM threshold decoding + prefix cache) against exact mode on a
// task, at matched accuracy: the shipped tiny base model (models/tiny/base) on the generated math
// task's 40 test problems (make-task --kind math, seed 1: the demo's task), n samples each, through
// the same campaign the CLI runs (`trafl-eval sample`, graded), exact mode with one token per step
// (steps = gen length, LLaDA's default) against fast mode at thresholds 0.9 (Fast-dLLM's) and 0.7,
// all in one run. Reports generated tokens/s, sampler steps per sample, pass rate and the ratio.
//   ./scripts/bench fast_task   or   build/perf_fast_task [model=models/tiny/base] [n=16] [threads=1] [gen=48]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "campaign/campaign.hpp"
#include "campaign/identity.hpp"
#include "core/allocator.hpp"
#include "sampling/trajectory.hpp"
#include "store/store.hpp"
#include "tasks_gen/write_task.hpp"

using namespace trafl;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  keep_freed_memory_in_heap();  // as the CLI does (core/allocator.hpp)
  const std::string model = argc > 1 ? argv[1] : "models/tiny/base";
  const int n = argc > 2 ? std::atoi(argv[2]) : 16;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 1;
  const std::int64_t gen = argc > 4 ? std::atoll(argv[4]) : 48;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  if (!fs::exists(fs::path(model) / "config.json")) {
    std::printf("SKIPPED: %s/config.json absent (run from the repository root)\n", model.c_str());
    return 0;
  }
  const fs::path tmp = fs::temp_directory_path() / ("trafl-perf-fast-" + std::to_string(getpid()));
  fs::create_directories(tmp);
  tasks_gen::MakeTaskOptions mt;
  mt.kind = "math";
  mt.out_dir = (tmp / "math").string();
  const auto task = tasks_gen::make_generated_task(mt);

  campaign::CampaignOptions base;
  base.models = {campaign::parse_model_ref("base=" + model)};
  base.task = task.adapter;
  base.data_path = task.test;
  base.n = n;
  base.gen_lengths = {gen};
  base.steps = {gen};  // exact: one token per step
  base.temperature = 0.6;
  base.batch_size = 16;
  base.threads = threads;
  base.progress = false;
  std::printf("model %s, task %s (%s), n %d, gen length %ld (block %s), T %.1f, threads %d\n", model.c_str(),
              task.adapter.c_str(), task.test.c_str(), n, (long)gen, gen % 32 == 0 ? "32" : "= gen length",
              base.temperature, threads);
  std::printf("%-22s %9s %12s %11s %9s %9s\n", "mode", "seconds", "tokens/s", "steps/smp", "pass@1", "x exact");
  double exact_seconds = 0;
  struct Mode {
    const char* name;
    bool fast;
    double threshold;
  };
  for (const Mode& m : {Mode{"exact (1 token/step)", false, 0}, Mode{"fast, threshold 0.9", true, 0.9},
                        Mode{"fast, threshold 0.7", true, 0.7}}) {
    campaign::CampaignOptions o = base;
    o.fast = m.fast;
    o.threshold = m.threshold;
    o.db_path =
        (tmp / (std::string(m.fast ? "fast" : "exact") + std::to_string(int(m.threshold * 100)) + ".db")).string();
    const auto t0 = std::chrono::steady_clock::now();
    const campaign::CampaignSummary s = campaign::run(o);
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!m.fast) exact_seconds = sec;
    // Steps each sample took, from its stored trajectory (exact: the configured count).
    Store store(o.db_path, Store::OpenMode::kExisting);
    double steps = 0, samples = 0;
    for (const auto& run : store.runs())
      for (const auto& row : store.samples(run.id)) {
        steps += sampling::decode_trajectory(reinterpret_cast<const std::uint8_t*>(row.trajectory.data()),
                                             row.trajectory.size())
                     .steps;
        samples += 1;
      }
    const auto& g = s.runs.at(0).grades.at(0);
    std::printf("%-22s %9.1f %12.1f %11.1f %8.1f%% %8.2fx\n", m.name, sec, static_cast<double>(s.tokens_new) / sec,
                steps / samples, 100.0 * g.correct / g.graded, exact_seconds / sec);
  }
  fs::remove_all(tmp);
  std::printf("(pass@1 = correct / graded samples under the task's default grading mode; seconds include grading)\n");
  return 0;
}
