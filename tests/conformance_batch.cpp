// The conformance batch and the C++ side of each case (see conformance_batch.hpp).
#include "conformance_batch.hpp"

#include <torch/torch.h>

#include <cmath>
#include <stdexcept>

#include "sampling/elbo.hpp"
#include "training/objective_common.hpp"
#include "test_model_util.hpp"

namespace trafl::test {
namespace {

using training::RolloutGroup;

std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A uniform in [-1, 1) from (stream, tensor, element): our own hash, the same on every platform.
double unit(std::uint64_t stream, std::uint64_t tensor, std::uint64_t element) {
  const std::uint64_t h = mix(mix(mix(stream) ^ tensor) ^ element);
  return static_cast<double>(h >> 11) * 0x1.0p-53 * 2.0 - 1.0;
}

bool is_norm(const std::string& name) { return name.find("norm") != std::string::npos; }

// A tensor of hash draws scaled to its role: norm weights ±0.2, the embedding ±1, a matrix [out, in]
// uniform with variance 1/in.
torch::Tensor draw(std::uint64_t stream, std::uint64_t index, const std::string& name, torch::IntArrayRef shape) {
  std::int64_t n = 1;
  for (std::int64_t s : shape) n *= s;
  double scale = 1.0;
  if (is_norm(name) || shape.size() == 1)
    scale = 0.2;
  else if (name.find("wte") == std::string::npos)
    scale = std::sqrt(3.0 / static_cast<double>(shape.back()));
  std::vector<float> v(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j)
    v[static_cast<std::size_t>(j)] = static_cast<float>(scale * unit(stream, index, static_cast<std::uint64_t>(j)));
  return torch::tensor(v, torch::kFloat32).view(shape);
}

// Weights = base + amount · draw(stream); base = draw(1) (norm weights around 1).
void fill_model(const model::LLaDAModel& m, std::uint64_t stream, double amount) {
  torch::NoGradGuard no_grad;
  std::uint64_t k = 0;
  for (auto& [name, p] : m.named_parameters()) {
    torch::Tensor w = draw(1, k, name, p.sizes());
    if (is_norm(name)) w = w + 1.0;
    if (amount != 0.0) w = w + amount * draw(stream, k, name, p.sizes());
    torch::Tensor dst = p;
    dst.copy_(w);
    ++k;
  }
}

RolloutGroup group(const std::string& id, std::vector<std::int64_t> prompt, std::vector<std::vector<std::int64_t>> ys,
                   std::vector<double> rewards) {
  RolloutGroup g;
  g.problem_id = id;
  g.prompt = std::move(prompt);
  g.completions = std::move(ys);
  g.rewards = std::move(rewards);
  return g;
}

// Each objective's options for the check: small ε so that some ratios clip, μ = 2 evaluated at
// inner iteration 1 so that per-iteration state is indexed, TraFL with importance weights (θ ≠ θ_old).
nlohmann::json objective_options(const std::string& name) {
  if (name == "trafl") return {{"importance_weights", true}, {"logz_layers", 2}, {"logz_hidden", 8}};
  if (name == "espo") return {{"inner_iterations", 2}, {"num_mc", 1}, {"beta", 0.5}, {"epsilon", 0.01}};
  if (name == "justgrpo") return {{"inner_iterations", 2}, {"epsilon", 0.05}};
  if (name == "diffu-grpo") return {{"inner_iterations", 2}, {"epsilon", 0.05}, {"beta", 0.04}};
  if (name == "wd1") return {{"inner_iterations", 2}};
  throw std::logic_error("conformance: no options for " + name);
}
int objective_inner(const std::string& name) { return name == "trafl" ? 0 : 1; }

// TraFL's log Z head in parameters() order (weight, bias[, norm_weight, norm_bias] per layer), with
// hash weights (the default init zeroes the last layer, which would hide the head's gradient).
std::vector<std::string> head_names(std::size_t layers) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < layers; ++i) {
    const std::string p = "log_z." + std::to_string(i) + ".";
    out.push_back(p + "weight");
    out.push_back(p + "bias");
    if (i + 1 < layers) {
      out.push_back(p + "norm_weight");
      out.push_back(p + "norm_bias");
    }
  }
  return out;
}

void zero_grads(const std::vector<torch::Tensor>& params) {
  for (const torch::Tensor& p : params) {
    torch::Tensor t = p;
    if (t.grad().defined()) t.mutable_grad().zero_();
  }
}

