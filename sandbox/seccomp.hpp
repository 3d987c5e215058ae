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
// libc falls back to clone), sockets other than AF_UNIX (EACCES). With `degraded` (the tier without
// namespaces, which shares the host's IPC and network namespaces and whose Landlock cannot
// restrict connect): also kill(-1, ...) (EPERM); System V IPC and POSIX message queues (EPERM),
// whose objects would outlive the run; and every way to reach a host socket (EACCES): socket()
// (socketpair(AF_UNIX) stays: a connected pair reaches nothing else), connect, bind, sendto with
// an address, sendmsg/sendmmsg (their address is out of the filter's sight). Empty + err when
// unavailable.
std::vector<sock_filter> seccomp_filter(bool degraded, std::string& err);

}  // namespace trafl::sandbox::detail
