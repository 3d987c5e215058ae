// The training loop (see trainer.hpp).
#include "training/trainer.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/progress.hpp"
#include "distributed/grad_sync.hpp"
#include "model/cpu_threads.hpp"
#include "model/init_model.hpp"
#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"
#include "training/ar_rollout.hpp"
#include "training/checkpoint_io.hpp"
#include "training/lora.hpp"
#include "training/schedule.hpp"
#include "training/seeds.hpp"
#include "training/sft.hpp"
#include "training/sft_data.hpp"

namespace trafl::training {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Keys that may change between a run and its resumption (they do not change what is computed).
bool resumable_difference(const std::string& key) {
  return key == "steps" || key == "progress" || key == "threads" || key == "db" || key == "save_every" ||
         key == "keep_checkpoints";
}

// The starting checkpoint directory: --model, or a fresh init-model in OUT/init (deterministic in
// init_seed, so a resumed run recreates the same reference).
std::string starting_model_dir(const TrainConfig& c) {
  if (!c.model.empty()) return c.model;
  const fs::path dir = fs::path(c.out) / "init";
  if (!fs::exists(dir / "config.json") || !fs::exists(dir / "tokenizer.json")) {
    model::InitModelOptions o;
    o.config_path = c.init_config;
    o.out_dir = dir.string();
    o.seed = c.init_seed;
    o.tokenizer_path = c.tokenizer;
    model::init_model(o);
  }
  return dir.string();
}

// Training examples in a shuffled order per epoch: the k-th example drawn by the run.
class DataOrder {
 public:
  DataOrder(std::size_t n, std::uint64_t seed) : n_(n), seed_(seed) {}
  std::size_t at(std::uint64_t k) {
    const std::uint64_t epoch = k / n_;
    if (epoch != epoch_ || order_.empty()) {
      order_ = epoch_order(n_, seed_, epoch);
      epoch_ = epoch;
    }
    return order_[k % n_];
  }

