// trafl-eval loglik: Monte Carlo ELBO of log p(completion | prompt) with its standard error.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "sampling/loglik.hpp"

namespace trafl::cli {

void add_loglik_command(CLI::App& app) {
  auto opts = std::make_shared<sampling::LoglikOptions>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("loglik", torch_command_description("loglik"));
  cmd->add_option("--model", opts->model_dir, "model directory (config.json, *.safetensors, tokenizer.json)")
      ->required();
  cmd->add_option("--prompt", opts->prompt, "prompt text")->required();
  cmd->add_option("--completion", opts->completion, "completion text to score")->required();
  cmd->add_flag(
      "--chat", opts->chat,
      "wrap the prompt as one user turn in the checkpoint's chat template (chat_template.jinja / tokenizer_config.json), else the built-in LLaDA one");
  cmd->add_option("--mc", opts->mc, "Monte Carlo rows (a multiple of --batch-size)")->capture_default_str();
  cmd->add_option("--batch-size", opts->batch_size, "rows per forward = one stratified batch")->capture_default_str();
  cmd->add_option("--cfg-scale", opts->cfg_scale, "classifier-free guidance scale")->capture_default_str();
  cmd->add_option("--seed", opts->seed, "seed of the mask draws")->capture_default_str();
  cmd->add_option("--device", opts->device, "cpu | cuda")->capture_default_str();
  cmd->add_option("--dtype", opts->dtype, "f32 | bf16 | f16")->capture_default_str();
  cmd->add_option("--threads", opts->threads, "torch intra-op threads (0 = default)")->capture_default_str();
  cmd->add_flag("--json", *json, "print one JSON object");
  cmd->callback([opts, json] {
    auto r = sampling::estimate_loglik(*opts);
    if (*json) {
      nlohmann::json j{{"elbo", r.elbo},
                       {"std_error", r.std_error},
                       {"rows", r.rows},
                       {"prompt_tokens", r.prompt_tokens},
                       {"completion_tokens", r.completion_tokens}};
      fmt::print("{}\n", j.dump());
    } else {
      fmt::print(
          "log p(completion | prompt) >= ELBO ~= {:.4f} nats (standard error {:.4f}; {} MC rows; {} prompt + {} "
          "completion tokens)\n",
          r.elbo, r.std_error, r.rows, r.prompt_tokens, r.completion_tokens);
    }
  });
}

}  // namespace trafl::cli
