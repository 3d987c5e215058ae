#include "sandbox/reaper.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "sandbox/fsutil.hpp"
#include "sandbox/impl.hpp"
#include "sandbox/launch.hpp"

namespace trafl::sandbox::detail {

namespace {

// $1.. are the slot uids; fd 0 is the control socket. `read` succeeds on the stand-down line and
// fails at end of file. The kill runs in a shell started by setpriv as the uid, so kill(-1) reaches
// exactly that uid's processes (and never the shell itself). Three rounds: a process forking at
// the moment of a kill can leave a child the first round did not see.
constexpr const char* kScript =
    "read -r _ && exit 0\n"
    "for round in 1 2 3; do\n"
    "  for u; do\n"
    "    /usr/bin/setpriv --reuid=\"$u\" --regid=\"$u\" --clear-groups /bin/sh -c 'kill -KILL -1' 2>/dev/null\n"
    "  done\n"
    "  sleep 0.05\n"
    "done\n";

constexpr const char* kSetpriv = "/usr/bin/setpriv";

// The child between clone and execve: only async-signal-safe calls, on data prepared before.
[[noreturn]] void reaper_child(int control, int null_fd, const int* locks, int n_locks, char* const* argv,
                               char* const* envp) {
  // Every fd it keeps is first copied above the targets, so that placing one never closes another.
  constexpr int kHigh = 1000;
  int high_control = ::fcntl(control, F_DUPFD_CLOEXEC, kHigh);
  int high_null = ::fcntl(null_fd, F_DUPFD_CLOEXEC, kHigh);
  int high_locks[kMaxSlots];  // start() refuses more locks than slots
  if (high_control < 0 || high_null < 0) ::_exit(127);
  for (int i = 0; i < n_locks; ++i) {
    high_locks[i] = ::fcntl(locks[i], F_DUPFD_CLOEXEC, kHigh);
    if (high_locks[i] < 0) ::_exit(127);
  }
  // fd 0: the control socket; 1, 2: /dev/null; 3..: the uid locks (dup2 clears close-on-exec, and
  // the duplicate shares the open file description, so it shares the flock).
  if (::dup2(high_control, 0) < 0 || ::dup2(high_null, 1) < 0 || ::dup2(high_null, 2) < 0) ::_exit(127);
  for (int i = 0; i < n_locks; ++i)
    if (::dup2(high_locks[i], 3 + i) < 0) ::_exit(127);
  // Everything else goes, close-on-exec or not (a library's fd without it would otherwise live on).
  if (::syscall(SYS_close_range, 3 + n_locks, ~0U, 0) != 0)
    for (int fd = 3 + n_locks; fd < 65536; ++fd) ::close(fd);
  ::setsid();
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) ::sigaction(sig, &ignore, nullptr);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the cloning thread's mask would otherwise carry over
  ::execve("/bin/sh", argv, envp);
  ::_exit(127);
}

}  // namespace

void tell_reaper_to_stand_down(int control_fd) {
  if (control_fd < 0) return;
  // MSG_NOSIGNAL: a reaper that is already gone must not turn this into a SIGPIPE.
  while (::send(control_fd, "q\n", 2, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
}

std::string Reaper::start(const std::vector<unsigned>& uids, const std::vector<int>& lock_fds) {
  if (pid_ > 0) return "";
  if (uids.empty()) return "no slot uids (not root): nothing to kill by";
  if (uids.size() != lock_fds.size() || uids.size() > kMaxSlots) return "internal: uids and lock fds differ";
  if (::access(kSetpriv, X_OK) != 0 || ::access("/bin/sh", X_OK) != 0)
    return std::string(kSetpriv) + " or /bin/sh is missing";
  std::vector<std::string> args = {"/bin/sh", "-c", kScript, "trafl-sandbox-reaper"};
  for (unsigned uid : uids) args.push_back(std::to_string(uid));
  CStrings argv(std::move(args));
  CStrings envp({"PATH=/usr/bin:/bin", "LC_ALL=C"});
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return "socketpair: " + errno_text(errno);
  Fd ours(pair[0]), theirs(pair[1]);
  Fd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null_fd.fd < 0) return "/dev/null: " + errno_text(errno);
  pid_t pid = fork_without_atfork_handlers();
  if (pid < 0) return "clone: " + errno_text(errno);
  if (pid == 0)
    reaper_child(theirs.fd, null_fd.fd, lock_fds.data(), static_cast<int>(lock_fds.size()), argv.get(), envp.get());
  pid_ = pid;
  fd_ = ours.fd;
  ours.fd = -1;
  return "";
}

void Reaper::stand_down() {
  if (pid_ <= 0) return;
  tell_reaper_to_stand_down(fd_);
  ::close(fd_);
  fd_ = -1;
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
  pid_ = -1;
}

}  // namespace trafl::sandbox::detail
