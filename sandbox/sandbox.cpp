// Sandbox: start-up probe, worker slots and the public API; one run is in run.cpp.
#include "sandbox/sandbox.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "sandbox/cleanup.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/fsutil.hpp"
#include "sandbox/impl.hpp"
#include "sandbox/interpreter.hpp"
#include "sandbox/landlock.hpp"
#include "sandbox/limits.hpp"
#include "sandbox/seccomp.hpp"
#include "sandbox/slots.hpp"
#include "sandbox/verdict.hpp"

namespace trafl::sandbox {

using namespace detail;

namespace {

std::string find_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  dirs += ":/usr/bin:/bin";
  std::size_t pos = 0;
  while (pos <= dirs.size()) {
    std::size_t end = dirs.find(':', pos);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(pos, end - pos) + "/" + name;
    if (end > pos && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    pos = end + 1;
  }
  return "";
}

}  // namespace

namespace detail {

int data_fd(const std::string& data, const char* name) {
  int fd = ::memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) return -1;
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      return -1;
    }
    off += static_cast<std::size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  return fd;
}

}  // namespace detail

Sandbox::Impl::Impl(Options o) : opts(std::move(o)) {
  try {
    init();
  } catch (...) {
    teardown();  // a refused tier or a failed probe leaves nothing behind either
    throw;
  }
}

