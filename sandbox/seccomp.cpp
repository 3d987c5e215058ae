#include "sandbox/seccomp.hpp"

#ifdef TRAFL_HAVE_SECCOMP
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <sched.h>

#include <initializer_list>

#include "sandbox/fsutil.hpp"
#endif

namespace trafl::sandbox::detail {

#ifndef TRAFL_HAVE_SECCOMP

bool seccomp_built_in() { return false; }

std::vector<sock_filter> seccomp_filter(bool, std::string& err) {
  err = "built without libseccomp (TRAFL_HAVE_SECCOMP undefined)";
  return {};
}

#else

bool seccomp_built_in() { return true; }

std::vector<sock_filter> seccomp_filter(bool degraded, std::string& err) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) {
    err = "seccomp_init failed";
    return {};
  }
  std::vector<sock_filter> out;
  auto fail = [&](const char* what, int rc) {
    err = std::string(what) + ": " + errno_text(-rc);
    seccomp_release(ctx);
    return std::vector<sock_filter>{};
  };
  static const char* const kDenied[] = {"ptrace",
                                        "process_vm_readv",
                                        "process_vm_writev",
                                        "keyctl",
                                        "add_key",
                                        "request_key",
                                        "bpf",
                                        "perf_event_open",
                                        "userfaultfd",
                                        "io_uring_setup",
                                        "io_uring_enter",
                                        "io_uring_register",
                                        "mount",
                                        "umount2",
                                        "pivot_root",
                                        "chroot",
                                        "setns",
                                        "unshare",
                                        "kexec_load",
                                        "kexec_file_load",
                                        "init_module",
                                        "finit_module",
                                        "delete_module",
                                        "reboot",
                                        "swapon",
                                        "swapoff",
                                        "acct",
                                        "syslog",
                                        "personality",
                                        "open_by_handle_at",
                                        "name_to_handle_at",
                                        "fanotify_init",
                                        "fsopen",
                                        "fsmount",
                                        "fsconfig",
                                        "fspick",
                                        "open_tree",
                                        "move_mount",
                                        "mount_setattr",
                                        "quotactl",
                                        "lookup_dcookie",
                                        "vhangup",
                                        "uselib",
                                        "settimeofday",
                                        "clock_settime",
                                        "clock_adjtime",
                                        "adjtimex",
                                        "sethostname",
                                        "setdomainname",
                                        "iopl",
                                        "ioperm",
                                        "nfsservctl",
                                        "kcmp"};
  for (const char* name : kDenied) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
    if (rc < 0) return fail(name, rc);
  }
  int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
  if (rc < 0) return fail("clone3", rc);
  for (unsigned long flag :
       std::initializer_list<unsigned long>{CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
                                            CLONE_NEWNET, CLONE_NEWCGROUP, 0x00000080UL /* CLONE_NEWTIME */}) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    if (rc < 0) return fail("clone flags", rc);
  }
  if (degraded) {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 0);
  } else {
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  }
  if (rc < 0) return fail("socket", rc);
  rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  if (rc < 0) return fail("socketpair", rc);
  if (degraded) {
    for (int nr : {SCMP_SYS(kill), SCMP_SYS(tgkill)}) {
      rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, 0xffffffffu));
      if (rc < 0) return fail("kill(-1)", rc);
    }
    static const char* const kHostIpc[] = {"shmget",       "shmat",           "shmdt",     "shmctl",       "msgget",
                                           "msgsnd",       "msgrcv",          "msgctl",    "semget",       "semop",
                                           "semtimedop",   "semctl",          "ipc",       "mq_open",      "mq_unlink",
                                           "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr"};
    for (const char* name : kHostIpc) {
      int nr = seccomp_syscall_resolve_name(name);
      if (nr == __NR_SCMP_ERROR) continue;
      rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
      if (rc < 0) return fail(name, rc);
    }
    for (int nr : {SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(sendmsg), SCMP_SYS(sendmmsg)}) {
      rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 0);
      if (rc < 0) return fail("host sockets", rc);
    }
    rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(sendto), 1, SCMP_A4(SCMP_CMP_NE, 0));
    if (rc < 0) return fail("sendto", rc);
  }
  int fd = memfd_create("trafl-seccomp", MFD_CLOEXEC);
  if (fd < 0) return fail("memfd_create", -errno);
  rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0) {
    ::close(fd);
    return fail("seccomp_export_bpf", rc);
  }
  off_t size = lseek(fd, 0, SEEK_END);
  out.resize(static_cast<std::size_t>(size) / sizeof(sock_filter));
  if (pread(fd, out.data(), out.size() * sizeof(sock_filter), 0) !=
      static_cast<ssize_t>(out.size() * sizeof(sock_filter))) {
    out.clear();
    err = "reading the exported BPF failed";
  }
  ::close(fd);
  seccomp_release(ctx);
  return out;
}

#endif

}  // namespace trafl::sandbox::detail
