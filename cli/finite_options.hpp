#pragma once
// Every floating-point option of every command takes finite numbers only. Checked in one place, at
// parse time, so no command can forget it: "nan" and "inf" parse as doubles, and had become a stored
// `null` that the next run refused (sample --temperature nan), NUL bytes in the output (generate
// --temperature inf), or a LibTorch backtrace (train --lr nan).
#include <CLI/CLI.hpp>

namespace trafl::cli {

// Adds the finiteness check to every option of `app` and its subcommands (recursively) whose value
// type is floating point (CLI11's type name FLOAT, lists of them included). Call once, after every
// command has been added.
void require_finite_floats(CLI::App& app);

}  // namespace trafl::cli
