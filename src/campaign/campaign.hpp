#pragma once
// `trafl-eval sample`: a large-budget sampling campaign as a library call (torch-free header; the
// implementation is a LibTorch unit). See README "Sampling campaigns" and identity.hpp.
//
//   For every model × generation length: one run in the store (identity = model name, task, data
//   hash, decoding config incl. the checkpoint fingerprint, seed). For every problem of this shard
//   and sample index 0..n-1 that the run does not hold yet: sample (batches may mix problems),
//   store the completion, token ids and trajectory (one transaction per batch), and grade in a
//   background thread (math in-process, code in the sandbox pool) while sampling goes on.
//
//   Randomness: sample i of problem p uses SampleKey{problem_key(p.id), i} under the run seed, so a
//   sample does not depend on its batch, shard, or on what was sampled before: a killed campaign
//   re-run with the same options samples exactly the missing ones and ends with the same database
//   as an uninterrupted run.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/task.hpp"
#include "campaign/identity.hpp"
#include "store/store.hpp"

namespace trafl::campaign {

struct CampaignOptions {
  std::vector<ModelRef> models;  // name + checkpoint directory (config.json, safetensors, tokenizer.json)
  std::string task;              // task name (benchmarks registry); or task_object
  std::shared_ptr<const Task> task_object;
  std::string data_path;
  std::string db_path;
  std::int64_t n = 1;  // samples per problem
  std::vector<std::int64_t> gen_lengths = {128};
  std::vector<std::int64_t> steps;          // empty: = gen_length; one value: for all; else one per length
  std::vector<std::int64_t> block_lengths;  // empty: 32 when it divides gen_length, else gen_length; same rule
  double temperature = 0.6;                 // TraFL's evaluation temperature; 0 = argmax (n identical samples)
  double cfg_scale = 0.0;
  std::string remasking = "low_confidence";
  bool chat = false;  // chat template around the task's prompt (tok::ChatFormat: the checkpoint's, else LLaDA's)
  bool logits_eos_inf = false;
  bool confidence_eos_eot_inf = false;
  // The low-confidence softmax's dtype (sampling/llada_sampler.hpp): "f64" (default) or "model" (as the authors'
  // eval_llada.py runs bf16). In the identity and run configs only when not f64, so earlier campaigns keep their names.
  std::string confidence_dtype = "f64";
  // Fast-dLLM mode (an approximation, sampling/llada_sampler.hpp): threshold decoding + prefix cache.
  // Part of the campaign's identity and of each run's config only when on, so exact campaigns keep
  // their names.
  bool fast = false;
  double threshold = 0.9;
  bool prefix_cache = true;
  std::uint64_t seed = 0;
  std::int64_t limit = 0;        // first `limit` problems of the file (0 = all), before sharding
  Shard shard;                   // this process's slice of the problems
  std::string campaign_name;     // "" = derived from the identity
  std::int64_t batch_size = 16;  // rows per forward pass (does not change samples)
  std::string device = "cpu";
  std::string dtype = "f32";
  int threads = 0;  // torch intra-op threads (0 = default)
  bool grade = true;
  std::vector<std::string> grade_modes;  // empty = the task's default mode
  unsigned grade_threads = 0;            // 0 = by task (sandbox slots) / hardware
  bool progress = true;
};

struct ModeCount {
  std::string mode;
  std::int64_t graded = 0, correct = 0;
};

struct CampaignRunSummary {
  std::int64_t run_id = 0;
  std::string model;
  std::int64_t gen_length = 0;
  std::int64_t samples_new = 0, samples_total = 0;
  std::vector<ModeCount> grades;  // per mode, in the run
};

struct CampaignSummary {
  std::string campaign;
  std::size_t problems = 0;  // in this shard
  std::vector<CampaignRunSummary> runs;
  std::int64_t samples_new = 0;
  std::int64_t tokens_new = 0;  // generated positions of the new samples
  std::int64_t grades_new = 0;
  std::int64_t sandbox_errors = 0;  // > 0: run() threw after storing everything else
  double sample_seconds = 0;        // wall time of the sampling loop (model loads included)
  double seconds = 0;               // whole call
};

// Runs (or resumes) the campaign. UsageError/InputError for bad options or input files, before the
// database is written (a campaign name reused with another identity names the differing keys).
CampaignSummary run(const CampaignOptions& options);

// One sample regenerated alone (batch of one, nothing stored): for checking and debugging. The
// options are the campaign's; model_index / gen_length pick the run.
SampleRow regenerate_sample(const CampaignOptions& options, std::size_t model_index, std::int64_t gen_length,
                            const std::string& problem_id, std::int64_t sample_index);

}  // namespace trafl::campaign
