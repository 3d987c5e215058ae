#pragma once
// What every subcommand shares (issue 20): one `-q, --quiet`, defaults shown in --help, one example
// in its help, and unknown flags reported before missing required ones.
#include <CLI/CLI.hpp>

#include <string>

namespace trafl::cli {

// Before any command is added: options capture their defaults so that every --help shows them.
void show_defaults(CLI::App& app);

// After every command is added: gives each subcommand `-q, --quiet` (commands with progress bars
// read quiet() for them) and appends its example (cli/conventions.cpp holds the table; a command
// without one is a programming error caught by the [cli] tests).
void add_conventions(CLI::App& app);

// True when the running command was given -q/--quiet: no progress lines and no notes on stderr
// (errors and warnings are always printed).
bool quiet();

// "note: TEXT" on stderr unless quiet().
void note(const std::string& text);

// Parses argv; an unknown flag is reported before a missing required option (CLI11 checks the
// requirements first, so `sample --bogus` used to say "--model is required"). Returns the exit code
// to use, or -1 when parsing succeeded and the command has run.
int parse(CLI::App& app, int argc, char** argv);

}  // namespace trafl::cli
