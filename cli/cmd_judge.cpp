// STUB (to be replaced): placeholder so the tree builds while the real command is written.
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace trafl::cli {
void add_judge_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("judge", "(not implemented yet)");
  cmd->callback([] { throw UsageError("judge: not implemented yet"); });
}
}  // namespace trafl::cli