std::vector<torch::Tensor> policy_params(const ConformanceBatch& b) {
  std::vector<torch::Tensor> out;
  for (auto& [name, p] : b.policy().named_parameters()) out.push_back(p);
  return out;
}

void take_policy_grads(const ConformanceBatch& b, CaseResult& r) {
  for (auto& [name, p] : b.policy().named_parameters())
    r.grads[name] =
        p.grad().defined() ? p.grad().to(torch::kFloat64).clone() : torch::zeros(p.sizes(), torch::kFloat64);
}

}  // namespace

ConformanceBatch make_conformance_batch() {
  torch_test_threads();
  ConformanceBatch b;
  b.config = model::tiny_byte_llada_config(/*d_model=*/16, /*n_layers=*/2, /*mlp=*/24, /*max_len=*/64);
  for (std::uint64_t s = 0; s < 3; ++s) b.models.push_back(model::LLaDAModel::init(b.config, s));
  fill_model(b.models[0], 0, 0.0);   // θ_old
  fill_model(b.models[1], 2, 0.08);  // θ = θ_old + a small step
  fill_model(b.models[2], 3, 0.25);  // the reference, further away
  for (auto& [name, p] : b.policy().named_parameters()) {
    torch::Tensor t = p;
    t.requires_grad_(true);
  }
  // Three groups (G = 4, L = 6; 257 = EOS): mixed rewards, a degenerate group (all 1), fractional rewards.
  b.groups = {group("c-0", {256, 81, 58, 32, 49},
                    {{52, 50, 257, 257, 257, 257},
                     {49, 55, 48, 257, 257, 257},
                     {52, 50, 51, 52, 53, 54},
                     {57, 257, 257, 257, 257, 257}},
                    {1.0, 0.0, 0.0, 1.0}),
              group("c-1", {256, 82, 58, 32},
                    {{65, 66, 67, 257, 257, 257},
                     {65, 66, 257, 257, 257, 257},
                     {68, 69, 70, 71, 72, 73},
                     {65, 257, 257, 257, 257, 257}},
                    {1.0, 1.0, 1.0, 1.0}),
              group("c-2", {256, 83, 63, 58, 32, 50},
                    {{49, 50, 51, 257, 257, 257},
                     {52, 53, 257, 257, 257, 257},
                     {54, 55, 56, 57, 257, 257},
                     {48, 48, 48, 48, 48, 48}},
                    {0.5, 0.0, 1.0, 0.25})};
  // SFT: two rows, prompts of 5 and 3 tokens (the second left-padded), responses of R = 6.
  training::TokenizedExample e1{{256, 72, 105, 58, 32}, {52, 50, 260, 257, 257, 257}, 3};
  training::TokenizedExample e2{{256, 81, 58}, {49, 55, 48, 53, 260, 257}, 5};
  b.sft = training::make_sft_batch({&e1, &e2}, *b.config.pad_token_id);
  b.sft_noise.t = torch::empty({2}, torch::kFloat64);
  b.sft_noise.u = torch::empty({2, 6}, torch::kFloat64);
  for (std::int64_t r = 0; r < 2; ++r) {
    b.sft_noise.t[r] = 0.5 + 0.5 * unit(7, 0, static_cast<std::uint64_t>(r));  // (0, 1]
    for (std::int64_t j = 0; j < 6; ++j)
      b.sft_noise.u[r][j] = 0.5 + 0.5 * unit(7, 1, static_cast<std::uint64_t>(r * 6 + j));
  }
  return b;
}

std::vector<std::string> conformance_cases() {
  return {"elbo", "elbo_per_token", "sft", "trafl", "espo", "justgrpo", "diffu-grpo", "wd1"};
}

