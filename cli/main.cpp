// trafl-eval: train, sample and evaluate diffusion language models under large sampling budgets.
// Built twice (CMakeLists.txt): trafl-eval, without LibTorch, runs the torch-free commands and
// hands the others to trafl-eval-torch, built with TRAFL_CLI_WITH_TORCH and every command
// (cli/torch_commands.hpp says why).
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "cli/finite_options.hpp"
#include "cli/torch_commands.hpp"
#include "core/allocator.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
#ifndef TRAFL_CLI_WITH_TORCH
  if (const int code = trafl::cli::run_torch_program_if_needed(argc, argv); code >= 0) return code;
#endif
  trafl::keep_freed_memory_in_heap();
  CLI::App app{"trafl-eval: large-budget evaluation of diffusion language models", "trafl-eval"};
  app.set_version_flag("--version", std::string("trafl-eval ") + TRAFL_VERSION);
  app.require_subcommand(1);
  trafl::cli::show_defaults(app);  // before the commands: their options capture their defaults
  trafl::cli::add_tasks_command(app);
  trafl::cli::add_judge_command(app);
  trafl::cli::add_grade_command(app);
  trafl::cli::add_passk_command(app);
  trafl::cli::add_make_fixtures_command(app);
  trafl::cli::add_make_task_command(app);
  trafl::cli::add_tokenize_command(app);
  trafl::cli::add_exec_command(app);
  trafl::cli::add_diagnose_command(app);
  trafl::cli::add_report_command(app);
  trafl::cli::add_merge_command(app);
  trafl::cli::add_export_command(app);
#ifdef TRAFL_CLI_WITH_TORCH
  trafl::cli::add_demo_command(app);
  trafl::cli::add_loglik_command(app);
  trafl::cli::add_init_model_command(app);
  trafl::cli::add_generate_command(app);
  trafl::cli::add_train_command(app);
  trafl::cli::add_sample_command(app);
#else
  trafl::cli::add_torch_command_stubs(app);  // listed by --help; run by trafl-eval-torch
#endif
  trafl::cli::require_finite_floats(app);  // after every command: it walks their options
  trafl::cli::add_conventions(app);        // -q/--quiet and an example on every command
  try {
    if (const int code = trafl::cli::parse(app, argc, argv); code >= 0) return code;
  } catch (const trafl::InputError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 3;
  } catch (const trafl::UsageError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
