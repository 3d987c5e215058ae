#include "cli/torch_commands.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

namespace trafl::cli {

namespace {

const std::map<std::string, std::string>& table() {
  static const std::map<std::string, std::string> kTorch = {
      {"demo",
       "The whole study on the embedded default: generated tasks, tiny LLaDA models (base, TraFL and the baselines), "
       "sampling campaigns, grading, diagnostics and the HTML report"},
      {"generate", "Sample completions (LLaDA or Dream checkpoint) with LLaDA's semi-autoregressive remasking sampler"},
      {"init-model", "Write a randomly initialised checkpoint (config.json, model.safetensors, tokenizer.json)"},
      {"loglik", "Estimate log p(completion | prompt) by the Monte Carlo ELBO (LLaDA)"},
      {"sample",
       "Sampling campaign: n samples per problem per model and length into the run database, graded as they come "
       "(resumable after kill -9, shardable with --shard i/N + merge)"},
      {"train",
       "SFT (masked-diffusion loss) or RL post-training (TraFL and the baselines, listed by train --help) of a LLaDA model"},
  };
  return kTorch;
}

}  // namespace

std::string torch_command_description(const std::string& name) {
  auto it = table().find(name);
  return it == table().end() ? std::string() : it->second;
}

bool is_torch_command(const std::string& name) { return table().count(name) != 0; }

void add_torch_command_stubs(CLI::App& app) {
  for (const auto& [name, description] : table()) app.add_subcommand(name, description)->allow_extras();
}

int run_torch_program_if_needed(int argc, char** argv) {
  // The command is the first argument that is not a flag (the top level has flags only).
  const char* command = nullptr;
  for (int i = 1; i < argc && !command; ++i)
    if (argv[i][0] != '-') command = argv[i];
  if (!command || !is_torch_command(command)) return -1;
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  const auto program = (ec ? std::filesystem::path(argv[0]) : self).parent_path() / "trafl-eval-torch";
  std::fflush(nullptr);
  execv(program.c_str(), argv);
  std::fprintf(
      stderr,
      "error: `%s` runs in trafl-eval-torch (the LibTorch half of trafl-eval), which could not be started from %s: %s\n",
      command, program.c_str(), std::strerror(errno));
  return 1;
}

}  // namespace trafl::cli
