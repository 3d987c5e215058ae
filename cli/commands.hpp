#pragma once
// One file per subcommand; each adds itself to the app. The callback calls one library entry
// point and prints. Errors propagate as exceptions to main(), which turns them into messages.
#include <CLI/CLI.hpp>

namespace trafl::cli {
void add_grade_command(CLI::App& app);
void add_passk_command(CLI::App& app);
void add_judge_command(CLI::App& app);
void add_tasks_command(CLI::App& app);
void add_make_fixtures_command(CLI::App& app);
void add_make_task_command(CLI::App& app);
void add_demo_command(CLI::App& app);
void add_tokenize_command(CLI::App& app);
void add_exec_command(CLI::App& app);
void add_loglik_command(CLI::App& app);
void add_init_model_command(CLI::App& app);
void add_generate_command(CLI::App& app);
void add_diagnose_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_sample_command(CLI::App& app);
void add_merge_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_train_command(CLI::App& app);
}  // namespace trafl::cli
