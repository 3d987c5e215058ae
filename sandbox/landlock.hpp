#pragma once
// Landlock for the degraded tier (no namespaces). The constants are defined here because Debian
// 12's uapi headers stop at ABI 2; the ABI is probed at run time. Internal.
#include <string>
#include <vector>

namespace trafl::sandbox::detail {

int landlock_abi();  // 0 when unsupported or disabled

// A ruleset fd (O_CLOEXEC) allowing read+execute beneath ro_paths, everything beneath rw_paths,
// nothing else on the filesystem; denying TCP bind/connect (ABI >= 4) and scoping signals and
// abstract Unix sockets to the sandbox (ABI >= 6). Missing paths are skipped. -1 + err on failure.
int landlock_ruleset(int abi, const std::vector<std::string>& ro_paths, const std::vector<std::string>& rw_paths,
                     std::string& err);

// In the forked child (async-signal-safe): 0 or -1 with errno. Needs PR_SET_NO_NEW_PRIVS first.
int landlock_restrict_self_fd(int ruleset_fd);

}  // namespace trafl::sandbox::detail
