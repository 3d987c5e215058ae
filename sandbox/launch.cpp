#include "sandbox/launch.hpp"

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include <cerrno>

#include "sandbox/fsutil.hpp"
#include "sandbox/landlock.hpp"

namespace trafl::sandbox::detail {

namespace {

enum Step : int {
  kSetsid = 1,
  kDeathSig,
  kParentGone,
  kCgroup,
  kUnshareNs,
  kMountPrivate,
  kMountTmpfs,
  kMkdir,
  kBindPrefix,
  kRemountPrefix,
  kRlimit,
  kSetgroups,
  kSetgid,
  kSetuid,
  kChdir,
  kNoNewPrivs,
  kLandlock,
  kDupHigh,
  kDup2,
  kSeccomp,
  kExec,
};

const char* step_name(int step) {
  switch (step) {
    case kSetsid: return "setsid";
    case kDeathSig: return "prctl(PR_SET_PDEATHSIG)";
    case kParentGone: return "runner exited during start";
    case kCgroup: return "joining the cgroup";
    case kUnshareNs: return "unshare(CLONE_NEWNS)";
    case kMountPrivate: return "making / private";
    case kMountTmpfs: return "mounting a tmpfs over the interpreter's hidden ancestor";
    case kMkdir: return "mkdir for the interpreter prefix";
    case kBindPrefix: return "bind-mounting the interpreter prefix";
    case kRemountPrefix: return "remounting the interpreter prefix read-only";
    case kRlimit: return "setrlimit";
    case kSetgroups: return "setgroups";
    case kSetgid: return "setresgid";
    case kSetuid: return "setresuid";
    case kChdir: return "chdir";
    case kNoNewPrivs: return "prctl(PR_SET_NO_NEW_PRIVS)";
    case kLandlock: return "landlock_restrict_self";
    case kDupHigh: return "fcntl(F_DUPFD)";
    case kDup2: return "dup2";
    case kSeccomp: return "loading the seccomp filter";
    case kExec: return "execve";
    default: return "unknown step";
  }
}

[[noreturn]] void die(int errfd, int step) {
  int msg[2] = {step, errno};
  ssize_t ignored = ::write(errfd, msg, sizeof msg);
  (void)ignored;
  ::_exit(127);
}

void close_from(int first, int keep) {
  if (keep >= first) {
    if (keep > first && ::syscall(SYS_close_range, first, keep - 1, 0) != 0) {
      for (int fd = first; fd < keep; ++fd) ::close(fd);
    }
    first = keep + 1;
  }
  if (::syscall(SYS_close_range, first, ~0u, 0) != 0) {
    for (int fd = first; fd < 65536; ++fd) ::close(fd);
  }
}

[[noreturn]] void child_main(const ChildPlan& p, int errfd) {
  if (::setsid() < 0) die(errfd, kSetsid);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) die(errfd, kDeathSig);
  if (::getppid() != p.runner) die(errfd, kParentGone);
  for (int i = 0; i < p.n_cgroup_fds; ++i) {
    if (::write(p.cgroup_fds[i], "0", 1) != 1) die(errfd, kCgroup);
  }
  if (p.expose_prefix) {
    if (::unshare(CLONE_NEWNS) != 0) die(errfd, kUnshareNs);
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) die(errfd, kMountPrivate);
    // A detached copy of the prefix (open_tree, Linux 5.2), taken before its ancestor is covered.
    int tree = static_cast<int>(::syscall(428 /* open_tree */, AT_FDCWD, p.prefix_source,
                                          1 /* OPEN_TREE_CLONE */ | O_CLOEXEC | 0x8000 /* AT_RECURSIVE */));
    if (tree < 0) die(errfd, kBindPrefix);
    if (::mount("trafl-sbx", p.hide_dir, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755") != 0)
      die(errfd, kMountTmpfs);
    for (const char* const* d = p.mkdirs; d && *d; ++d) {
      if (::mkdir(*d, 0755) != 0 && errno != EEXIST) die(errfd, kMkdir);
    }
    if (::syscall(429 /* move_mount */, tree, "", AT_FDCWD, p.prefix_target, 0x4 /* MOVE_MOUNT_F_EMPTY_PATH */) != 0)
      die(errfd, kBindPrefix);
    ::close(tree);
    if (::mount(nullptr, p.prefix_target, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) !=
        0)
      die(errfd, kRemountPrefix);
  }
  // Move every source (and the error pipe, and the Landlock ruleset) above the target range first,
  // so no dup2 clobbers a source that is still needed; this must precede RLIMIT_NOFILE.
  int high[16];
  int n = p.n_fds > 16 ? 16 : p.n_fds;
  int err_high = ::fcntl(errfd, F_DUPFD_CLOEXEC, 64);
  if (err_high < 0) die(errfd, kDupHigh);
  errfd = err_high;
  for (int i = 0; i < n; ++i) {
    high[i] = ::fcntl(p.fd_src[i], F_DUPFD_CLOEXEC, 64);
    if (high[i] < 0) die(errfd, kDupHigh);
  }
  int landlock_fd = -1;
  if (p.landlock_fd >= 0 && (landlock_fd = ::fcntl(p.landlock_fd, F_DUPFD_CLOEXEC, 64)) < 0) die(errfd, kDupHigh);
  for (int i = 0; i < p.n_rlimits; ++i) {
    if (::setrlimit(static_cast<__rlimit_resource>(p.rlimits[i].resource), &p.rlimits[i].value) != 0)
      die(errfd, kRlimit);
  }
  if (p.drop_ids) {
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) die(errfd, kSetgroups);
    if (::syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0) die(errfd, kSetgid);
    if (::syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0) die(errfd, kSetuid);
  }
  if (p.chdir_to && ::chdir(p.chdir_to) != 0) die(errfd, kChdir);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die(errfd, kNoNewPrivs);
  if (landlock_fd >= 0 && landlock_restrict_self_fd(landlock_fd) != 0) die(errfd, kLandlock);
  for (int i = 0; i < n; ++i) {
    if (::dup2(high[i], i) < 0) die(errfd, kDup2);
  }
  close_from(n, errfd);
  if (p.seccomp && ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, p.seccomp) != 0) die(errfd, kSeccomp);
  ::execve(p.path, p.argv, p.envp);
  die(errfd, kExec);
}

}  // namespace

pid_t fork_without_atfork_handlers() {
  // Flags SIGCHLD only, every other argument null (so the architectures' different argument orders
  // do not matter): no CLONE_VM, so the child gets a copy of the address space and the parent's
  // stack, as with fork().
  return static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, nullptr, nullptr, nullptr, nullptr));
}

pid_t launch_child(const ChildPlan& plan, std::string& err) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    err = "pipe2: " + errno_text(errno);
    return -1;
  }
  pid_t pid = fork_without_atfork_handlers();
  if (pid < 0) {
    err = "clone: " + errno_text(errno);
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return -1;
  }
  if (pid == 0) {
    ::close(pipefd[0]);
    child_main(plan, pipefd[1]);
  }
  ::close(pipefd[1]);
  int msg[2] = {0, 0};
  ssize_t got;
  do {
    got = ::read(pipefd[0], msg, sizeof msg);
  } while (got < 0 && errno == EINTR);
  ::close(pipefd[0]);
  if (got == static_cast<ssize_t>(sizeof msg)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    err = std::string("sandbox set-up failed at ") + step_name(msg[0]) + ": " + errno_text(msg[1]);
    return -1;
  }
  return pid;
}

}  // namespace trafl::sandbox::detail
