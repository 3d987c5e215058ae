// STUB (to be replaced): placeholder so the tree builds while the real command is written.
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace trafl::cli {
void add_grade_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("grade", "(not implemented yet)");
  cmd->callback([] { throw UsageError("grade: not implemented yet"); });
}
}  // namespace trafl::cli
