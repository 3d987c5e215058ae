#include "cli/task_flags.hpp"

#include <fmt/format.h>

#include <map>

#include "codegrade/code_task.hpp"
#include "core/error.hpp"

namespace trafl::cli {

void add_task_flags(CLI::App* cmd, TaskFlags& f) {
  auto& t = f.task;
  cmd->add_option("--release", f.release,
                  "livecodebench: release_v1..release_v6 (cumulative), release_latest, v1..v6 or vX_vY; --data is then "
                  "the directory holding test.jsonl..test6.jsonl, or one file whose rows carry _version");
  cmd->add_option("--since", f.since,
                  "livecodebench: keep problems with contest_date >= this (ISO prefix, e.g. 2024-08-01)");
  cmd->add_option("--until", f.until, "livecodebench: keep problems with contest_date <= this (ISO prefix, inclusive)");
  cmd->add_option("--difficulty", f.difficulties, "livecodebench: keep these difficulties (easy,medium,hard)")
      ->delimiter(',');
  cmd->add_option("--platform", f.platforms, "livecodebench: keep these platforms (atcoder,codeforces,leetcode)")
      ->delimiter(',');
  cmd->add_option("--prompt-style", f.prompt_style,
                  "livecodebench: lcb (default) or short (\"Question: ...\\nAnswer:\\n\")");
  cmd->add_option("--task-option", f.task_options,
                  "KEY=VALUE: an option of the task's own (repeatable; VALUE is JSON where it parses, else a string). "
                  "Tasks' keys: " +
                      task_option_help());
  cmd->add_option("--num-fewshot", t.fewshot.k,
                  "math tasks: exemplars before each prompt, as lm-eval builds them (default 0; with --fewshot-file: "
                  "all of its exemplars)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--fewshot-seed", t.fewshot.seed,
                  "math tasks: seed of the exemplar draws from the train split (default 1234, lm-eval's)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--fewshot-file", t.fewshot.file,
                  "math tasks: fixed exemplars (JSONL with question and answer), the first K in the file's order");
  cmd->add_option(
      "--fewshot-data", t.fewshot.data,
      "math tasks: the split exemplars are drawn from (default: the file named like --data with 'train' for "
      "'test', e.g. gsm8k/train.jsonl next to gsm8k/test.jsonl)");
  cmd->add_option("--test-timeout", t.test_timeout_s,
                  "code tasks: CPU seconds per test (default: livecodebench 6, humaneval/mbpp 3)");
  cmd->add_flag("--all-tests", t.run_all_tests, "code tasks: run every test (default: stop at the first failure)");
  cmd->add_option("--memory", t.memory_mb, "code tasks: memory limit per run in MB (default 1024)");
  cmd->add_option("--sandbox-tier", f.sandbox.tier,
                  "code tasks: force an isolation tier 1-4 (default: the best the probe finds)");
  cmd->add_flag("--allow-unsandboxed", f.sandbox.allow_unsandboxed,
                "code tasks: run even when no isolation is available (DANGEROUS; tier 4)");
  cmd->add_option("--workers", f.sandbox.workers,
                  "code tasks: sandbox slots, i.e. programs run at once (default: cores + 1)");
  cmd->add_option("--python", f.sandbox.python,
                  "code tasks: interpreter (default python3, resolved once to the real binary)");
}

namespace {

// The task's own options from the flags, and for each key the flag that gave it (for messages): each
// --task-option value is JSON where it parses as JSON (3, true, ["a","b"]) and a string otherwise; a
// key given twice is refused.
nlohmann::json own_options_from_flags(const TaskFlags& f, std::map<std::string, std::string>& given_by) {
  nlohmann::json own = nlohmann::json::object();
  auto put = [&](const std::string& key, nlohmann::json value, const std::string& given_as) {
    if (own.contains(key)) throw UsageError(fmt::format("task option '{}' given twice (again as {})", key, given_as));
    own[key] = std::move(value);
    given_by[key] = given_as;
  };
  if (!f.release.empty()) put("release", f.release, "--release");
  if (!f.since.empty()) put("since", f.since, "--since");
  if (!f.until.empty()) put("until", f.until, "--until");
  if (!f.difficulties.empty()) put("difficulty", f.difficulties, "--difficulty");
  if (!f.platforms.empty()) put("platform", f.platforms, "--platform");
  if (!f.prompt_style.empty()) put("prompt_style", f.prompt_style, "--prompt-style");
  for (const auto& kv : f.task_options) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError(fmt::format("--task-option '{}': expected KEY=VALUE", kv));
    std::string key = kv.substr(0, eq), text = kv.substr(eq + 1);
    nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) value = text;
    put(key, std::move(value), "--task-option " + kv);
  }
  return own;
}

}  // namespace

std::shared_ptr<const Task> make_task_from_flags(const std::string& name, const TaskFlags& flags) {
  TaskOptions options = flags.task;
  std::map<std::string, std::string> given_by;
  options.own = own_options_from_flags(flags, given_by);
  std::shared_ptr<const Task> task;
  try {
    task = make_task(name, options);
  } catch (const UsageError& e) {
    // The registry names the option's key; say which flag the user typed for it.
    std::string message = e.what();
    for (const auto& [key, flag] : given_by)
      if (message.find("'" + key + "'") != std::string::npos)
        message += fmt::format("; '{}' was given as {}", key, flag);
    throw UsageError(message);
  }
  const auto& sb = flags.sandbox;
  const bool sandbox_flags = !sb.tier.empty() || sb.allow_unsandboxed || sb.workers > 0 || !sb.python.empty();
  if (sandbox_flags && !dynamic_cast<const codegrade::SandboxedGrading*>(task.get()))
    throw UsageError(
        fmt::format("task {} runs no code: --sandbox-tier/--allow-unsandboxed/--workers/--python do not apply", name));
  codegrade::configure_shared_sandbox(sb);
  return task;
}

std::string data_path_for(const Task& task, const std::string& given) {
  if (!given.empty()) return given;
  std::string named = task.default_data();
  if (named.empty()) throw UsageError(fmt::format("--data is required (task {} names no data file)", task.name()));
  return named;
}

}  // namespace trafl::cli
