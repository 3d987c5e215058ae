// The sandbox's private state, shared by its two halves: sandbox.cpp (start-up probe, slots,
// public API) and run.cpp (one run: prepare -> launch -> monitor -> collect). Not a public
// header: only files in sandbox/ include it.
#pragma once

#include <linux/filter.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "sandbox/cgroup.hpp"
#include "sandbox/interpreter.hpp"
#include "sandbox/reaper.hpp"
#include "sandbox/sandbox.hpp"
#include "sandbox/slots.hpp"

namespace trafl::sandbox::detail {

// An owned file descriptor, closed when it goes out of scope.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& o) noexcept : fd(o.fd) { o.fd = -1; }
  void reset(int f = -1) {
    if (fd >= 0) ::close(fd);
    fd = f;
  }
};

// argv/envp as char* arrays that stay valid while the object lives. Not movable: the pointers
// point into the owned strings (short strings live inside the string object itself).
struct CStrings {
  std::vector<std::string> owned;
  std::vector<char*> ptrs;
  explicit CStrings(std::vector<std::string> v) : owned(std::move(v)) {
    for (auto& s : owned) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  CStrings(const CStrings&) = delete;
  CStrings& operator=(const CStrings&) = delete;
  char* const* get() { return ptrs.data(); }
};

struct RunMode;     // run.cpp: what the tier means for one run
struct Channels;    // run.cpp: stdin memfd and output pipes
struct ChildSetup;  // run.cpp: the child's plan and the storage behind it

// An fd holding data, positioned at 0 (memfd; bwrap --ro-bind-data and stdin read it); -1 on failure.
int data_fd(const std::string& data, const char* name);

}  // namespace trafl::sandbox::detail

namespace trafl::sandbox {

struct Slot {
  unsigned index = 0;
  unsigned uid = 0;  // 0: no uid drop (not root)
  detail::SlotUid held;
  bool busy = false;
  std::string scratch;      // degraded/unsandboxed tiers: the per-slot working dir
  int landlock_fd = -1;     // degraded tier: ruleset for this slot's scratch dir
  detail::RunCgroup group;  // reused run after run
};

struct Sandbox::Impl {
  Options opts;
  ProbeReport report;
  detail::Interpreter interp;
  detail::CgroupLayout cg;
  std::deque<Slot> slots;  // deque: slots never move (each owns a cgroup)
  std::mutex mu;
  std::condition_variable cv;
  std::vector<sock_filter> bpf_ns, bpf_degraded;
  sock_fprog fprog_degraded{};
  // Exposing a non-traversable interpreter prefix (pyenv under /root) to the slot uid.
  bool expose = false;
  std::string hide_dir, prefix_source;
  std::vector<std::string> mkdirs;
  std::vector<const char*> mkdir_ptrs;
  std::string scratch_base;
  bool owns_scratch_base = false;
  int scratch_lock_fd = -1;   // its flock tells the start-up sweep of other processes that it lives
  int leftovers_handle = -1;  // registration for the cleanup on SIGTERM/SIGINT/SIGHUP
  detail::Reaper reaper;      // kills the slot uids' processes if this process dies by SIGKILL

  explicit Impl(Options o);
  ~Impl();
  void init();
  void teardown();
  void log(const std::string& line) const {
    if (opts.log)
      opts.log(line);
    else
      std::fprintf(stderr, "%s\n", line.c_str());
  }
  Slot& acquire();
  void release(Slot& s);
  // One run in `slot` at `tier` (run.cpp). Never throws for the program's behaviour: every
  // outcome, the sandbox's own failures included, is a verdict in the result.
  RunResult run_in(Slot& slot, const RunRequest& req, Tier tier);
  bool plan_child(Slot& slot, const RunRequest& req, const detail::RunMode& mode, detail::Channels& ch,
                  detail::ChildSetup& child, std::string& err);
  bool prepare_scratch(Slot& slot, const RunRequest& req, Tier tier, std::string& err);
};

}  // namespace trafl::sandbox
