// `trafl-eval sample`: a resumable, shardable sampling campaign into the run database.
#include <fmt/format.h>

#include <memory>
#include <optional>

#include "campaign/campaign.hpp"
#include "campaign/identity.hpp"
#include "checkpoint/prompt_format.hpp"
#include "cli/commands.hpp"
#include "cli/torch_commands.hpp"
#include "cli/conventions.hpp"
#include "cli/task_flags.hpp"
#include "core/error.hpp"

namespace trafl::cli {

namespace {
struct SampleFlags {
  campaign::CampaignOptions options;
  std::vector<std::string> models;
  std::string shard = "0/1";
  bool no_grade = false, chat = false, no_chat = false;
  TaskFlags task;  // selection, prompt style, code-running and sandbox options
};

void print_summary(const campaign::CampaignSummary& s, const std::string& db) {
  fmt::print("campaign {}: {} problems in this shard, {} new samples ({} tokens) in {:.1f}s of sampling\n", s.campaign,
             s.problems, s.samples_new, s.tokens_new, s.sample_seconds);
  for (const auto& r : s.runs) {
    fmt::print("  run {}: model {}, gen length {}: {} new, {} in run", r.run_id, r.model, r.gen_length, r.samples_new,
               r.samples_total);
    for (const auto& g : r.grades) {
      double pct = g.graded > 0 ? 100.0 * static_cast<double>(g.correct) / static_cast<double>(g.graded) : 0.0;
      fmt::print("; {} {} graded, {} correct ({:.1f}%)", g.mode, g.graded, g.correct, pct);
    }
    fmt::print("\n");
  }
  fmt::print("  database {} ({:.1f}s)\n", db, s.seconds);
}
}  // namespace

void add_sample_command(CLI::App& app) {
  auto f = std::make_shared<SampleFlags>();
  auto& o = f->options;
  auto* cmd = app.add_subcommand("sample", torch_command_description("sample"));
  cmd->add_option("--model", f->models, "checkpoint directory, or NAME=DIR (repeatable or comma-separated)")
      ->required()
      ->delimiter(',');
  cmd->add_option("--task", o.task, "task name (see `trafl-eval tasks`), or a task file (*.yaml)")->required();
  cmd->add_option("--data", o.data_path, "the task's data file (default: the one a task file names)");
  cmd->add_option("--db", o.db_path, "run database (SQLite; created if missing)")->required();
  cmd->add_option("--n", o.n, "samples per problem")->capture_default_str();
  cmd->add_option("--gen-length", o.gen_lengths, "generation lengths, e.g. 128,256,512 (one run each)")
      ->delimiter(',')
      ->capture_default_str();
  cmd->add_option("--steps", o.steps,
                  "sampler steps: one value, or one per length (default: = gen length; never more; as `generate`)")
      ->delimiter(',');
  cmd->add_option(
         "--block-length", o.block_lengths,
         "block length: one value, or one per length (default: 32 when it divides the length, else the length)")
      ->delimiter(',');
  cmd->add_option("--temperature", o.temperature, "Gumbel-max temperature (0 = argmax: all n samples identical)")
      ->capture_default_str();
  cmd->add_option("--remasking", o.remasking, "low_confidence | random")->capture_default_str();
  cmd->add_option("--cfg", o.cfg_scale, "classifier-free guidance scale")->capture_default_str();
  auto* chat = cmd->add_flag("--chat", f->chat,
                             "wrap the task's prompt as one user turn in the checkpoint's chat template "
                             "(chat_template.jinja / tokenizer_config.json, else the built-in LLaDA one; "
                             "default: the format the models' train_config.json records, else plain prompts)");
  cmd->add_flag("--no-chat", f->no_chat, "plain prompts, no chat template")->excludes(chat);
  cmd->add_flag("--logits-eos-inf", o.logits_eos_inf, "forbid EOS (logits[eos] = -inf)");
  cmd->add_flag("--confidence-eos-eot-inf", o.confidence_eos_eot_inf, "never commit EOS/EOT by confidence");
  cmd->add_option("--confidence-dtype", o.confidence_dtype,
                  "low-confidence remasking softmax in f64 (default) or in the model's dtype ('model', as LLaDA's "
                  "eval_llada.py does in bf16: ties and reorders commits at T = 0)")
      ->capture_default_str();
  auto* fast = cmd->add_flag("--fast", o.fast,
                             "Fast-dLLM mode, an approximation: confidence-threshold parallel decoding and a prefix "
                             "KV cache per block (each sample's trajectory records the steps it took)");
  cmd->add_option("--threshold", o.threshold,
                  "fast mode: besides the scheduled tokens, commit every masked position of the block whose "
                  "probability exceeds this (>= 1: the exact schedule)")
      ->capture_default_str()
      ->needs(fast);
  cmd->add_flag_function(
         "--no-prefix-cache", [f](std::int64_t) { f->options.prefix_cache = false; },
         "fast mode: recompute the whole sequence every step (threshold decoding only)")
      ->needs(fast);
  cmd->add_option("--seed", o.seed, "run seed; sample i of problem p depends only on (seed, p's id, i)")
      ->capture_default_str();
  cmd->add_option("--shard", f->shard, "i/N: sample problems at positions p with p mod N = i")->capture_default_str();
  cmd->add_option("--limit", o.limit, "only the first N problems of the file (0 = all), before sharding")
      ->capture_default_str();
  cmd->add_option("--run-name", o.campaign_name,
                  "campaign name (default: derived from the settings); reusing a name with other settings is refused");
  cmd->add_option("--batch-size", o.batch_size, "rows per forward pass (does not change samples)")
      ->capture_default_str();
  cmd->add_option("--device", o.device, "cpu | cuda | cuda:N")->capture_default_str();
  cmd->add_option("--dtype", o.dtype, "f32 | bf16 | f16")->capture_default_str();
  cmd->add_option("--threads", o.threads, "torch CPU threads (0 = default)")->capture_default_str();
  cmd->add_option("--grade-modes", o.grade_modes, "grading modes (default: the task's default)")->delimiter(',');
  cmd->add_option("--grade-threads", o.grade_threads, "grading threads (0 = by task / hardware)")
      ->capture_default_str();
  cmd->add_flag("--no-grade", f->no_grade, "store samples only (a later run of the same command grades them)");
  add_task_flags(cmd, f->task);
  cmd->callback([f] {
    campaign::CampaignOptions options = f->options;
    options.task_object = make_task_from_flags(options.task, f->task);
    options.data_path = data_path_for(*options.task_object, options.data_path);
    for (const auto& m : f->models) options.models.push_back(campaign::parse_model_ref(m));
    // The models' recorded prompt format is the default; an explicit flag against it is warned about.
    std::vector<std::string> dirs;
    for (const auto& m : options.models) dirs.push_back(m.dir);
    const std::optional<bool> given = f->chat      ? std::optional<bool>(true)
                                      : f->no_chat ? std::optional<bool>(false)
                                                   : std::nullopt;
    const auto format = checkpoint::choose_prompt_format(given, f->no_chat ? "--no-chat" : "--chat", dirs, false);
    options.chat = format.chat;
    for (const auto& n : format.notes) note(n);
    for (const auto& w : format.warnings) fmt::print(stderr, "warning: {}\n", w);
    options.shard = campaign::parse_shard(f->shard);
    options.grade = !f->no_grade;
    options.progress = !quiet();
    auto summary = campaign::run(options);
    print_summary(summary, options.db_path);
  });
}

}  // namespace trafl::cli
