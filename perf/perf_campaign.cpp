// perf_campaign: end-to-end samples/s of `trafl-eval sample` (campaign::run: fingerprint, plan,
// sampling, detokenising, SQLite batches, background grading drained at the end) against the
// sampler's raw throughput on the same model, the same prompts, n and batch size, measured in the
// same run (sampling::sample over the same batches, nothing else). Goal: overhead <= 1.15x.
//   ./scripts/bench campaign   or   build/perf_campaign [threads=1] [d_model=64] [layers=4] [reps=2]
// Workload: 8 GSM8K-format problems x n 16, gen length 64 (2 blocks of 32, 32 steps), T = 1, batch 16:
// small enough to finish in well under a minute on 2 cores, so the ratio gets measured at all.
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include "benchmarks/gsm8k.hpp"
#include "campaign/campaign.hpp"
#include "campaign/identity.hpp"
#include "core/allocator.hpp"
#include "model/config.hpp"
#include "model/cpu_threads.hpp"
#include "model/init_model.hpp"
#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"
#include "tokenizer/tokenizer.hpp"

using namespace trafl;
namespace fs = std::filesystem;

namespace {

double seconds_best_of(int reps, const std::function<void()>& f) {
  double best = std::numeric_limits<double>::infinity();
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  keep_freed_memory_in_heap();  // as the CLI does (core/allocator.hpp)
  const int threads = argc > 1 ? std::atoi(argv[1]) : 1;
  const std::int64_t d = argc > 2 ? std::atoll(argv[2]) : 64, layers = argc > 3 ? std::atoll(argv[3]) : 4;
  const int reps = argc > 4 ? std::atoi(argv[4]) : 2;
  const int problems = 8, n = 16, batch = 16, steps = 32;
  model::set_cpu_threads(threads);
  const fs::path dir = fs::temp_directory_path() / ("perf_campaign_" + std::to_string(::getpid()));
  fs::create_directories(dir);

  const model::ModelConfig c = model::tiny_byte_llada_config(d, layers, 3 * d, 1024);
  model::write_model_config((dir / "config.json").string(), c);
  model::InitModelOptions io;
  io.config_path = (dir / "config.json").string();
  io.out_dir = (dir / "model").string();
  io.seed = 1;
  model::init_model(io);
  {
    std::ofstream data(dir / "gsm8k.jsonl");
    for (int i = 0; i < problems; ++i)
      data << "{\"question\": \"Tom has " << i << " apples and buys " << 2 * i + 1
           << " more. How many apples does he have now?\", \"answer\": \"#### " << 3 * i + 1 << "\"}\n";
  }

  campaign::CampaignOptions o;
  o.models = {campaign::parse_model_ref("tiny=" + io.out_dir)};
  o.task = "gsm8k";
  o.data_path = (dir / "gsm8k.jsonl").string();
  o.n = n;
  o.gen_lengths = {64};
  o.steps = {steps};
  o.block_lengths = {32};
  o.temperature = 1.0;
  o.seed = 3;
  o.batch_size = batch;
  o.threads = threads;
  o.progress = false;

  // The raw sampler on the same rows, in the same problem-major batches.
  model::LoadOptions lo;
  const model::LLaDAModel m = model::LLaDAModel::load(io.out_dir, lo);
  const tok::Tokenizer t = tok::Tokenizer::from_file(io.out_dir + "/tokenizer.json");
  const auto all = Gsm8kTask().load(o.data_path);
  sampling::SamplerOptions so;
  sampling::fill_token_ids(so, m.config());
  so.eot_id = t.token_to_id(tok::kLladaEot).value_or(-1);
  so.gen_length = 64;
  so.steps = steps;
  so.block_length = 32;
  so.temperature = 1.0;
  so.seed = 3;
  std::vector<std::vector<std::int64_t>> rows;
  std::vector<sampling::SampleKey> keys;
  for (const auto& p : all) {
    auto ids = tok::encode_plain_prompt(t, p.prompt);
    for (int i = 0; i < n; ++i) {
      rows.emplace_back(ids.begin(), ids.end());
      keys.push_back({campaign::problem_key(p.id), static_cast<std::uint64_t>(i)});
    }
  }
  auto raw = [&] {
    for (std::size_t b = 0; b < rows.size(); b += batch) {
      const std::size_t e = std::min(rows.size(), b + batch);
      sampling::sample(m, {rows.begin() + b, rows.begin() + e}, {keys.begin() + b, keys.begin() + e}, so);
    }
  };
  raw();  // warm-up
  const double s_raw = seconds_best_of(reps, raw);
  int rep = 0;
  double s_sample_loop = std::numeric_limits<double>::infinity();
  const double s_campaign = seconds_best_of(reps, [&] {
    o.db_path = (dir / ("run" + std::to_string(rep++) + ".db")).string();
    auto s = campaign::run(o);
    s_sample_loop = std::min(s_sample_loop, s.sample_seconds);
    if (s.samples_new != problems * n || s.runs.at(0).grades.at(0).graded != problems * n) std::abort();
  });
  const double total = problems * n;
  std::printf(
      "threads %d, d_model %ld, layers %ld, %d problems x n %d, gen 64, steps %d, block 32, batch %d, best of %d\n",
      threads, (long)d, (long)layers, problems, n, steps, batch, reps);
  std::printf("%-44s %10s %10s %8s\n", "", "seconds", "samples/s", "ratio");
  std::printf("%-44s %10.3f %10.1f %8s\n", "raw sampler (sampling::sample, same batches)", s_raw, total / s_raw,
              "1.00x");
  std::printf("%-44s %10.3f %10.1f %7.2fx\n", "campaign sampling loop (+decode, SQLite)", s_sample_loop,
              total / s_sample_loop, s_sample_loop / s_raw);
  std::printf("%-44s %10.3f %10.1f %7.2fx\n", "campaign end to end (+load, plan, grade drain)", s_campaign,
              total / s_campaign, s_campaign / s_raw);
  fs::remove_all(dir);
  return 0;
}
