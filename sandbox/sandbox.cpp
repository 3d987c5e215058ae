// Sandbox: start-up probe, worker slots, and one run (launch + pidfd event loop + cleanup).
#include "sandbox/sandbox.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "sandbox/bwrap.hpp"
#include "sandbox/cleanup.hpp"
#include "sandbox/cgroup.hpp"
#include "sandbox/fsutil.hpp"
#include "sandbox/interpreter.hpp"
#include "sandbox/landlock.hpp"
#include "sandbox/limits.hpp"
#include "sandbox/launch.hpp"
#include "sandbox/seccomp.hpp"
#include "sandbox/slots.hpp"
#include "sandbox/verdict.hpp"

namespace trafl::sandbox {

using namespace detail;

namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(434 /* SYS_pidfd_open */, pid, 0)); }

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

// An fd holding data, positioned at 0 (memfd; bwrap --ro-bind-data and stdin read it).
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

// argv/envp as char* arrays that stay valid while the object lives.
struct CStrings {
  std::vector<std::string> owned;
  std::vector<char*> ptrs;
  explicit CStrings(std::vector<std::string> v) : owned(std::move(v)) {
    for (auto& s : owned) ptrs.push_back(s.data());
    ptrs.push_back(nullptr);
  }
  char* const* get() { return ptrs.data(); }
};

}  // namespace

struct Slot {
  unsigned index = 0;
  unsigned uid = 0;        // 0: no uid drop (not root)
  SlotUid held;
  bool busy = false;
  std::string scratch;     // degraded/unsandboxed tiers: the per-slot working dir
  int landlock_fd = -1;    // degraded tier: ruleset for this slot's scratch dir
  RunCgroup group;         // reused run after run
};

struct Sandbox::Impl {
  Options opts;
  ProbeReport report;
  Interpreter interp;
  CgroupLayout cg;
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

