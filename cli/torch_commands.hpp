#pragma once
// The commands that need LibTorch (they load, sample or train a model) live in a second program,
// trafl-eval-torch; `trafl-eval` runs every other command itself and hands these over with exec.
// Why: loading LibTorch costs ~0.8 s at start-up (measured: an empty program linked to it starts in
// 0.76-0.89 s, against 0.005 s without), which --version, --help, passk, grade, diagnose and report
// no longer pay (issue 20). Both programs list every command with the same description (this table).
#include <CLI/CLI.hpp>

#include <string>

namespace trafl::cli {

// The description of a LibTorch command ("sample", "train", …); "" for any other name.
std::string torch_command_description(const std::string& name);

// True for a command that trafl-eval-torch runs.
bool is_torch_command(const std::string& name);

// In trafl-eval: lists the LibTorch commands (name and description only) so that --help shows them.
void add_torch_command_stubs(CLI::App& app);

// In trafl-eval: when argv names a LibTorch command, replaces this process with trafl-eval-torch from
// the same folder, same arguments; returns only on failure (an exit status, after an error message).
// Returns -1 when argv names no LibTorch command.
int run_torch_program_if_needed(int argc, char** argv);

}  // namespace trafl::cli
