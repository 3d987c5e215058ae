#pragma once
// Resolves the Python interpreter once: `python3` on this machine is a pyenv bash shim (+55 ms per
// start), so ask it for sys.executable and exec the real binary directly from then on. Internal.
#include <string>

namespace trafl::sandbox::detail {

struct Interpreter {
  std::string executable;  // realpath of sys.executable
  std::string prefix;      // sys.base_prefix
  std::string version;     // "3.11.7"
};

// command: a name looked up in PATH or a path; "" means python3. Throws UsageError on failure.
Interpreter resolve_interpreter(const std::string& command);

}  // namespace trafl::sandbox::detail