  explicit Impl(Options o);
  ~Impl();
  void init();
  void teardown();
  void log(const std::string& line) const {
    if (opts.log) opts.log(line);
    else std::fprintf(stderr, "%s\n", line.c_str());
  }
  Slot& acquire();
  void release(Slot& s);
  RunResult run_in(Slot& slot, const RunRequest& req, Tier tier);
  bool prepare_scratch(Slot& slot, const RunRequest& req, Tier tier, std::string& err);
};

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
  if (report.is_root) cg = detect_cgroups(notes);
  else notes.push_back("cgroups: not root, none used");
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
  if (scratch_base.empty()) throw UsageError("sandbox: cannot create a scratch directory in /tmp: " + errno_text(errno));
  owns_scratch_base = true;
  {
    Leftovers l;
    l.uids = report.slot_uids;
    l.cgroups = cg;
    l.scratch_base = scratch_base;
    leftovers_handle = register_leftovers(std::move(l));
  }
  for (auto& s : slots) {
    s.scratch = scratch_base + "/slot" + std::to_string(s.index);
    ::mkdir(s.scratch.c_str(), 0700);
    if (s.uid) {
      if (::chown(s.scratch.c_str(), s.uid, s.uid) != 0) notes.push_back("chown " + s.scratch + ": " + errno_text(errno));
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
    if (r.verdict == Verdict::passed) return "";
    return std::string(to_string(r.verdict)) + ": " + r.detail + (r.stderr_data.empty() ? "" : " | " + r.stderr_tail(3));
  };
  bool full_cg = cg.memory() && cg.pids();
  bool ns_ok = false;
  if (report.bwrap.empty()) {
    report.bwrap_error = "bwrap not found (install bubblewrap)";
  } else {
    report.bwrap_error = trial(full_cg ? Tier::namespaces_cgroups : Tier::namespaces);
    ns_ok = report.bwrap_error.empty();
  }
  bool degraded_ok = report.landlock_abi > 0 && report.seccomp;
  std::string degraded_error;
  if (!degraded_ok) {
    degraded_error = report.landlock_abi == 0 ? "Landlock unavailable" : "seccomp unavailable";
  } else if (!ns_ok || (opts.force_tier && *opts.force_tier == Tier::degraded)) {
    degraded_error = trial(Tier::degraded);
    degraded_ok = degraded_error.empty();
  }

  auto supported = [&](Tier t) -> std::string {
    switch (t) {
      case Tier::namespaces_cgroups:
        if (!ns_ok) return "namespaces unusable: " + report.bwrap_error;
        if (!full_cg) return "cgroup memory+pids controllers unusable";
        return "";
      case Tier::namespaces: return ns_ok ? "" : "namespaces unusable: " + report.bwrap_error;
      case Tier::degraded: return degraded_ok ? "" : degraded_error;
      case Tier::unsandboxed:
        return opts.allow_unsandboxed ? "" : "running unsandboxed needs --allow-unsandboxed";
    }
    return "unknown tier";
  };
  if (opts.force_tier) {
    std::string why = supported(*opts.force_tier);
    if (!why.empty()) throw UsageError(std::string("sandbox: tier ") + to_string(*opts.force_tier) + " unavailable: " + why);
    report.tier = *opts.force_tier;
  } else if (ns_ok) {
    report.tier = full_cg ? Tier::namespaces_cgroups : Tier::namespaces;
  } else if (degraded_ok) {
    report.tier = Tier::degraded;
  } else if (opts.allow_unsandboxed) {
    report.tier = Tier::unsandboxed;
  } else {
    throw UsageError("sandbox: no isolation available (" + report.bwrap_error + "; degraded tier: " + degraded_error +
                     "); refusing to run untrusted code. Pass --allow-unsandboxed to run it anyway.");
  }
  if (!ns_ok && !report.bwrap.empty()) notes.push_back("bubblewrap: " + report.bwrap_error);
  switch (report.tier) {
    case Tier::namespaces_cgroups: break;
    case Tier::namespaces:
      report.warnings.push_back("sandbox: no cgroup limits: no aggregate memory/pids limit (worst case pids x RLIMIT_AS)");
      break;
    case Tier::degraded:
      report.warnings.push_back(
          "SANDBOX DEGRADED: no mount/pid/net namespaces; relying on Landlock ABI " + std::to_string(report.landlock_abi) +
          " and seccomp; host filesystem layout visible; disk use in scratch limited per file only; daemons may "
          "survive a runner crash");
      break;
    case Tier::unsandboxed:
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

bool Sandbox::Impl::prepare_scratch(Slot& slot, const RunRequest& req, Tier tier, std::string& err) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(slot.scratch, ec)) fs::remove_all(entry.path(), ec);
  auto put = [&](const std::string& name, const std::string& content) {
    std::string path = slot.scratch + "/" + name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return false;
    bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ::close(fd);
    return ok;
  };
  if (!put("prog.py", req.program)) {
    err = "cannot write the program into " + slot.scratch + ": " + errno_text(errno);
    return false;
  }
  for (const auto& [name, content] : req.files) {
    if (!put(name, content)) {
      err = "cannot write " + name + " into " + slot.scratch;
      return false;
    }
  }
  if (tier == Tier::degraded && slot.landlock_fd < 0) {
    std::vector<std::string> ro = {"/usr", "/bin", "/lib", "/lib64", "/etc/ld.so.cache", "/etc/localtime",
                                   "/dev/urandom", interp.prefix, interp.executable};
    std::vector<std::string> rw = {slot.scratch, "/dev/null"};
    slot.landlock_fd = landlock_ruleset(report.landlock_abi, ro, rw, err);
    if (slot.landlock_fd < 0) return false;
  }
  return true;
}

