// STUB (to be replaced): placeholder so the tree builds while the real command is written.
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace trafl::cli {
void add_make_fixtures_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("make-fixtures", "(not implemented yet)");
  cmd->callback([] { throw UsageError("make-fixtures: not implemented yet"); });
}
}  // namespace trafl::cli