 private:
  std::size_t n_;
  std::uint64_t seed_;
  std::uint64_t epoch_ = 0;
  std::vector<std::size_t> order_;
};

// Completion tokens up to (not including) the first EOS / EOT: what is graded.
std::vector<tok::TokenId> answer_tokens(const std::vector<std::int64_t>& tokens,
                                        const std::vector<std::int64_t>& stops) {
  std::vector<tok::TokenId> out;
  for (std::int64_t t : tokens) {
    if (std::find(stops.begin(), stops.end(), t) != stops.end()) break;
    out.push_back(static_cast<tok::TokenId>(t));
  }
  return out;
}

void set_learning_rates(torch::optim::Optimizer& opt, const std::vector<double>& base, double factor) {
  for (std::size_t i = 0; i < opt.param_groups().size(); ++i)
    static_cast<torch::optim::AdamWOptions&>(opt.param_groups()[i].options()).lr(base[i] * factor);
}

double clip_and_norm(const std::vector<torch::Tensor>& params, double max_norm) {
  const double limit = max_norm > 0 ? max_norm : std::numeric_limits<double>::infinity();
  return torch::nn::utils::clip_grad_norm_(params, limit);
}

// ---- one run's state, built once by train() and used by every step ----
// Shapes: prompt_ids[i] = token ids of problem i's prompt; an SFT example is a tokenized pair.
struct Run {
  Run(const TrainConfig& config, const TrainHooks& train_hooks, TrainResult& train_result)
      : c(config), hooks(train_hooks), result(train_result), config_json(to_json(config)) {}
  const TrainConfig& c;
  const TrainHooks& hooks;
  TrainResult& result;
  nlohmann::ordered_json config_json;
  std::optional<std::string> resume_dir;
  // model, tokenizer, reference
  std::string start_dir, tokenizer_path;
  std::optional<tok::Tokenizer> tokenizer;
  bool lora = false;
  std::optional<model::LLaDAModel> policy, reference;
  std::vector<torch::Tensor> trainable, clipped;  // clipped: grad-norm clipping over the policy's parameters
  std::shared_ptr<LoraAdapter> adapter;
  // objective and optimiser
  std::unique_ptr<Objective> objective;
  std::unique_ptr<torch::optim::AdamW> optimizer;
  std::vector<double> base_lrs;
  // ranks > 1: the sum of every optimised tensor's gradient over ranks, overlapped with the last backward
  std::unique_ptr<distributed::GradientAllReduce> grad_sum;
  // data
  TokenizedSet sft_set;
  std::vector<Problem> problems;
  std::vector<std::vector<std::int64_t>> prompt_ids;
  std::unique_ptr<RewardFunction> reward;
  std::optional<DataOrder> order;
  std::int64_t pad_id = 0;
  std::vector<std::int64_t> stop_ids;
  // ranks (trainer.hpp, "Data parallelism"): this rank's rows of every global batch are [first, first + rows)
  distributed::Communicator* comm = nullptr;
  std::int64_t first_row = 0, rows = 0;
  bool lead() const { return comm->rank() == 0; }
};

// Before the step's last backward: from then on each gradient bucket's sum over ranks starts as soon
// as backward has filled it (no-op in one process).
void overlap_gradient_sum(Run& r) {
  if (r.grad_sum) r.grad_sum->arm();
}

// After the step's last backward: every optimised tensor's gradient is the sum over the ranks (no-op
// in one process); returns the seconds spent waiting for what backward did not hide.
double sync_gradients(Run& r) { return r.grad_sum ? r.grad_sum->finish() : 0.0; }

// Per-rank seconds into the step's stats (rank<r>_<name>); returns the slowest rank's value of each.
std::vector<double> record_rank_seconds(Run& r, StepMetrics& m,
                                        const std::vector<std::pair<std::string, double>>& local) {
  std::vector<double> mine;
  for (const auto& [name, v] : local) mine.push_back(v);
  const std::vector<double> all = r.comm->gather(mine, "per-rank seconds");
  std::vector<double> slowest(local.size(), 0.0);
  const int world = r.comm->world_size();
  for (int k = 0; k < world; ++k)
    for (std::size_t j = 0; j < local.size(); ++j) {
      const double v = all[static_cast<std::size_t>(k) * local.size() + j];
      if (world > 1) m.stats[fmt::format("rank{}_{}", k, local[j].first)] = v;
      slowest[j] = std::max(slowest[j], v);
    }
  return slowest;
}

// Examples drawn from the data order per optimiser step (all ranks together).
std::int64_t samples_per_step(const TrainConfig& c) { return c.is_sft() ? c.batch * c.grad_accum : c.batch; }

// The configuration must equal the checkpoint's (but for resumable keys); sets the start step.
void open_resume_point(Run& r, bool resume) {
  const TrainConfig& c = r.c;
  r.resume_dir = resume ? latest_checkpoint(c.out) : std::nullopt;
  if (!r.resume_dir) return;
  const std::string saved_path = (fs::path(*r.resume_dir) / "train_config.json").string();
  const nlohmann::json saved = read_json_file(saved_path, "saved training configuration");
  std::vector<std::string> changed;
  for (const auto& [key, value] : r.config_json.items())
    if (!resumable_difference(key) && (!saved.contains(key) || saved[key] != nlohmann::json(value)))
      changed.push_back(key);
  // And the other way: a key the checkpoint recorded that this configuration leaves out (few-shot
  // settings are written only when given). "chat_template" is recorded beside the options, not one.
  for (const auto& [key, value] : saved.items())
    if (!resumable_difference(key) && key != "chat_template" && !r.config_json.contains(key)) changed.push_back(key);
  if (!changed.empty())
    throw UsageError(fmt::format("train --resume: the configuration differs from the checkpoint's ({}) in: {}",
                                 saved_path, fmt::join(changed, ", ")));
  const nlohmann::json resume_state =
      read_json_file((fs::path(*r.resume_dir) / "trainer_state.json").string(), "trainer state");
  r.result.start_step = resume_state.at("step").get<std::int64_t>();
  if (resume_state.contains("samples_consumed") &&
      resume_state.at("samples_consumed").get<std::int64_t>() != r.result.start_step * samples_per_step(c))
    throw InputError((fs::path(*r.resume_dir) / "trainer_state.json").string(), 0, "samples_consumed",
                     "does not match step × samples per step");
}

// Policy (from the start or the checkpoint), LoRA adapter, frozen reference for RL.
void load_models(Run& r) {
  const TrainConfig& c = r.c;
  model::LoadOptions lo;
  // One GPU per rank: a plain "cuda" means this machine's local_rank-th device.
  const bool per_rank_gpu = c.device == "cuda" && r.comm->world_size() > 1;
  lo.device = model::parse_device(per_rank_gpu ? fmt::format("cuda:{}", r.comm->local_rank()) : c.device);
  lo.dtype = model::parse_dtype(c.dtype);
  if (lo.dtype == torch::kBFloat16 && lo.device.is_cpu())
    r.result.notes.push_back("bf16 on the CPU: weights and AdamW moments are bf16 (no f32 master copy)");
  r.start_dir = starting_model_dir(c);
  r.tokenizer_path = (fs::path(r.start_dir) / "tokenizer.json").string();
  r.tokenizer.emplace(tok::Tokenizer::from_file(r.tokenizer_path));
  r.lora = c.lora_rank > 0;
  const bool weights_from_checkpoint = r.resume_dir && !r.lora;
  r.policy.emplace(model::LLaDAModel::load(weights_from_checkpoint ? *r.resume_dir : r.start_dir, lo));
  if (r.lora) {
    LoraOptions lopt{c.lora_rank, c.lora_alpha, c.lora_dropout, c.lora_targets};
    r.adapter = std::make_shared<LoraAdapter>(*r.policy, lopt, step_seed(c.seed, SeedPurpose::kLoraInit, 0));
    if (r.resume_dir)
      load_tensors_into((fs::path(*r.resume_dir) / "adapter.pt").string(), r.adapter->named_parameters());
    r.trainable = r.adapter->parameters();
  } else {
    for (auto& [name, p] : r.policy->named_parameters()) r.trainable.push_back(p.requires_grad_(true));
  }
  if (!c.is_sft()) {
    if (r.lora) {
      r.reference = *r.policy;  // shares the frozen base weights; no adapter
    } else {
      r.reference = model::LLaDAModel::load(r.start_dir, lo);
    }
  }
  if (r.lora) r.policy->set_adapter(r.adapter);  // after the reference copy: the reference stays plain
}

// The objective (RL) and AdamW over the trainable weights plus the objective's own groups.
void make_optimizer(Run& r) {
  const TrainConfig& c = r.c;
  if (!c.is_sft()) {
    if (!r.hooks.make_objective) throw std::logic_error("train: no objective factory");
    r.objective = r.hooks.make_objective(c.method, c.objective, r.policy->config());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  auto adamw = [&](double lr) {
    auto o = std::make_unique<torch::optim::AdamWOptions>(lr);
    o->betas({c.adam_beta1, c.adam_beta2}).eps(c.adam_eps).weight_decay(c.weight_decay);
    return o;
  };
  groups.emplace_back(r.trainable, adamw(c.lr));
  r.base_lrs.push_back(c.lr);
  r.clipped = r.trainable;
  if (r.objective)
    for (ParamGroup& g : r.objective->extra_parameter_groups()) {
      groups.emplace_back(g.params, adamw(g.lr));
      r.base_lrs.push_back(g.lr);
    }
  r.optimizer = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(c.lr));
  if (r.comm->world_size() > 1) {
    std::vector<torch::Tensor> params;  // the optimiser's order: the same on every rank
    for (const auto& group : r.optimizer->param_groups())
      for (const torch::Tensor& p : group.params()) params.push_back(p);
    r.grad_sum = std::make_unique<distributed::GradientAllReduce>(*r.comm, std::move(params));
  }
  if (r.resume_dir) {
    torch::load(*r.optimizer, (fs::path(*r.resume_dir) / "optimizer.pt").string());
    if (r.objective) {
      std::vector<std::string> names;
      for (const auto& [name, t] : r.objective->state()) names.push_back(name);
      if (!names.empty())
        r.objective->load_state(load_tensors((fs::path(*r.resume_dir) / "objective_state.pt").string(), names));
    }
  }
}

// SFT pairs, or RL prompts and the reward; the data order and the token ids the steps need.
void load_data(Run& r) {
  const TrainConfig& c = r.c;
  // Recorded (train_config.json, the training log) beside "chat": which template wrapped the prompts.
  if (c.chat) r.config_json["chat_template"] = tok::chat_format_of(*r.tokenizer)->description;
  if (c.is_sft()) {
    const std::vector<TextPair> pairs = c.sft_data.empty()
                                            ? read_task_pairs(c.task, c.data, /*need_reference=*/true, c.task_options())
                                            : read_sft_jsonl(c.sft_data);
    const std::vector<std::int64_t>& eos = r.policy->config().eos_token_ids;
    r.sft_set = tokenize_pairs(*r.tokenizer, pairs, {c.chat, c.effective_response_length(), eos.empty() ? -1 : eos[0]});
    r.result.examples = static_cast<std::int64_t>(r.sft_set.examples.size());
    r.result.truncated = r.sft_set.truncated;
    if (r.sft_set.truncated > 0)
      r.result.notes.push_back(fmt::format("{} of {} responses were longer than {} tokens and were cut",
                                           r.sft_set.truncated, r.sft_set.examples.size(),
                                           c.effective_response_length()));
  } else {
    r.problems = make_task(c.task, c.task_options())->load(c.data);
    for (const Problem& p : r.problems) r.prompt_ids.push_back(encode_prompt(*r.tokenizer, p.prompt, c.chat));
    r.result.examples = static_cast<std::int64_t>(r.problems.size());
    r.reward = r.hooks.make_reward
                   ? r.hooks.make_reward()
                   : make_reward(c.reward, c.task,
                                 {c.grading_mode, c.code_reward == "fraction", c.format_reward, c.task_options()});
  }
  r.order.emplace(static_cast<std::size_t>(r.result.examples), c.seed);
  const model::ModelConfig& mcfg = r.policy->config();
  r.pad_id = mcfg.pad_token_id.value_or(mcfg.eos_token_ids.empty() ? 0 : mcfg.eos_token_ids[0]);
  r.stop_ids = mcfg.eos_token_ids;
  if (auto eot = r.tokenizer->token_to_id(tok::kLladaEot)) r.stop_ids.push_back(*eot);
  // With --chat a rollout's answer also stops where the template ends an assistant turn (Dream's
  // <|im_end|> is not its config's eos_token_id).
  if (c.chat) {
    const auto end = r.tokenizer->encode_ids(tok::chat_turn_end(*r.tokenizer), /*add_special_tokens=*/false);
    if (!end.empty()) r.stop_ids.push_back(end.front());
  }
}

// One SFT optimiser step (grad_accum micro-batches of the masked-diffusion loss).
void sft_step(Run& r, std::int64_t s, StepMetrics& m) {
  const TrainConfig& c = r.c;
  torch::optim::AdamW& optimizer = *r.optimizer;
  model::LLaDAModel& policy = *r.policy;
  DataOrder& order = *r.order;
  const TokenizedSet& sft_set = r.sft_set;
  const std::int64_t pad_id = r.pad_id;
  const std::vector<torch::Tensor>& clipped = r.clipped;
  const Clock::time_point t0 = Clock::now();
  optimizer.zero_grad();
  double tokens = 0, loss = 0;
  const bool shared = r.rows != c.batch;  // this rank holds part of each micro-batch
  const double share = static_cast<double>(r.rows) / static_cast<double>(c.batch);
  for (std::int64_t micro = 0; micro < c.grad_accum; ++micro) {
    std::vector<const TokenizedExample*> rows;
    const std::uint64_t first = static_cast<std::uint64_t>((s * c.grad_accum + micro) * c.batch + r.first_row);
    for (std::int64_t b = 0; b < r.rows; ++b)
      rows.push_back(&sft_set.examples[order.at(first + static_cast<std::uint64_t>(b))]);
    const SftBatch batch = make_sft_batch(rows, pad_id);
    // The whole micro-batch's noise, then this rank's rows of it: row b's noise does not depend on N.
    SftNoise noise = draw_sft_noise(c.batch, batch.response_len,
                                    step_seed(c.seed, SeedPurpose::kSftNoise, s, static_cast<std::uint64_t>(micro)));
    if (shared) noise = {noise.t.narrow(0, r.first_row, r.rows), noise.u.narrow(0, r.first_row, r.rows)};
    const SftLoss l = sft_loss(policy, batch, noise, c.sft_eps);
    torch::Tensor scaled = l.loss / static_cast<double>(c.grad_accum);
    if (shared) scaled = scaled * share;  // the ranks' sum is the global mean
    if (micro + 1 == c.grad_accum) overlap_gradient_sum(r);
    scaled.backward();
    loss += l.loss.item<double>() / static_cast<double>(c.grad_accum) * (shared ? share : 1.0);
    tokens += static_cast<double>(batch.ids.numel());
  }
  const double comm_s = sync_gradients(r);
  m.grad_norm = clip_and_norm(clipped, c.max_grad_norm);
  optimizer.step();
  const double update_s = seconds_since(t0);
  const std::vector<double> global = r.comm->sum({loss, tokens}, "step metrics");
  m.loss = global[0];
  m.update_s = record_rank_seconds(r, m, {{"update_s", update_s}, {"comm_s", comm_s}})[0];
  m.samples_per_s = static_cast<double>(c.batch * c.grad_accum) / m.update_s;
  m.tokens_per_s = global[1] / m.update_s;
}

// One RL step: rollouts of batch prompts × G completions (no grad), rewards, then the objective's
// μ optimiser steps on them.
void rl_step(Run& r, std::int64_t s, StepMetrics& m) {
  const TrainConfig& c = r.c;
  torch::optim::AdamW& optimizer = *r.optimizer;
  model::LLaDAModel& policy = *r.policy;
  const model::LLaDAModel& reference = *r.reference;
  const model::ModelConfig& mcfg = policy.config();
  const tok::Tokenizer& tokenizer = *r.tokenizer;
  DataOrder& order = *r.order;
  const std::vector<Problem>& problems = r.problems;
  const std::vector<std::vector<std::int64_t>>& prompt_ids = r.prompt_ids;
  const std::vector<std::int64_t>& stop_ids = r.stop_ids;
  const std::vector<torch::Tensor>& clipped = r.clipped;
  const std::unique_ptr<Objective>& objective = r.objective;
  const std::unique_ptr<RewardFunction>& reward = r.reward;
  // Rollouts (no grad): batch prompts x G completions.
  const Clock::time_point t0 = Clock::now();
  std::vector<std::size_t> picked;
  std::vector<std::vector<std::int64_t>> rows;
  std::vector<sampling::SampleKey> keys;
  for (std::int64_t b = r.first_row; b < r.first_row + r.rows; ++b) {
    const std::size_t i = order.at(static_cast<std::uint64_t>(s * c.batch + b));
    picked.push_back(i);
    for (std::int64_t g = 0; g < c.group_size; ++g) {
      rows.push_back(prompt_ids[i]);
      keys.push_back({static_cast<std::uint64_t>(i), static_cast<std::uint64_t>(g)});
    }
  }
  const std::uint64_t rollout_seed = step_seed(c.seed, SeedPurpose::kRollout, static_cast<std::uint64_t>(s));
  std::vector<std::vector<std::int64_t>> completions;
  std::vector<sampling::Trajectory> trajectories;
  double neg_logp_sum = 0.0;
  std::int64_t generated = 0;
  {
    torch::NoGradGuard no_grad;
    if (objective->rollout_order() == RolloutOrder::kDiffusion) {
      sampling::SamplerOptions so;
      sampling::fill_token_ids(so, mcfg);
      so.gen_length = c.gen_length;
      so.steps = c.sampler_steps;
      so.block_length = c.block_length;
      so.temperature = c.temperature;
      so.seed = rollout_seed;
      trajectories = sampling::sample(policy, rows, keys, so);
      for (const sampling::Trajectory& t : trajectories) {
        completions.push_back(t.tokens);
        for (float p : t.confidence) neg_logp_sum -= std::log(std::max(1e-30, static_cast<double>(p)));
      }
    } else {
      ArRolloutOptions ao;
      ao.gen_length = c.gen_length;
      ao.temperature = c.temperature;
      ao.seed = rollout_seed;
      for (ArRollout& ar : rollout_left_to_right(policy, rows, keys, ao)) {
        for (double lp : ar.logp) neg_logp_sum -= lp;
        completions.push_back(std::move(ar.tokens));
      }
    }
  }
  std::vector<RolloutGroup> groups_out;
  std::vector<double> all_rewards;
  for (std::size_t b = 0; b < picked.size(); ++b) {
    RolloutGroup grp;
    grp.problem_id = problems[picked[b]].id;
    grp.prompt = prompt_ids[picked[b]];
    grp.batch_index = static_cast<std::size_t>(r.first_row) + b;
    std::vector<std::string> texts;
    for (std::int64_t g = 0; g < c.group_size; ++g) {
      const std::size_t row = b * static_cast<std::size_t>(c.group_size) + static_cast<std::size_t>(g);
      grp.completions.push_back(completions[row]);
      if (!trajectories.empty()) grp.trajectories.push_back(trajectories[row]);
      texts.push_back(tokenizer.decode(answer_tokens(completions[row], stop_ids), /*skip_special_tokens=*/true));
    }
    grp.rewards = reward->score(problems[picked[b]], texts);
    all_rewards.insert(all_rewards.end(), grp.rewards.begin(), grp.rewards.end());
    groups_out.push_back(std::move(grp));
  }
  const double rollout_s = seconds_since(t0);
  // Every rank's rewards, in batch order (ranks hold consecutive groups of equal count).
  all_rewards = r.comm->gather(all_rewards, "rewards");
  auto batch_rewards = std::make_shared<std::vector<std::vector<double>>>();
  for (std::size_t k = 0; k < all_rewards.size(); k += static_cast<std::size_t>(c.group_size))
    batch_rewards->emplace_back(all_rewards.begin() + static_cast<std::ptrdiff_t>(k),
                                all_rewards.begin() + static_cast<std::ptrdiff_t>(k) + c.group_size);
  for (RolloutGroup& grp : groups_out) grp.batch_rewards = batch_rewards;
  {
    const std::vector<double> sums =
        r.comm->sum({neg_logp_sum, static_cast<double>(completions.size())}, "rollout metrics");
    neg_logp_sum = sums[0];
    generated = static_cast<std::int64_t>(sums[1]) * c.gen_length;
  }
  double mean = 0, var = 0;
  for (double x : all_rewards) mean += x;
  mean /= static_cast<double>(all_rewards.size());
  for (double x : all_rewards) var += (x - mean) * (x - mean);
  m.reward_mean = mean;
  m.reward_std = std::sqrt(var / static_cast<double>(all_rewards.size()));
  m.entropy = neg_logp_sum / static_cast<double>(std::max<std::int64_t>(1, generated));

  // Updates.
  const Clock::time_point t1 = Clock::now();
  const std::uint64_t objective_seed = step_seed(c.seed, SeedPurpose::kObjective, static_cast<std::uint64_t>(s));
  {
    torch::NoGradGuard no_grad;
    objective->prepare(policy, reference, groups_out, objective_seed);
  }
  const int inner = std::max(1, objective->inner_iterations());
  StepStats stats;
  double grad_norm_sum = 0.0, loss_sum = 0.0, comm_s = 0.0;
  for (int it = 0; it < inner; ++it) {
    optimizer.zero_grad();
    for (std::size_t g = 0; g < groups_out.size(); ++g) {
      // Divided by the whole batch's group count: summed over ranks, the gradient is the batch mean.
      torch::Tensor loss =
          objective->loss(policy, reference, groups_out[g], it, objective_seed, stats) / static_cast<double>(c.batch);
      if (g + 1 == groups_out.size()) overlap_gradient_sum(r);
      loss.backward();
      loss_sum += loss.item<double>() / static_cast<double>(inner);
    }
    comm_s += sync_gradients(r);
    grad_norm_sum += clip_and_norm(clipped, c.max_grad_norm);
    optimizer.step();
  }
  m.grad_norm = grad_norm_sum / inner;
  const double update_s = seconds_since(t1);
  // Global loss and objective statistics: one sum over ranks (every rank reports the same keys).
  std::vector<double> local{loss_sum, static_cast<double>(stats.size())};
  for (const auto& [key, value] : stats) local.push_back(value);
  const std::vector<double> global = r.comm->sum(local, "step metrics");
  if (global[1] != static_cast<double>(stats.size()) * r.comm->world_size())
    throw std::logic_error("train: the ranks' objectives reported different statistics");
  m.loss = global[0];
  const double n_calls = static_cast<double>(inner) * static_cast<double>(c.batch);
  std::size_t k = 2;
  for (const auto& [key, value] : stats) m.stats[key] = global[k++] / n_calls;
  if (m.stats.count("log_z")) m.log_z = m.stats["log_z"];
  if (m.stats.count("kl")) m.kl = m.stats["kl"];
  const std::vector<double> slowest =
      record_rank_seconds(r, m, {{"rollout_s", rollout_s}, {"update_s", update_s}, {"comm_s", comm_s}});
  m.rollout_s = slowest[0];
  m.update_s = slowest[1];
  const double total_s = m.rollout_s + m.update_s;
  m.samples_per_s = static_cast<double>(c.batch * c.group_size) / total_s;
  m.tokens_per_s = static_cast<double>(generated) / m.rollout_s;
}

// Every rank must hold the same weights (same gradients, same steps): a checksum of every trainable
// tensor, compared bit for bit across ranks before rank 0 saves them as everyone's.
void check_replicas_agree(Run& r, std::int64_t step) {
  if (r.comm->world_size() == 1) return;
  torch::NoGradGuard no_grad;
  double sum = 0.0;
  double k = 1.0;
  for (const auto& group : r.optimizer->param_groups())
    for (const torch::Tensor& p : group.params()) sum += k++ * p.to(torch::kCPU, torch::kFloat64).sum().item<double>();
  const std::vector<double> all = r.comm->gather({sum}, "replica check");
  for (std::size_t rank = 1; rank < all.size(); ++rank)
    if (all[rank] != all[0])
      throw distributed::DistributedError(
          fmt::format("train: after step {} rank {} holds different weights from rank 0 (checksum {:.17g} vs {:.17g}); "
                      "the data-parallel replicas diverged",
                      step, rank, all[rank], all[0]));
}

// Writes a checkpoint after `step` (rank 0, atomically; keeps the newest keep_checkpoints); the
// other ranks wait until it is complete.
void checkpoint(Run& r, std::int64_t step) {
  check_replicas_agree(r, step);
  if (!r.lead()) {
    r.comm->barrier(fmt::format("checkpoint after step {}", step));
    return;
  }
  const TrainConfig& c = r.c;
  CheckpointContents cc;
  cc.step = step;
  // The data position and the RNG are counters: the next global sample is step × samples_per_step,
  // rank k of N starts its share k·batch/N rows into each batch, and every draw is keyed by (seed,
  // purpose, step, sample). Recorded for the reader; a resume at any N recomputes them from `step`.
  const std::int64_t consumed = step * samples_per_step(c);
  nlohmann::json ranks = nlohmann::json::array();
  for (int k = 0; k < r.comm->world_size(); ++k)
    ranks.push_back({{"rank", k}, {"first_row", k * r.rows}, {"rows", r.rows}});
  cc.trainer_state = {{"seed", c.seed},
                      {"method", c.method},
                      {"examples", r.result.examples},
                      {"samples_consumed", consumed},
                      {"world_size", r.comm->world_size()},
                      {"ranks", ranks},
                      {"rng",
                       "counter-based: every draw is a function of (seed, purpose, step, sample index); "
                       "torch's generator is reseeded from (seed, step) before each step"}};
  cc.train_config = r.config_json;
  cc.tokenizer_path = r.tokenizer_path;
  if (r.lora) {
    cc.adapter = r.adapter->named_parameters();
  } else {
    model::LLaDAModel& policy = *r.policy;
    cc.write_model = [&](const std::string& dir) { policy.save(dir, policy.dtype()); };
  }
  cc.optimizer = r.optimizer.get();
  if (r.objective) cc.objective_state = r.objective->state();
  r.result.last_checkpoint = save_checkpoint(c.out, cc, c.keep_checkpoints);
  r.comm->barrier(fmt::format("checkpoint after step {}", step));
}

// The final policy in HF layout at the top of OUT (a LoRA run: the adapter, or merged).
void export_policy(Run& r) {
  const TrainConfig& c = r.c;
  const fs::path out(c.out);
  if (r.lora && !c.lora_merge) {
    save_tensors((out / "adapter.pt").string(), r.adapter->named_parameters());
    nlohmann::ordered_json ac = {{"base_model", r.start_dir}, {"rank", c.lora_rank},
                                 {"alpha", c.lora_alpha},     {"dropout", c.lora_dropout},
                                 {"targets", c.lora_targets}, {"format", "trafl LoRA: lora_A [r,in], lora_B [out,r]"}};
    write_text_atomic((out / "adapter_config.json").string(), ac.dump(2) + "\n");
  } else {
    if (r.lora) {
      r.policy->set_adapter(nullptr);
      r.adapter->merge_into(*r.policy);  // policy's base weights now hold W + (α/r)·B·A
    }
    r.policy->save(out.string(), r.policy->dtype());
  }
  // The chat template travels with the tokenizer, so `--chat` on the trained model wraps prompts as in training.
  copy_tokenizer_files(r.tokenizer_path, out.string());
  write_text_atomic((out / "train_config.json").string(), r.config_json.dump(2) + "\n");
}

}  // namespace

