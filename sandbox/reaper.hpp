#pragma once
// The reaper: a small process beside a Sandbox that outlives it by the moment it takes to kill what
// its runs left when trafl-eval itself is killed with SIGKILL (or crashes).
//
// Why it is needed: a run's processes die with their parent through PR_SET_PDEATHSIG, but
// bubblewrap arms that in its inner (pid-namespace init) process only part-way through its set-up.
// A SIGKILL of trafl-eval inside that window left the sandboxed program running with nothing to
// stop it: its wall-clock timeout lived in the killed process, and a sleeping program never meets
// its CPU limit. On 2 cores at load 8, 5 of 6 kills of `exec` during start-up left it running
// (tests/test_sandbox_cleanup.cpp: "after a SIGKILL ...").
//
// How: /bin/sh reads one line from a socket whose other end only trafl-eval holds. A line ("q")
// means a normal end: the reaper exits and kills nothing. End of file means trafl-eval died: the
// reaper kills every process of each slot uid (setpriv to the uid, then kill(-1)), three rounds,
// and exits. It keeps the slots' uid lock flocks until then, so no other trafl-eval can take a
// uid and start a run the reaper would kill. It runs as root in its own session and ignores
// SIGINT/SIGTERM/SIGHUP/SIGQUIT, so a Ctrl-C meant for trafl-eval leaves it in place. A raw clone
// followed at once by execve: the reaper never pins the memory of the process it watches (a fork
// that stayed would keep a copy of every page trafl-eval rewrites, a model's weights included).
//
// Root only (the slot uids are what it kills by). Internal.
#include <sys/types.h>

#include <string>
#include <vector>

namespace trafl::sandbox::detail {

class Reaper {
 public:
  Reaper() = default;
  ~Reaper() { stand_down(); }
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  // Starts it for the slot uids held by lock_fds (same order, same length). Returns "" when it
  // runs, else why not (the sandbox then works as before, with the start-up sweep only).
  std::string start(const std::vector<unsigned>& uids, const std::vector<int>& lock_fds);
  // A normal end: the reaper exits without killing anything; waits for it.
  void stand_down();
  int control_fd() const { return fd_; }  // -1 when it does not run

 private:
  pid_t pid_ = -1;
  int fd_ = -1;  // our end of the socket pair
};

// Sends the stand-down line on a reaper's control fd without waiting for it: for the signal
// cleanup, which has removed the leftovers itself just before the process ends by the signal.
void tell_reaper_to_stand_down(int control_fd);

}  // namespace trafl::sandbox::detail