void Sandbox::Impl::init() {
  if (opts.workers > kMaxSlots)
    throw UsageError("sandbox: " + std::to_string(opts.workers) + " workers requested; at most " +
                     std::to_string(kMaxSlots) + " slots (each holds a uid, a cgroup and a scratch directory)");
  report.is_root = ::geteuid() == 0;
  interp = resolve_interpreter(opts.python);
  report.python = interp.executable;
  report.python_prefix = interp.prefix;
  report.python_version = interp.version;

  // Subreaper: re-parented sandbox processes become our children and are reaped by the runs.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);

  std::vector<std::string> notes;
  if (report.is_root)
    cg = detect_cgroups(notes);
  else
    notes.push_back("cgroups: not root, none used");
  report.cgroup_layout = cg.kind;
  report.cgroup_memory = cg.memory();
  report.cgroup_pids = cg.pids();
  report.cgroup_kill = cg.kill();
  report.cgroup_cpu = cg.cpu();
  report.cgroup_favordynmods = cg.favordynmods;
  if (std::string swept = sweep_stale_leftovers(cg); !swept.empty()) notes.push_back(swept);

  unsigned n = opts.workers ? opts.workers : default_slots();
  if (report.is_root) {
    auto uids = acquire_slot_uids(opts.uid_base, n);
    for (unsigned k = 0; k < n; ++k) {
      Slot& s = slots.emplace_back();
      s.index = k;
      s.uid = uids[k].uid;
      s.held = uids[k];
      report.slot_uids.push_back(s.uid);
      sweep_stale_cgroups(cg, s.uid);
      remove_uid_sysv_ipc(s.uid);  // left by a crashed earlier holder of this uid
    }
    // Before any run (the probe's trial runs included): from here on a SIGKILL of this process
    // cannot leave a run's processes alive (reaper.hpp says why PDEATHSIG alone could).
    std::vector<int> lock_fds;
    for (const auto& s : slots) lock_fds.push_back(s.held.lock_fd);
    if (std::string why = reaper.start(report.slot_uids, lock_fds); why.empty())
      report.reaper = true;
    else
      notes.push_back("no reaper (" + why +
                      "): a run's processes may outlive a SIGKILL of this process until the "
                      "next sandbox starts");
  } else {
    for (unsigned k = 0; k < n; ++k) slots.emplace_back().index = k;
  }

  // The slot uids must reach the interpreter. pyenv lives under /root (0700): expose the prefix in
  // a private mount namespace of the child (findings §4.2).
  std::string blocked;
  if (report.is_root && !traversable_by_others(interp.executable, &blocked)) {
    if (interp.executable.rfind(interp.prefix + "/", 0) != 0 || blocked.size() > interp.prefix.size()) {
      throw UsageError("sandbox: the interpreter " + interp.executable + " is not reachable by unprivileged users (" +
                       blocked + ") and not under its prefix; use --python with a world-readable interpreter");
    }
    expose = true;
    hide_dir = blocked;
    prefix_source = interp.prefix;
    for (std::size_t pos = hide_dir.size() + 1; pos <= interp.prefix.size(); ++pos) {
      if (pos == interp.prefix.size() || interp.prefix[pos] == '/') mkdirs.push_back(interp.prefix.substr(0, pos));
    }
    for (auto& d : mkdirs) mkdir_ptrs.push_back(d.c_str());
    mkdir_ptrs.push_back(nullptr);
    notes.push_back("interpreter prefix " + interp.prefix + " is under non-traversable " + hide_dir +
                    ": exposed read-only through a private mount namespace");
  }

  report.landlock_abi = landlock_abi();
  std::string err;
  bpf_ns = seccomp_filter(false, err);
  bpf_degraded = seccomp_filter(true, err);
  report.seccomp = !bpf_degraded.empty();
  if (!report.seccomp) notes.push_back("seccomp: " + err);
  fprog_degraded.len = static_cast<unsigned short>(bpf_degraded.size());
  fprog_degraded.filter = bpf_degraded.data();

  // Scratch dirs for the tiers without a tmpfs of their own.
  // One directory per Sandbox instance (not per process): two instances in one process must not
  // share, and so delete, each other's scratch.
  scratch_base = make_scratch_base(scratch_lock_fd);
  if (scratch_base.empty())
    throw UsageError("sandbox: cannot create a scratch directory in /tmp: " + errno_text(errno));
  owns_scratch_base = true;
  {
    Leftovers l;
    l.uids = report.slot_uids;
    l.cgroups = cg;
    l.scratch_base = scratch_base;
    l.reaper_fd = reaper.control_fd();
    leftovers_handle = register_leftovers(std::move(l));
  }
  for (auto& s : slots) {
    s.scratch = scratch_base + "/slot" + std::to_string(s.index);
    ::mkdir(s.scratch.c_str(), 0700);
    if (s.uid) {
      if (::chown(s.scratch.c_str(), s.uid, s.uid) != 0)
        notes.push_back("chown " + s.scratch + ": " + errno_text(errno));
    }
  }

  // Tier: try the best one with a trial run of `pass`.
  report.bwrap = find_in_path(opts.bwrap.empty() ? "bwrap" : opts.bwrap);
  auto trial = [&](Tier t) -> std::string {
    RunRequest req;
    req.program = "pass\n";
    req.limits.cpu_s = 5;
    req.limits.memory_mb = 256;
    RunResult r = run_in(slots[0], req, t);
    if (r.verdict == Verdict::kPassed) return "";
    return std::string(to_string(r.verdict)) + ": " + r.detail +
           (r.stderr_data.empty() ? "" : " | " + r.stderr_tail(3));
  };
  bool full_cg = cg.memory() && cg.pids();
  bool ns_ok = false;
  if (report.bwrap.empty()) {
    report.bwrap_error = "bwrap not found (install bubblewrap)";
  } else {
    report.bwrap_error = trial(full_cg ? Tier::kNamespacesCgroups : Tier::kNamespaces);
    ns_ok = report.bwrap_error.empty();
  }
  bool degraded_ok = report.landlock_abi > 0 && report.seccomp;
  std::string degraded_error;
  if (!degraded_ok) {
    degraded_error = report.landlock_abi == 0 ? "Landlock unavailable" : "seccomp unavailable";
  } else if (!ns_ok || (opts.force_tier && *opts.force_tier == Tier::kDegraded)) {
    degraded_error = trial(Tier::kDegraded);
    degraded_ok = degraded_error.empty();
  }

  auto supported = [&](Tier t) -> std::string {
    switch (t) {
      case Tier::kNamespacesCgroups:
        if (!ns_ok) return "namespaces unusable: " + report.bwrap_error;
        if (!full_cg) return "cgroup memory+pids controllers unusable";
        return "";
      case Tier::kNamespaces: return ns_ok ? "" : "namespaces unusable: " + report.bwrap_error;
      case Tier::kDegraded: return degraded_ok ? "" : degraded_error;
      case Tier::kUnsandboxed: return opts.allow_unsandboxed ? "" : "running unsandboxed needs --allow-unsandboxed";
    }
    return "unknown tier";
  };
  if (opts.force_tier) {
    std::string why = supported(*opts.force_tier);
    if (!why.empty())
      throw UsageError(std::string("sandbox: tier ") + to_string(*opts.force_tier) + " unavailable: " + why);
    report.tier = *opts.force_tier;
  } else if (ns_ok) {
    report.tier = full_cg ? Tier::kNamespacesCgroups : Tier::kNamespaces;
  } else if (degraded_ok) {
    report.tier = Tier::kDegraded;
  } else if (opts.allow_unsandboxed) {
    report.tier = Tier::kUnsandboxed;
  } else {
    throw UsageError("sandbox: no isolation available (" + report.bwrap_error + "; degraded tier: " + degraded_error +
                     "); refusing to run untrusted code. Pass --allow-unsandboxed to run it anyway.");
  }
  if (!ns_ok && !report.bwrap.empty()) notes.push_back("bubblewrap: " + report.bwrap_error);
  switch (report.tier) {
    case Tier::kNamespacesCgroups: break;
    case Tier::kNamespaces:
      report.warnings.push_back(
          "sandbox: no cgroup limits: no aggregate memory/pids limit (worst case pids x RLIMIT_AS)");
      break;
    case Tier::kDegraded:
      report.warnings.push_back(
          "SANDBOX DEGRADED: no mount/pid/net namespaces; relying on Landlock ABI " +
          std::to_string(report.landlock_abi) +
          " and seccomp; host filesystem layout visible; disk use in scratch limited per file only; daemons may "
          "survive a runner crash");
      break;
    case Tier::kUnsandboxed:
      report.warnings.push_back("SANDBOX DISABLED (--allow-unsandboxed): untrusted code runs with rlimits only");
      break;
  }
  report.warnings.insert(report.warnings.end(), notes.begin(), notes.end());
  log(report.describe());
}

