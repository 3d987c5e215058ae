// trafl-eval make-task --kind math|code --seed S --out DIR [--train N --test M]
// Writes a generated task in a benchmark's own format (gsm8k / livecodebench) for the tiny-model demo.
#include <fmt/format.h>

#include <memory>

#include "cli/commands.hpp"
#include "tasks_gen/write_task.hpp"

namespace trafl::cli {

void add_make_task_command(CLI::App& app) {
  auto o = std::make_shared<tasks_gen::MakeTaskOptions>();
  auto* cmd = app.add_subcommand(
      "make-task",
      "Write a generated task for tiny models: math in the GSM8K format (multi-step word problems with several valid "
      "solution orders) or code in the LiveCodeBench format (tiny stdin programs, public + encoded private tests), "
      "train/test splits, SFT pairs and reference samples. Same seed, same bytes.");
  cmd->add_option("--kind", o->kind, "math or code")->required();
  cmd->add_option("--seed", o->seed, "seed")->capture_default_str();
  cmd->add_option("--train", o->train, "train problems")->capture_default_str();
  cmd->add_option("--test", o->test, "test problems (code: at most 55 distinct)")->capture_default_str();
  cmd->add_option("--out", o->out_dir, "output directory (created if needed)")->required();
  cmd->callback([o] {
    auto r = tasks_gen::make_generated_task(*o);
    fmt::print("wrote {} ({} problems) and {} ({} problems), task '{}'{}\n", r.test, o->test, r.train, o->train,
               r.adapter, r.prompt_style.empty() ? "" : fmt::format(" with --prompt-style {}", r.prompt_style));
    fmt::print("wrote {} (SFT pairs) and {} (the test split's reference answers)\n", r.sft, r.reference);
    fmt::print("sizes: prompt max {} B (mean {:.1f}), response max {} B (mean {:.1f}) = tokens at byte level\n",
               r.max_prompt_bytes, r.mean_prompt_bytes, r.max_response_bytes, r.mean_response_bytes);
    fmt::print("check: trafl-eval grade --task {} --data {} --samples {} --db /tmp/check.db{}\n", r.adapter, r.test,
               r.reference, r.prompt_style.empty() ? "" : " --prompt-style " + r.prompt_style);
  });
}

}  // namespace trafl::cli