TrainResult train(const TrainConfig& c, bool resume, const TrainHooks& hooks) {
  validate(c);
  model::set_cpu_threads(c.threads);
  TrainResult result;
  result.out_dir = c.out;
  fs::create_directories(c.out);
  Run r(c, hooks, result);
  const std::shared_ptr<distributed::Communicator> comm = hooks.comm ? hooks.comm : distributed::Communicator::single();
  r.comm = comm.get();
  const int world = comm->world_size();
  if (c.batch % world != 0)
    throw UsageError(fmt::format("train: --batch {} is not divisible by the {} ranks (each rank takes batch/ranks {})",
                                 c.batch, world, c.is_sft() ? "sequences" : "prompts"));
  r.rows = c.batch / world;
  r.first_row = comm->rank() * r.rows;
  open_resume_point(r, resume);
  if (c.model.empty() && world > 1) {  // one rank creates OUT/init; the others read it
    if (r.lead()) starting_model_dir(c);
    comm->barrier("initial model");
  }
  load_models(r);
  make_optimizer(r);
  load_data(r);

  std::unique_ptr<TrainingLog> log;
  if (!c.db.empty() && r.lead())
    log = std::make_unique<TrainingLog>(c.db, fs::absolute(c.out).string(), c.method, r.config_json.dump());

  Progress progress(fmt::format("train {}", c.method), static_cast<std::uint64_t>(c.steps), c.progress && r.lead(),
                    "steps");
  progress.set(static_cast<std::uint64_t>(result.start_step));
  for (std::int64_t s = result.start_step; s < c.steps; ++s) {
    torch::manual_seed(step_seed(c.seed, SeedPurpose::kDropout, static_cast<std::uint64_t>(s)));
    const double factor = lr_factor(s, c.steps, c.warmup_steps, c.schedule, c.min_lr_ratio);
    set_learning_rates(*r.optimizer, r.base_lrs, factor);
    StepMetrics m;
    m.step = s + 1;
    m.lr = c.lr * factor;
    if (c.is_sft())
      sft_step(r, s, m);
    else
      rl_step(r, s, m);
    if (!std::isfinite(m.loss))
      throw std::runtime_error(fmt::format("train: the loss is {} at step {} (lower --lr?)", m.loss, m.step));

    if (log) log->record(m);
    if (hooks.on_step) hooks.on_step(m);
    result.steps.push_back(m);
    result.end_step = s + 1;
    progress.set(static_cast<std::uint64_t>(s + 1));
    if (hooks.stop_after_step > 0 && s + 1 == hooks.stop_after_step) return result;  // a simulated crash
    if (c.save_every > 0 && (s + 1) % c.save_every == 0 && s + 1 < c.steps) checkpoint(r, s + 1);
  }
  progress.finish();
  result.end_step = std::max(result.end_step, result.start_step);
  checkpoint(r, result.end_step);
  if (r.lead()) export_policy(r);
  return result;
}

TrainResult train_default(const TrainConfig& config, bool resume, std::function<void(const StepMetrics&)> on_step,
                          const distributed::LaunchEnv& env, double collective_timeout_s) {
  TrainHooks hooks;
  hooks.make_objective = make_objective;
  hooks.on_step = std::move(on_step);
  if (env.distributed())
    hooks.comm =
        distributed::Communicator::connect(env, config.device.rfind("cuda", 0) == 0 ? "nccl" : "gloo",
                                           std::chrono::milliseconds(static_cast<long>(collective_timeout_s * 1000)));
  return train(config, resume, hooks);
}

}  // namespace trafl::training