Sandbox::Impl::~Impl() { teardown(); }

void Sandbox::Impl::teardown() {
  if (leftovers_handle >= 0) unregister_leftovers(leftovers_handle);
  leftovers_handle = -1;
  reaper.stand_down();  // before the uid locks go: it holds them too, and must kill nothing now
  for (auto& s : slots) {
    s.group.destroy();
    if (s.landlock_fd >= 0) ::close(s.landlock_fd);
    if (s.uid && uid_has_processes(s.uid)) kill_uid_processes(s.uid);
    release_slot_uid(s.held);
  }
  if (owns_scratch_base && !scratch_base.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(scratch_base, ec);
  }
  owns_scratch_base = false;
  if (scratch_lock_fd >= 0) ::close(scratch_lock_fd);
  scratch_lock_fd = -1;
}

Slot& Sandbox::Impl::acquire() {
  std::unique_lock<std::mutex> lock(mu);
  for (;;) {
    for (auto& s : slots) {
      if (!s.busy) {
        s.busy = true;
        return s;
      }
    }
    cv.wait(lock);
  }
}

void Sandbox::Impl::release(Slot& s) {
  {
    std::lock_guard<std::mutex> lock(mu);
    s.busy = false;
  }
  cv.notify_one();
}

std::string ProbeReport::describe() const {
  std::string s = std::string("sandbox: tier ") + to_string(tier) + "\n";
  s += "sandbox: python " + python + " (" + python_version + ", prefix " + python_prefix + ")\n";
  s += "sandbox: bwrap " + (bwrap.empty() ? std::string("missing") : bwrap) +
       (bwrap_error.empty() ? "" : " (unusable: " + bwrap_error + ")") + "\n";
  s += "sandbox: cgroups " + cgroup_layout + " (memory " + (cgroup_memory ? "yes" : "no") + ", pids " +
       (cgroup_pids ? "yes" : "no") + ", kill " + (cgroup_kill ? "yes" : "no") + ", cpu " +
       (cgroup_cpu ? "yes" : "no") + ", favordynmods " + (cgroup_favordynmods ? "yes" : "no") + "); landlock ABI " +
       std::to_string(landlock_abi) + "; seccomp " + (seccomp ? "yes" : "no") + "\n";
  s += "sandbox: slots " + std::to_string(slot_uids.empty() ? 0 : slot_uids.size());
  if (!slot_uids.empty()) {
    s += " (uids";
    for (unsigned u : slot_uids) s += " " + std::to_string(u);
    s += std::string(")") + "; reaper " + (reaper ? "yes" : "no");
  } else {
    s += " (not root: runs keep the caller's uid)";
  }
  for (const auto& w : warnings) s += "\nsandbox: " + w;
  return s;
}

Sandbox::Sandbox(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Sandbox::~Sandbox() = default;
const ProbeReport& Sandbox::report() const { return impl_->report; }
Tier Sandbox::tier() const { return impl_->report.tier; }
unsigned default_slots() { return std::min(kMaxSlots, std::max(1u, std::thread::hardware_concurrency()) + 1); }

unsigned Sandbox::slots() const { return static_cast<unsigned>(impl_->slots.size()); }

RunResult Sandbox::run(const RunRequest& request) {
  if (auto problem = limits_problem(request.limits); !problem.empty()) {
    RunResult bad;
    bad.tier = impl_->report.tier;
    bad.detail = "invalid limits: " + problem;  // verdict sandbox_error: the caller's mistake, not the program's
    return bad;
  }
  Slot& slot = impl_->acquire();
  RunResult r;
  try {
    r = impl_->run_in(slot, request, impl_->report.tier);
    if (r.verdict == Verdict::kSandboxError && r.detail.find("set-up failed") != std::string::npos) {
      r = impl_->run_in(slot, request, impl_->report.tier);  // retry once: transient (EAGAIN) failures
    }
  } catch (const std::exception& e) {
    r = RunResult{};
    r.tier = impl_->report.tier;
    r.verdict = Verdict::kSandboxError;
    r.detail = std::string("sandbox: ") + e.what();
  }
  impl_->release(slot);
  if (r.tier == Tier::kUnsandboxed) impl_->log("sandbox: WARNING: program ran UNSANDBOXED");
  return r;
}

}  // namespace trafl::sandbox
