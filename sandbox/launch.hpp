#pragma once
// The forked child: everything it needs is prepared by the parent in a ChildPlan (plain pointers,
// no allocation after fork), then the child runs only async-signal-safe calls, in this order:
//   setsid, PDEATHSIG, join cgroups, [private mount ns exposing the interpreter prefix], fds moved
//   high, rlimits, drop to the slot uid, chdir, NO_NEW_PRIVS, [Landlock], fds placed and the rest
//   closed, [seccomp], execve.
// A failing step writes {step, errno} to a CLOEXEC pipe and exits 127. Internal.
#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <string>

namespace trafl::sandbox::detail {

struct ChildRlimit {
  int resource;
  rlimit value;
};

struct ChildPlan {
  pid_t runner = 0;
  const int* cgroup_fds = nullptr;
  int n_cgroup_fds = 0;
  ChildRlimit rlimits[10]{};
  int n_rlimits = 0;
  // Private mount namespace that makes a non-traversable interpreter prefix visible (root only):
  // a tmpfs (mode 755) over hide_dir, mkdirs created in it, prefix_source bind-mounted read-only
  // onto prefix_target.
  bool expose_prefix = false;
  const char* hide_dir = nullptr;
  const char* const* mkdirs = nullptr;  // nullptr-terminated
  const char* prefix_source = nullptr;  // the prefix path (cloned with open_tree before hide_dir is covered)
  const char* prefix_target = nullptr;
  bool drop_ids = false;
  uid_t uid = 0;
  gid_t gid = 0;
  const char* chdir_to = nullptr;
  int landlock_fd = -1;
  const sock_fprog* seccomp = nullptr;
  // dup2 map: fd_src[i] becomes fd i in the child, for i < n_fds; every other fd is closed.
  const int* fd_src = nullptr;
  int n_fds = 0;
  const char* path = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
};

// fork() without the process's pthread_atfork handlers: a raw clone(SIGCHLD), for children that run
// only async-signal-safe system calls and then exec or _exit. Why: glibc's fork() runs every
// library's prefork handler in the forking thread, and OpenBLAS (Debian's libblas.so.3) registers
// one that shuts its thread pool down. A grading thread forking a sandboxed program while the
// sampler thread is inside sgemm then leaves sgemm waiting for workers that are gone, and two
// grading threads forking at once deadlock in that handler: `trafl-eval sample` on a code task
// with more than one BLAS thread hung (found by running it with the default --threads 0).
pid_t fork_without_atfork_handlers();

// Forks and starts the child. Returns its pid; -1 with err set when a set-up step failed (the child
// has then been reaped already).
pid_t launch_child(const ChildPlan& plan, std::string& err);

}  // namespace trafl::sandbox::detail
