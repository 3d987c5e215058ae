// TraFL objective (see objective_trafl.hpp).
#include "training/objective_trafl.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include "core/error.hpp"
#include "training/losses.hpp"
#include "training/objective_common.hpp"
#include "core/option_reader.hpp"

namespace trafl::training {

TraflOptions parse_trafl_options(const nlohmann::json& json) {
  OptionReader r("trafl", json);
  TraflOptions o;
  o.beta = r.number("beta", o.beta);
  const std::string weighting = r.text("weighting", "per_token");
  r.require(weighting == "per_token" || weighting == "elbo", "weighting", "must be \"per_token\" or \"elbo\"");
  o.weighting = sampling::parse_surrogate_weight(weighting);
  const std::string scaling = r.text("beta_scaling", weighting == "per_token" ? "per_token" : "sequence");
  r.require(scaling == "per_token" || scaling == "sequence", "beta_scaling", "must be \"per_token\" or \"sequence\"");
  o.beta_per_token = scaling == "per_token";
  o.num_masks = r.integer("num_masks", o.num_masks);
  const std::string scheme = r.text("mask_scheme", "coupled");
  r.require(scheme == "coupled" || scheme == "independent", "mask_scheme", "must be \"coupled\" or \"independent\"");
  o.coupled_masks = scheme == "coupled";
  r.require(o.num_masks >= 1 && (!o.coupled_masks || o.num_masks % 2 == 0), "num_masks",
            "must be >= 1, and even with coupled (mask, complement) pairs");
  o.center_rewards = r.boolean("center_rewards", o.center_rewards);
  o.inner_iterations = static_cast<int>(r.integer("inner_iterations", o.inner_iterations));
  r.require(o.inner_iterations >= 1, "inner_iterations", "must be >= 1");
  o.importance_weights = r.boolean("importance_weights", o.importance_weights);
  o.importance_clip = r.number("importance_clip", o.importance_clip);
  r.require(o.importance_clip > 0, "importance_clip", "must be positive");
  o.logz_layers = r.integer("logz_layers", o.logz_layers);
  r.require(o.logz_layers >= 1, "logz_layers", "must be >= 1");
  o.logz_hidden = r.integer("logz_hidden", o.logz_hidden);
  r.require(o.logz_hidden >= 0, "logz_hidden", "must be >= 0 (0 = d_model)");
  o.logz_lr = r.number("logz_lr", o.logz_lr);
  r.require(o.logz_lr > 0, "logz_lr", "must be positive");
  o.logz_detach_features = r.boolean("logz_detach_features", o.logz_detach_features);
  const std::int64_t logz_seed = r.integer("logz_seed", 0);
  r.require(logz_seed >= 0, "logz_seed", "must be >= 0");
  o.logz_seed = static_cast<std::uint64_t>(logz_seed);
  r.reject_unknown();
  return o;
}

TraflObjective::TraflObjective(const TraflOptions& options, const model::ModelConfig& config)
    : options_(options),
      head_(config.d_model, options.logz_hidden > 0 ? options.logz_hidden : config.d_model, options.logz_layers,
            options.logz_seed, torch::kCPU) {}

std::vector<ParamGroup> TraflObjective::extra_parameter_groups() {
  return {ParamGroup{"log_z", head_.parameters(), options_.logz_lr}};
}

torch::Tensor TraflObjective::prompt_features(const model::LLaDAModel& policy,
                                              const std::vector<std::int64_t>& prompt) const {
  // The prompt alone: with bidirectional attention, pooling inside prompt+completion would let
  // log Z see y, and Z must be a function of x only.
  const torch::Tensor ids = torch::tensor(prompt, torch::kLong).view({1, static_cast<std::int64_t>(prompt.size())});
  return policy.hidden_states(ids).mean(1).squeeze(0).to(torch::kCPU, torch::kFloat32);  // [D]
}

torch::Tensor TraflObjective::log_z(const model::LLaDAModel& policy, const std::vector<std::int64_t>& prompt) const {
  if (options_.logz_detach_features) {
    torch::NoGradGuard no_grad;
    const torch::Tensor f = prompt_features(policy, prompt);
    torch::AutoGradMode enable(true);
    return head_.forward(f);
  }
  return head_.forward(prompt_features(policy, prompt));
}

void TraflObjective::prepare(const model::LLaDAModel& policy, const model::LLaDAModel& reference,
                             std::vector<RolloutGroup>& groups, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    RolloutGroup& group = groups[gi];
    const torch::Tensor y = completions_tensor(group, policy.device());  // [G, L]
    const std::int64_t G = y.size(0), L = y.size(1);
    const std::uint64_t s = group_seed(seed, group, batch_position(group, gi), /*stream=*/0);
    const torch::Tensor masks = options_.coupled_masks ? sampling::coupled_masks(L, G, options_.num_masks, s)
                                                       : sampling::independent_masks(L, G, options_.num_masks, s);
    group.frozen["masks"] = masks;  // [K, G, L] bool, CPU
    group.frozen["s_ref"] = sampling::sequence_surrogate(reference, group.prompt, y, masks, options_.weighting);
    if (options_.importance_weights)
      group.frozen["s_old"] = sampling::sequence_surrogate(policy, group.prompt, y, masks, options_.weighting);
    if (options_.logz_detach_features) group.frozen["prompt_features"] = prompt_features(policy, group.prompt);
  }
}

