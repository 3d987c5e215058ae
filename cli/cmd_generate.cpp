// trafl-eval generate: sample completions from a LLaDA or Dream checkpoint directory.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "sampling/generate.hpp"

namespace trafl::cli {

void add_generate_command(CLI::App& app) {
  auto opts = std::make_shared<sampling::GenerateOptions>();
  auto files = std::make_shared<std::vector<std::string>>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("generate", torch_command_description("generate"));
  cmd->add_option("--model", opts->model_dir, "model directory (config.json, *.safetensors, tokenizer.json)")
      ->required();
  cmd->add_option("--prompt", opts->prompts, "prompt text (repeatable: one problem each, batched with left padding)");
  cmd->add_option("--prompt-file", *files, "file whose whole content is one prompt (repeatable)");
  cmd->add_flag(
      "--chat", opts->chat,
      "wrap each prompt as one user turn in the checkpoint's chat template (chat_template.jinja / tokenizer_config.json), else the built-in LLaDA one");
  cmd->add_option("--n", opts->n, "samples per prompt")->capture_default_str();
  cmd->add_option("--gen-length", opts->gen_length, "generated tokens")->capture_default_str();
  cmd->add_option("--steps", opts->steps, "sampling steps in total (0: = --gen-length; never more; as `sample`)")
      ->capture_default_str();
  cmd->add_option(
         "--block-length", opts->block_length,
         "semi-autoregressive block length (0: 32 when it divides --gen-length, else --gen-length; as `sample`)")
      ->capture_default_str();
  cmd->add_option("--temperature", opts->temperature, "Gumbel-max temperature (0 = argmax)")->capture_default_str();
  cmd->add_option("--cfg-scale", opts->cfg_scale, "unsupervised classifier-free guidance scale")->capture_default_str();
  cmd->add_option("--remasking", opts->remasking, "low_confidence | random")->capture_default_str();
  cmd->add_option("--confidence-dtype", opts->confidence_dtype,
                  "low_confidence softmax in f64 (default) or the model's dtype (eval_llada.py with bf16)")
      ->capture_default_str();
  cmd->add_flag("--logits-eos-inf", opts->logits_eos_inf, "forbid EOS (logits[eos] = -inf)");
  cmd->add_flag("--confidence-eos-eot-inf", opts->confidence_eos_eot_inf,
                "never commit EOS/EOT by confidence (LLaDA's confidence_eos_eot_inf)");
  auto* fast = cmd->add_flag("--fast", opts->fast,
                             "Fast-dLLM mode, an approximation: confidence-threshold parallel decoding and a prefix "
                             "KV cache per block (steps then vary per sample; the JSON 'steps' is the actual count)");
  cmd->add_option("--threshold", opts->threshold,
                  "fast mode: besides the scheduled tokens, commit every masked position of the block whose "
                  "probability exceeds this (>= 1: the exact schedule); Fast-dLLM: 0.9 with --steps = --gen-length")
      ->capture_default_str()
      ->needs(fast);
  cmd->add_flag_function(
         "--no-prefix-cache", [opts](std::int64_t) { opts->prefix_cache = false; },
         "fast mode: recompute the whole sequence every step (threshold decoding only)")
      ->needs(fast);
  cmd->add_option("--seed", opts->seed, "seed; sample i of prompt p depends only on (seed, p, i)")
      ->capture_default_str();
  cmd->add_option("--device", opts->device, "cpu | cuda")->capture_default_str();
  cmd->add_option("--dtype", opts->dtype, "f32 | bf16 | f16")->capture_default_str();
  cmd->add_option("--batch-size", opts->batch_size, "rows per forward pass (does not change results)")
      ->capture_default_str();
  cmd->add_option("--threads", opts->threads, "CPU threads for torch (0 = default)")->capture_default_str();
  cmd->add_flag("--json", *json, "one JSON object per sample: text, token ids, trajectory");
  cmd->callback([opts, files, json] {
    for (const std::string& f : *files) opts->prompts.push_back(read_text_file(f, "prompt file"));
    if (opts->prompts.empty()) throw UsageError("generate: give --prompt or --prompt-file");
    const sampling::GenerateResult r = sampling::generate(*opts);
    for (const sampling::GeneratedSample& s : r.samples) {
      if (*json) {
        nlohmann::json j = {{"problem", s.problem},
                            {"index", s.index},
                            {"text", s.text},
                            {"prompt_ids", s.prompt_ids},
                            {"tokens", s.trajectory.tokens},
                            {"step", s.trajectory.step},
                            {"confidence", s.trajectory.confidence},
                            {"steps", s.trajectory.steps}};
        std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      } else {
        if (r.samples.size() > 1) fmt::print("=== problem {} sample {} ===\n", s.problem, s.index);
        fmt::print("{}\n", s.text);
      }
    }
    std::fflush(stdout);
    if (!r.chat_template.empty()) fmt::print(stderr, "chat template: {}\n", r.chat_template);
    fmt::print(stderr, "generated {} tokens in {:.2f} s ({:.1f} tok/s; load {:.2f} s)\n", r.generated_tokens,
               r.sample_seconds, r.sample_seconds > 0 ? r.generated_tokens / r.sample_seconds : 0.0, r.load_seconds);
  });
}

}  // namespace trafl::cli
