#pragma once
// What a Sandbox leaves on the host while it lives -- the slot uids' processes and System V
// objects, its run cgroups, its scratch directory, its uid lock files -- and how it goes away:
//   normal end        ~Sandbox removes it;
//   SIGTERM/INT/HUP   a handler (installed with the first Sandbox, and only over the default
//                     action) wakes a watcher thread that removes the leftovers of every live
//                     Sandbox, then raises the signal again with its default action, so the
//                     process still ends by that signal (exit status 128+N in a shell);
//   SIGKILL, a crash  the reaper (reaper.hpp) kills the slot uids' processes at once; the next
//                     Sandbox sweeps at start what no live process holds: scratch
//                     directories whose flock is free, run cgroups whose process is gone or whose
//                     uid lock is free, and lock files nobody holds.
// Internal.
#include <string>
#include <vector>

#include "sandbox/cgroup.hpp"

namespace trafl::sandbox::detail {

struct Leftovers {
  std::vector<unsigned> uids;  // slot uids (root only)
  CgroupLayout cgroups;        // layout the run cgroups live in
  std::string scratch_base;    // "" when none
  int reaper_fd = -1;          // the reaper's control socket: stood down once the rest is removed
};

// Registers one Sandbox's leftovers for the signal cleanup; returns a handle for unregister.
int register_leftovers(Leftovers leftovers);
void unregister_leftovers(int handle);

// A fresh /tmp/trafl-sandbox-XXXXXX (mode 0711) and an fd holding its flock for as long as the
// owner lives; "" when it cannot be made.
std::string make_scratch_base(int& lock_fd);

// The start-up sweep of what killed or crashed processes left (see above). Returns a summary
// ("" when nothing was found) for the probe's notes.
std::string sweep_stale_leftovers(const CgroupLayout& layout);

}  // namespace trafl::sandbox::detail
