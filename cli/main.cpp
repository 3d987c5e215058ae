// trafl-eval: train, sample and evaluate diffusion language models under large sampling budgets.
#include <fmt/format.h>

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/finite_options.hpp"
#include "core/allocator.hpp"
#include "core/error.hpp"

int main(int argc, char** argv) {
  trafl::keep_freed_memory_in_heap();
  CLI::App app{"trafl-eval: large-budget evaluation of diffusion language models", "trafl-eval"};
  app.set_version_flag("--version", std::string("trafl-eval ") + TRAFL_VERSION);
  app.require_subcommand(1);
  trafl::cli::add_tasks_command(app);
  trafl::cli::add_judge_command(app);
  trafl::cli::add_grade_command(app);
  trafl::cli::add_passk_command(app);
  trafl::cli::add_make_fixtures_command(app);
  trafl::cli::add_make_task_command(app);
  trafl::cli::add_demo_command(app);
  trafl::cli::add_tokenize_command(app);
  trafl::cli::add_exec_command(app);
  trafl::cli::add_loglik_command(app);
  trafl::cli::add_init_model_command(app);
  trafl::cli::add_generate_command(app);
  trafl::cli::add_train_command(app);
  trafl::cli::add_diagnose_command(app);
  trafl::cli::add_report_command(app);
  trafl::cli::add_sample_command(app);
  trafl::cli::add_merge_command(app);
  trafl::cli::add_export_command(app);
  trafl::cli::require_finite_floats(app);  // after every command: it walks their options
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
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
