// trafl-eval judge: grade one (gold, response) pair and show why — the extracted answer, both
// normalised forms, the comparison path, the verdict and, when not correct, the grader's reason. The task only picks the default mode.
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.hpp"
#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "grading/grade.hpp"

namespace trafl::cli {

namespace {

struct JudgeOptions {
  std::string task;
  std::string gold;
  std::string response;
  std::string mode;
  bool json = false;
};

// The task's default mode: from the task registry when it knows the name, else from the math
// task names judge has always accepted (so judge works without the registry).
std::string default_mode_for(const std::string& task) {
  std::string mode;
  try {
    mode = make_task(task)->default_mode();
  } catch (const UsageError&) {
    if (task == "gsm8k")
      mode = "gsm8k-flexible";
    else if (task == "math" || task == "math500" || task == "minerva" || task == "minerva_ocw")
      mode = "symbolic";
    else
      throw UsageError("judge: unknown task '" + task + "' (known: gsm8k, math, math500, minerva)");
  }
  if (!is_math_mode(mode)) throw UsageError("judge: task '" + task + "' is not graded as math (mode " + mode + ")");
  return mode;
}

void run_judge(const JudgeOptions& o) {
  std::string mode = o.mode.empty() ? default_mode_for(o.task) : o.mode;
  if (!o.mode.empty()) default_mode_for(o.task);   // still reject unknown task names
  Grade g = grade_math(o.response, o.gold, mode);  // UsageError for an unknown mode
  if (o.json) {
    nlohmann::json j = {{"task", o.task},       {"mode", g.mode},           {"verdict", g.verdict},
                        {"correct", g.correct}, {"extracted", g.extracted}, {"details", g.details}};
    // The two things a reader looks for first, also at the top: how it was decided and, when not
    // correct, why (the grader's own words, details.reason).
    j["path"] = g.details.value("path", "");
    if (g.details.contains("reason")) j["reason"] = g.details["reason"];
    std::cout << j.dump(2) << "\n";
    return;
  }
  auto field = [&](const char* key) -> std::string {
    if (!g.details.contains(key)) return "";
    const auto& v = g.details[key];
    return v.is_string() ? v.get<std::string>() : v.dump();
  };
  fmt::print("task:                 {}\n", o.task);
  fmt::print("mode:                 {}\n", g.mode);
  fmt::print("extractor:            {}{}\n", field("extractor"),
             g.details.contains("truncated_run_on") ? " (after cutting a few-shot run-on)" : "");
  fmt::print("extracted answer:     {}\n", g.verdict == verdict::kNoAnswer ? "(none)" : g.extracted);
  fmt::print("gold (normalised):    {}\n", field("gold_normalized"));
  if (g.details.contains("pred_normalized")) fmt::print("answer (normalised):  {}\n", field("pred_normalized"));
  if (g.details.contains("gold_structure"))
    fmt::print("structure:            gold {}  |  answer {}\n", field("gold_structure"), field("pred_structure"));
  fmt::print("decided by:           {}\n", field("path"));
  if (g.details.contains("budget"))
    fmt::print("budget:               {} ({})\n", field("budget"), field("budget_reason"));
  if (g.details.contains("notes")) fmt::print("notes:                {}\n", field("notes"));
  fmt::print("verdict:              {}\n", g.verdict);
  if (g.details.contains("reason")) fmt::print("why:                  {}\n", field("reason"));
}

}  // namespace

void add_judge_command(CLI::App& app) {
  auto opts = std::make_shared<JudgeOptions>();
  auto* cmd = app.add_subcommand("judge", "Grade one response against a gold answer and explain the verdict");
  cmd->add_option("--task", opts->task, "Task name: gsm8k, math, math500, minerva (picks the default mode)")
      ->required();
  cmd->add_option("--gold", opts->gold, "Gold answer (or a worked solution with \\boxed{})")->required();
  cmd->add_option("--response", opts->response, "Model response text")->required();
  std::string modes;
  for (const auto& m : math_modes()) modes += (modes.empty() ? "" : ", ") + m;
  cmd->add_option("--mode", opts->mode, "Grading mode: " + modes + " (default: the task's)");
  cmd->add_flag("--json", opts->json, "Print the grade as JSON");
  cmd->callback([opts] { run_judge(*opts); });
}

}  // namespace trafl::cli