RunResult Sandbox::Impl::run_in(Slot& slot, const RunRequest& req, Tier tier) {
  RunResult res;
  res.tier = tier;
  const Limits& L = req.limits;
  const bool ns = tier == Tier::namespaces_cgroups || tier == Tier::namespaces;
  const bool use_cg = tier != Tier::namespaces && cg.any();
  const double wall_limit = L.effective_wall_s();
  Observation obs;
  obs.namespaces = ns;
  obs.wall_limit_s = wall_limit;
  obs.cpu_limit_s = L.cpu_s;
  obs.memory_error_exit = req.memory_error_exit;
  auto fail = [&](const std::string& why) {
    res.verdict = Verdict::sandbox_error;
    res.detail = why;
    return res;
  };
  for (const auto& f : req.files) {
    if (!valid_box_name(f.first)) return fail("invalid file name for the sandbox: '" + f.first + "'");
  }

  // Everything the child needs, built before fork().
  Fd in(data_fd(req.stdin_data, "trafl-stdin"));
  if (in.fd < 0) return fail("memfd for stdin: " + errno_text(errno));
  int p_out[2], p_err[2], p_info[2] = {-1, -1};
  if (::pipe2(p_out, O_CLOEXEC) != 0) return fail("pipe2: " + errno_text(errno));
  Fd out_r(p_out[0]), out_w(p_out[1]);
  if (::pipe2(p_err, O_CLOEXEC) != 0) return fail("pipe2: " + errno_text(errno));
  Fd err_r(p_err[0]), err_w(p_err[1]);
  Fd info_r, info_w;
  if (ns) {
    if (::pipe2(p_info, O_CLOEXEC) != 0) return fail("pipe2: " + errno_text(errno));
    info_r.reset(p_info[0]);
    info_w.reset(p_info[1]);
  }
  ::fcntl(out_r.fd, F_SETPIPE_SZ, 1 << 20);
  for (int fd : {out_r.fd, err_r.fd, info_r.fd}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }

  RunCgroup& group = slot.group;
  if (use_cg) {
    std::string err;
    std::string name = "u" + std::to_string(slot.uid ? slot.uid : ::getuid()) + "-p" + std::to_string(::getpid()) + "-s" +
                       std::to_string(slot.index);
    if (!group.empty() && !group.wait_empty(3.0)) return fail("cgroup: the slot's previous run did not go away");
    if (!group.begin_run(cg, name, static_cast<std::uint64_t>(L.memory_mb) << 20, L.pids, err)) return fail("cgroup: " + err);
  }

  if (!use_cg && group.active()) group.destroy();  // the probe's trial run at another tier made it

  ChildPlan plan;
  plan.runner = ::getpid();
  if (use_cg) {  // never join a cgroup the tier does not use: its limits would still apply
    plan.cgroup_fds = group.procs_fds().data();
    plan.n_cgroup_fds = static_cast<int>(group.procs_fds().size());
  }
  auto add_rlimit = [&](int res_id, rlim_t soft, rlim_t hard) {
    plan.rlimits[plan.n_rlimits++] = ChildRlimit{res_id, rlimit{soft, hard}};
  };
  const bool precise_cpu = use_cg && cg.cpu();
  rlim_t cpu_soft = static_cast<rlim_t>(std::ceil(L.cpu_s)) + (precise_cpu ? 1 : 0);
  add_rlimit(RLIMIT_CPU, cpu_soft, cpu_soft + 1);
  std::uint64_t mem = static_cast<std::uint64_t>(L.memory_mb) << 20;
  std::uint64_t as = (use_cg && cg.memory()) ? std::max<std::uint64_t>(4 * mem, mem + (1ull << 30)) : mem + (64ull << 20);
  add_rlimit(RLIMIT_AS, as, as);
  add_rlimit(RLIMIT_FSIZE, static_cast<rlim_t>(L.file_size_mb) << 20, static_cast<rlim_t>(L.file_size_mb) << 20);
  add_rlimit(RLIMIT_NOFILE, L.open_files, L.open_files);
  add_rlimit(RLIMIT_CORE, 0, 0);
  add_rlimit(RLIMIT_STACK, RLIM_INFINITY, RLIM_INFINITY);
  if (slot.uid) add_rlimit(RLIMIT_NPROC, L.pids + 8, L.pids + 8);  // counted per uid: slot uids are exclusive
  add_rlimit(RLIMIT_MEMLOCK, 0, 0);
  plan.expose_prefix = expose && slot.uid != 0;
  plan.hide_dir = hide_dir.c_str();
  plan.mkdirs = mkdir_ptrs.empty() ? nullptr : mkdir_ptrs.data();
  plan.prefix_source = prefix_source.c_str();
  plan.prefix_target = interp.prefix.c_str();
  plan.drop_ids = slot.uid != 0;
  plan.uid = slot.uid;
  plan.gid = slot.uid;

  std::vector<std::string> flags;
  if (!req.site_packages) flags.push_back("-S");
  flags.push_back("-I");
  flags.push_back("-B");
  std::vector<int> fd_src = {in.fd, out_w.fd, err_w.fd};
  std::vector<Fd> keep;  // memfds alive until the child has exec'd
  std::vector<std::string> argv_v, envp_v;
  std::string path;
  Fd seccomp_fd;
  if (ns) {
    BwrapSpec spec;
    spec.bwrap = report.bwrap;
    spec.python = interp.executable;
    spec.prefix = interp.prefix;
    spec.scratch_bytes = L.scratch_mb << 20;
    spec.python_flags = flags;
    spec.args = req.args;
    spec.info_fd = 3;
    fd_src.push_back(info_w.fd);
    if (!bpf_ns.empty()) {
      seccomp_fd.reset(data_fd(std::string(reinterpret_cast<const char*>(bpf_ns.data()), bpf_ns.size() * sizeof(sock_filter)),
                               "trafl-seccomp"));
      if (seccomp_fd.fd < 0) return fail("memfd for seccomp: " + errno_text(errno));
      spec.seccomp_fd = static_cast<int>(fd_src.size());
      fd_src.push_back(seccomp_fd.fd);
    }
    keep.emplace_back(data_fd(req.program, "trafl-prog"));
    if (keep.back().fd < 0) return fail("memfd for the program: " + errno_text(errno));
    spec.program_fd = static_cast<int>(fd_src.size());
    fd_src.push_back(keep.back().fd);
    for (const auto& [name, content] : req.files) {
      keep.emplace_back(data_fd(content, "trafl-file"));
      if (keep.back().fd < 0) return fail("memfd for " + name + ": " + errno_text(errno));
      spec.files.emplace_back(static_cast<int>(fd_src.size()), name);
      fd_src.push_back(keep.back().fd);
    }
    if (fd_src.size() > 16) return fail("too many files for one run (at most 10)");
    path = report.bwrap;
    argv_v = bwrap_argv(spec);
    envp_v = {"PATH=/usr/bin:/bin"};
  } else {
    std::string err;
    if (!prepare_scratch(slot, req, tier, err)) return fail(err);
    path = interp.executable;
    argv_v = {interp.executable};
    argv_v.insert(argv_v.end(), flags.begin(), flags.end());
    argv_v.push_back(slot.scratch + "/prog.py");
    argv_v.insert(argv_v.end(), req.args.begin(), req.args.end());
    envp_v = {"PATH=/usr/bin:/bin", "HOME=" + slot.scratch, "TMPDIR=" + slot.scratch, "LANG=C.UTF-8", "MALLOC_ARENA_MAX=2"};
    plan.chdir_to = slot.scratch.c_str();
    if (tier == Tier::degraded) {
      plan.landlock_fd = slot.landlock_fd;
      plan.seccomp = bpf_degraded.empty() ? nullptr : &fprog_degraded;
    }
  }
  CStrings argv(argv_v), envp(envp_v);
  plan.fd_src = fd_src.data();
  plan.n_fds = static_cast<int>(fd_src.size());
  plan.path = path.c_str();
  plan.argv = argv.get();
  plan.envp = envp.get();

  const double start = now_s();
  std::string launch_err;
  pid_t pid = launch_child(plan, launch_err);
  // The parent keeps only its read ends.
  out_w.reset();
  err_w.reset();
  info_w.reset();
  in.reset();
  keep.clear();
  seccomp_fd.reset();
  if (pid < 0) {
    obs.launch_error = launch_err;
    res.wall_ms = (now_s() - start) * 1000;
    classify(obs, res);
    return res;
  }
  Fd pidfd(pidfd_open(pid));
  const double t_launched = now_s();

  // Event loop: pidfd + output pipes, wall deadline, CPU of the whole tree from the cgroup.
  std::string info;
  std::string err_buf;            // ring of the last stderr_keep bytes
  bool out_open = true, err_open = true, info_open = ns;
  bool leader_done = false;
  int status = 0;
  rusage ru{};
  const double deadline = start + wall_limit;
  bool killed = false;
  auto kill_tree = [&]() {
    if (group.active()) group.kill_all();
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    killed = true;
  };
  char buf[65536];
  auto drain = [&](int fd, bool is_out) -> bool {  // false at EOF
    for (int chunk = 0; chunk < 64; ++chunk) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) return errno == EAGAIN || errno == EINTR;
      if (n == 0) return false;
      std::size_t k = static_cast<std::size_t>(n);
      if (is_out) {
        res.stdout_bytes += k;
        if (res.stdout_data.size() < L.stdout_cap) {
          res.stdout_data.append(buf, std::min(k, L.stdout_cap - res.stdout_data.size()));
        }
        if (res.stdout_bytes > L.stdout_cap && !obs.stdout_cap_hit) {
          obs.stdout_cap_hit = true;
          res.stdout_truncated = true;
          kill_tree();
          return false;
        }
      } else {
        res.stderr_bytes += k;
        err_buf.append(buf, k);
        if (err_buf.size() > 2 * L.stderr_keep + 65536) err_buf.erase(0, err_buf.size() - L.stderr_keep);
        if (res.stderr_bytes > L.stderr_cap && !obs.stderr_cap_hit) {
          obs.stderr_cap_hit = true;
          kill_tree();
          return false;
        }
      }
    }
    return true;
  };
  double exited_at = 0;
  for (;;) {
    double now = now_s();
    if (leader_done) {
      // Drain what is left for at most 200 ms: a daemon may hold the pipes open.
      if ((!out_open && !err_open) || now - exited_at > 0.2) break;
    } else if (now >= deadline && !killed) {
      obs.wall_hit = true;
      kill_tree();
    }
    pollfd pfds[4];
    int nfds = 0, i_pid = -1, i_out = -1, i_err = -1, i_info = -1;
    if (!leader_done && pidfd.fd >= 0) {
      i_pid = nfds;
      pfds[nfds++] = {pidfd.fd, POLLIN, 0};
    }
    if (out_open) {
      i_out = nfds;
      pfds[nfds++] = {out_r.fd, POLLIN, 0};
    }
    if (err_open) {
      i_err = nfds;
      pfds[nfds++] = {err_r.fd, POLLIN, 0};
    }
    if (info_open) {
      i_info = nfds;
      pfds[nfds++] = {info_r.fd, POLLIN, 0};
    }
    double wait_s = leader_done ? 0.2 - (now - exited_at) : (killed ? 0.05 : deadline - now);
    if (precise_cpu || pidfd.fd < 0) wait_s = std::min(wait_s, 0.05);
    int timeout_ms = std::max(0, static_cast<int>(std::ceil(wait_s * 1000)));
    int rc = ::poll(pfds, static_cast<nfds_t>(nfds), timeout_ms);
    if (rc < 0 && errno != EINTR) break;
    if (i_out >= 0 && (pfds[i_out].revents & (POLLIN | POLLHUP | POLLERR))) out_open = drain(out_r.fd, true);
    if (i_err >= 0 && (pfds[i_err].revents & (POLLIN | POLLHUP | POLLERR))) err_open = drain(err_r.fd, false);
    if (i_info >= 0 && (pfds[i_info].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(info_r.fd, buf, sizeof buf);
      if (n > 0) info.append(buf, static_cast<std::size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR)) info_open = false;
    }
    if (!leader_done) {
      bool exited = false;
      if (i_pid >= 0) {
        exited = pfds[i_pid].revents & POLLIN;
      } else {
        siginfo_t si{};
        exited = ::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
      }
      if (exited) {
        // Kill leftovers (daemons) before reaping, while the leader's pid/pgid cannot be reused.
        ::kill(-pid, SIGKILL);
        if (group.active()) group.kill_all();
        while (::wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
        }
        leader_done = true;
        exited_at = now_s();
        res.wall_ms = (exited_at - start) * 1000;
      } else if (precise_cpu && !killed) {
        double cpu = group.cpu_ms();
        if (cpu >= L.cpu_s * 1000.0) {
          obs.cpu_hit = true;
          kill_tree();
        }
      }
    }
  }
  obs.killed_by_runner = killed;
  obs.wait_status = status;
  obs.child_started = info.find("child-pid") != std::string::npos;

  // Cleanup: the tree must be gone before the slot is reused.
  if (group.active()) {
    if (!group.wait_empty(3.0)) obs.cleanup_error = "the run's cgroup did not empty within 3 s";
  }
  reap_run_orphans(pid, slot.uid);
  if (slot.uid && tier != Tier::namespaces_cgroups && tier != Tier::namespaces) {
    if (uid_has_processes(slot.uid)) {
      kill_uid_processes(slot.uid);  // daemons that escaped the process group (no namespaces)
      reap_run_orphans(pid, slot.uid);
    }
    // The host's IPC namespace: System V objects the run made would outlive it (the degraded
    // tier's seccomp refuses to create them; this covers the unsandboxed tier).
    remove_uid_sysv_ipc(slot.uid);
  }

  // Measurements.
  res.stderr_data = err_buf.size() > L.stderr_keep ? err_buf.substr(err_buf.size() - L.stderr_keep) : err_buf;
  double cg_cpu = group.active() ? group.cpu_ms() : -1;
  double ru_cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
  res.cpu_ms = cg_cpu >= 0 ? cg_cpu : ru_cpu;
  res.peak_mem_kb = group.active() ? group.peak_kb() : 0;
  if (res.peak_mem_kb == 0) res.peak_mem_kb = static_cast<std::uint64_t>(ru.ru_maxrss);
  obs.oom_kills = group.active() ? group.oom_kills() : 0;
  obs.pids_max_hits = group.active() ? group.pids_max_hits() : 0;
  if (res.wall_ms == 0) res.wall_ms = (now_s() - start) * 1000;
  classify(obs, res);
  if (std::getenv("TRAFL_SBX_TRACE")) std::fprintf(stderr, "trace: launch %.2f ms, exit %.2f ms, cleanup %.2f ms\n", (t_launched - start) * 1000, res.wall_ms, (now_s() - start) * 1000 - res.wall_ms);
  if (tier == Tier::unsandboxed) res.detail += " [UNSANDBOXED run]";
  return res;
}

