// trafl-eval init-model: a randomly initialised checkpoint in Hugging Face layout.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "core/error.hpp"
#include "model/init_model.hpp"

namespace trafl::cli {

void add_init_model_command(CLI::App& app) {
  auto opts = std::make_shared<model::InitModelOptions>();
  auto* cmd = app.add_subcommand("init-model", torch_command_description("init-model"));
  cmd->add_option("--config", opts->config_path, "config.json to initialise from (LLaDA keys)")->required();
  cmd->add_option("--out", opts->out_dir, "output directory (created)")->required();
  cmd->add_option("--seed", opts->seed, "initialisation seed")->capture_default_str();
  cmd->add_option("--tokenizer", opts->tokenizer_path,
                  "tokenizer.json to copy (default: the tiny byte-level tokenizer with the LLaDA special tokens)");
  cmd->add_flag("--tiny-tokenizer", "write the tiny byte-level tokenizer (the default)");
  cmd->add_option("--save-dtype", opts->disk_dtype, "dtype on disk: f32, bf16, f16")->capture_default_str();
  cmd->add_option("--max-shard-bytes", opts->max_shard_bytes, "shard the weights past this many bytes")
      ->capture_default_str();
  cmd->callback([opts, cmd] {
    if (cmd->count("--tiny-tokenizer") && !opts->tokenizer_path.empty())
      throw UsageError("init-model: give --tokenizer or --tiny-tokenizer, not both");
    const model::InitModelResult r = model::init_model(*opts);
    fmt::print("wrote {} ({} parameters): {}\n", opts->out_dir, r.parameters, fmt::join(r.files, ", "));
  });
}

}  // namespace trafl::cli
