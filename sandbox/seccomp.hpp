#pragma once
// seccomp deny-list (via libseccomp) shared by both sandbox tiers: exported as BPF for
// `bwrap --seccomp FD` in the namespace tiers, loaded directly in the degraded tier. Without
// libseccomp at build time (TRAFL_HAVE_SECCOMP undefined) it reports itself unavailable. Internal.
#include <linux/filter.h>

#include <string>
#include <vector>

namespace trafl::sandbox::detail {

bool seccomp_built_in();

// Denies: kernel attack surface (ptrace, bpf, keyctl, io_uring, perf, userfaultfd, mount, module,
// kexec, reboot, ...), namespace creation (unshare/setns/clone with CLONE_NEW*; clone3 -> ENOSYS so
// libc falls back to clone), sockets other than AF_UNIX (EACCES), and with deny_kill_all
// kill(-1, ...) (EPERM). Empty + err when unavailable.
std::vector<sock_filter> seccomp_filter(bool deny_kill_all, std::string& err);

}  // namespace trafl::sandbox::detail