std::string ProbeReport::describe() const {
  std::string s = std::string("sandbox: tier ") + to_string(tier) + "\n";
  s += "sandbox: python " + python + " (" + python_version + ", prefix " + python_prefix + ")\n";
  s += "sandbox: bwrap " + (bwrap.empty() ? std::string("missing") : bwrap) +
       (bwrap_error.empty() ? "" : " (unusable: " + bwrap_error + ")") + "\n";
  s += "sandbox: cgroups " + cgroup_layout + " (memory " + (cgroup_memory ? "yes" : "no") + ", pids " +
       (cgroup_pids ? "yes" : "no") + ", kill " + (cgroup_kill ? "yes" : "no") + ", cpu " + (cgroup_cpu ? "yes" : "no") +
       ", favordynmods " + (cgroup_favordynmods ? "yes" : "no") + "); landlock ABI " + std::to_string(landlock_abi) +
       "; seccomp " + (seccomp ? "yes" : "no") + "\n";
  s += "sandbox: slots " + std::to_string(slot_uids.empty() ? 0 : slot_uids.size());
  if (!slot_uids.empty()) {
    s += " (uids";
    for (unsigned u : slot_uids) s += " " + std::to_string(u);
    s += ")";
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
    if (r.verdict == Verdict::sandbox_error && r.detail.find("set-up failed") != std::string::npos) {
      r = impl_->run_in(slot, request, impl_->report.tier);  // retry once: transient (EAGAIN) failures
    }
  } catch (const std::exception& e) {
    r = RunResult{};
    r.tier = impl_->report.tier;
    r.verdict = Verdict::sandbox_error;
    r.detail = std::string("sandbox: ") + e.what();
  }
  impl_->release(slot);
  if (r.tier == Tier::unsandboxed) impl_->log("sandbox: WARNING: program ran UNSANDBOXED");
  return r;
}

}  // namespace trafl::sandbox
