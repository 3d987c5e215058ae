// STUB (to be replaced): placeholder so the tree builds while the real command is written.
#include "cli/commands.hpp"
#include "core/error.hpp"

namespace trafl::cli {
void add_passk_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("passk", "(not implemented yet)");
  cmd->callback([] { throw UsageError("passk: not implemented yet"); });
}
}  // namespace trafl::cli