torch::Tensor TraflObjective::loss(const model::LLaDAModel& policy, const model::LLaDAModel& reference,
                                   const RolloutGroup& group, int inner, std::uint64_t seed, StepStats& stats) {
  (void)reference;
  (void)inner;
  (void)seed;
  for (const char* key : {"masks", "s_ref"})
    if (!group.frozen.count(key)) throw UsageError(std::string("TraFL: loss() before prepare(): no ") + key);
  const torch::Tensor y = completions_tensor(group, policy.device());
  const double L = static_cast<double>(y.size(1));
  const torch::Tensor s_pol =
      sampling::sequence_surrogate(policy, group.prompt, y, group.frozen.at("masks"), options_.weighting);  // [G]
  const torch::Tensor s_ref = group.frozen.at("s_ref").to(s_pol.device());
  auto features = group.frozen.find("prompt_features");
  const torch::Tensor lz =
      (features != group.frozen.end() ? head_.forward(features->second) : log_z(policy, group.prompt))
          .to(s_pol.device());  // []
  const double beta_eff = options_.beta_per_token ? options_.beta / L : options_.beta;
  const torch::Tensor rewards = rewards_tensor(group, s_pol.device());
  const torch::Tensor delta = trafl_residuals(s_pol, s_ref, rewards, lz, beta_eff, options_.center_rewards);
  torch::Tensor weights;
  if (options_.importance_weights) {
    torch::NoGradGuard no_grad;
    // exp of the ELBO difference (sequence units whatever the weighting).
    const double to_elbo = options_.weighting == sampling::SurrogateWeight::kPerToken ? L : 1.0;
    const torch::Tensor s_old = group.frozen.at("s_old").to(s_pol.device());
    weights = torch::exp(to_elbo * (s_pol.detach() - s_old)).clamp_max(options_.importance_clip);
    stats["is_weight"] += weights.mean().item<double>();
  }
  const torch::Tensor loss = trafl_loss(delta, weights);
  stats["loss"] += loss.item<double>();
  stats["log_z"] += lz.item<double>();
  stats["delta_abs"] += delta.detach().abs().mean().item<double>();
  stats["s_policy"] += s_pol.detach().mean().item<double>();
  stats["s_ref"] += s_ref.mean().item<double>();
  stats["log_ratio"] += (s_pol.detach() - s_ref).mean().item<double>();
  stats["reward_mean"] += rewards.mean().item<double>();
  return loss;
}

}  // namespace trafl::training