CaseResult run_conformance_case(ConformanceBatch& b, const std::string& name) {
  const std::vector<torch::Tensor> params = policy_params(b);
  zero_grads(params);
  CaseResult r;
  if (name == "elbo" || name == "elbo_per_token") {
    const RolloutGroup& g = b.groups[0];
    const torch::Tensor y = training::completions_tensor(g, torch::kCPU);
    const torch::Tensor masks = sampling::coupled_masks(y.size(1), y.size(0), 4, 99);  // [4, G, L]
    const auto w = name == "elbo" ? sampling::SurrogateWeight::kElbo : sampling::SurrogateWeight::kPerToken;
    const torch::Tensor s = sampling::sequence_surrogate(b.policy(), g.prompt, y, masks, w);  // [G]
    const torch::Tensor loss = s.mean();
    loss.backward();
    r.loss = loss.item<double>();
    for (std::int64_t i = 0; i < s.size(0); ++i) r.values.push_back(s[i].item<double>());
    r.inputs = {{"group", 0}, {"masks", tensor_json(masks)}};
    take_policy_grads(b, r);
    return r;
  }
  if (name == "sft") {
    const training::SftLoss l = training::sft_loss(b.policy(), b.sft, b.sft_noise, ConformanceBatch::kSftEps);
    l.loss.backward();
    r.loss = l.loss.item<double>();
    r.inputs = {{"eps", ConformanceBatch::kSftEps}};
    take_policy_grads(b, r);
    return r;
  }
  const nlohmann::json options = objective_options(name);
  auto obj = training::make_objective(name, options, b.config);
  std::vector<torch::Tensor> head;
  std::vector<std::string> head_keys;
  r.inputs = {{"options", options}, {"inner", objective_inner(name)}, {"seed", ConformanceBatch::kObjectiveSeed}};
  if (name == "trafl") {
    std::map<std::string, torch::Tensor> state;
    std::uint64_t k = 0;
    for (const auto& [key, t] : obj->state()) {
      torch::Tensor v = draw(11, k++, key, t.sizes());
      if (key.find("norm_weight") != std::string::npos) v = v + 1.0;
      state[key] = v;
      r.inputs["head"][key] = tensor_json(v);
    }
    obj->load_state(state);
    head = obj->extra_parameter_groups().at(0).params;
    head_keys = head_names(static_cast<std::size_t>(options.value("logz_layers", 3)));
    if (head_keys.size() != head.size()) throw std::logic_error("conformance: unexpected log Z head layout");
    zero_grads(head);
  }
  std::vector<RolloutGroup> groups = b.groups;
  obj->prepare(b.old_policy(), b.reference(), groups, ConformanceBatch::kObjectiveSeed);
  for (const RolloutGroup& g : groups)
    for (const char* key : {"masks", "prompt_masks"})
      if (g.frozen.count(key)) r.inputs["frozen"][g.problem_id][key] = tensor_json(g.frozen.at(key));
  training::StepStats stats;
  torch::Tensor total;
  for (const RolloutGroup& g : groups) {
    const torch::Tensor l =
        obj->loss(b.policy(), b.reference(), g, objective_inner(name), ConformanceBatch::kObjectiveSeed, stats) /
        static_cast<double>(groups.size());
    total = total.defined() ? total + l : l;
  }
  total.backward();
  r.loss = total.item<double>();
  take_policy_grads(b, r);
  for (std::size_t i = 0; i < head.size(); ++i)
    r.grads[head_keys[i]] = head[i].grad().defined() ? head[i].grad().to(torch::kFloat64).clone()
                                                     : torch::zeros(head[i].sizes(), torch::kFloat64);
  return r;
}

nlohmann::json tensor_json(const torch::Tensor& t_in) {
  const torch::Tensor t = t_in.detach().to(torch::kCPU).contiguous();
  nlohmann::json j;
  j["shape"] = t.sizes().vec();
  const torch::Tensor flat = t.reshape({-1});
  if (t.scalar_type() == torch::kBool || t.scalar_type() == torch::kLong) {
    const torch::Tensor v = flat.to(torch::kLong);
    j["data"] = std::vector<std::int64_t>(v.data_ptr<std::int64_t>(), v.data_ptr<std::int64_t>() + v.numel());
  } else {
    const torch::Tensor v = flat.to(torch::kFloat64);
    j["data"] = std::vector<double>(v.data_ptr<double>(), v.data_ptr<double>() + v.numel());
  }
  return j;
}

nlohmann::json conformance_batch_json(const ConformanceBatch& b) {
  nlohmann::json j;
  j["config"] = model::to_json(b.config);
  const char* names[] = {"old_policy", "policy", "reference"};
  for (std::size_t m = 0; m < b.models.size(); ++m)
    for (auto& [name, p] : b.models[m].named_parameters()) j["models"][names[m]][name] = tensor_json(p);
  for (const RolloutGroup& g : b.groups)
    j["groups"].push_back(
        {{"id", g.problem_id}, {"prompt", g.prompt}, {"completions", g.completions}, {"rewards", g.rewards}});
  j["sft"] = {{"ids", tensor_json(b.sft.ids)},
              {"attention", b.sft.attention.defined() ? tensor_json(b.sft.attention) : nlohmann::json()},
              {"prompt_len", b.sft.prompt_len},
              {"response_len", b.sft.response_len},
              {"t", tensor_json(b.sft_noise.t)},
              {"u", tensor_json(b.sft_noise.u)}};
  return j;
}

}  // namespace trafl::test
