// One sandboxed run, in four steps that can each be audited alone (docs/sandbox.md):
//   prepare - the channels (stdin memfd, stdout/stderr/info pipes), the slot's run cgroup and the
//             child's plan (rlimits, uid, argv/envp, files): everything is built before fork();
//   launch  - fork and the child's set-up (launch.cpp); the parent then drops the child's ends;
//   monitor - a poll loop over the pidfd and the pipes that enforces the wall, CPU and output limits;
//   collect - the process tree removed before the slot is reused, then measurements and the verdict.
// No step decides a verdict from the program's output: classify() reads only what the runner saw
// (exit status, signals, limits hit, cgroup events).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "sandbox/bwrap.hpp"
#include "sandbox/fsutil.hpp"
#include "sandbox/impl.hpp"
#include "sandbox/landlock.hpp"
#include "sandbox/launch.hpp"
#include "sandbox/verdict.hpp"

namespace trafl::sandbox {

using namespace detail;

namespace detail {

// What the tier means for one run.
struct RunMode {
  Tier tier = Tier::kNamespacesCgroups;
  bool ns = false;           // bwrap with namespaces: the leader is bwrap, files go in as memfds
  bool use_cg = false;       // the run is confined in the slot's cgroup
  bool precise_cpu = false;  // the CPU time of the whole tree is read from that cgroup
};

// The parent's ends of the run's channels, and the child's ends until launch.
struct Channels {
  Fd in;              // stdin: a memfd positioned at 0
  Fd out_r, out_w;    // stdout pipe
  Fd err_r, err_w;    // stderr pipe
  Fd info_r, info_w;  // bwrap's --info-fd (namespace tiers only)
};

// What the child is exec'd with, and the storage behind ChildPlan's plain pointers (the child may
// not allocate after fork). Built in place and never moved.
struct ChildSetup {
  ChildPlan plan;
  std::vector<int> fd_src;  // the child's fds 0, 1, 2, ... in this order
  std::vector<Fd> keep;     // memfds alive until the child has exec'd
  Fd seccomp_fd;
  std::string path;
  std::optional<CStrings> argv, envp;
};

}  // namespace detail

namespace {

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(434 /* SYS_pidfd_open */, pid, 0)); }

// What the monitor saw.
struct Watched {
  int status = 0;       // the leader's wait status
  rusage ru{};          // the leader's resource usage (wait4)
  std::string info;     // bwrap's --info-fd output (child-pid once the program started)
  std::string err_buf;  // the tail of stderr, at most 2 x stderr_keep + 64 KiB
  bool killed = false;  // the runner killed the tree (a limit was hit)
};

// prepare (1/3): stdin as a memfd, stdout/stderr (and bwrap's info) as pipes whose read ends the
// parent polls without blocking.
bool open_channels(Channels& ch, const std::string& stdin_data, bool ns, std::string& err) {
  ch.in.reset(data_fd(stdin_data, "trafl-stdin"));
  if (ch.in.fd < 0) {
    err = "memfd for stdin: " + errno_text(errno);
    return false;
  }
  auto open_pipe = [&](Fd& r, Fd& w) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
      err = "pipe2: " + errno_text(errno);
      return false;
    }
    r.reset(p[0]);
    w.reset(p[1]);
    return true;
  };
  if (!open_pipe(ch.out_r, ch.out_w) || !open_pipe(ch.err_r, ch.err_w)) return false;
  if (ns && !open_pipe(ch.info_r, ch.info_w)) return false;
  ::fcntl(ch.out_r.fd, F_SETPIPE_SZ, 1 << 20);
  for (int fd : {ch.out_r.fd, ch.err_r.fd, ch.info_r.fd}) {
    if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  return true;
}

// prepare (2/3): the slot's cgroup for this run, with the run's memory and pids limits; where the
// tier uses no cgroup, one left by the probe's trial run at another tier is removed.
bool begin_cgroup(Slot& slot, const CgroupLayout& cg, const Limits& L, bool use_cg, std::string& err) {
  RunCgroup& group = slot.group;
  if (!use_cg) {
    if (group.active()) group.destroy();
    return true;
  }
  std::string name = "u" + std::to_string(slot.uid ? slot.uid : ::getuid()) + "-p" + std::to_string(::getpid()) + "-s" +
                     std::to_string(slot.index);
  if (!group.empty() && !group.wait_empty(3.0)) {
    err = "cgroup: the slot's previous run did not go away";
    return false;
  }
  std::string why;
  if (!group.begin_run(cg, name, static_cast<std::uint64_t>(L.memory_mb) << 20, L.pids, why)) {
    err = "cgroup: " + why;
    return false;
  }
  return true;
}

// launch: fork + the child's set-up; the parent keeps only its read ends, so that the pipes reach
// EOF when the child's side is gone. Returns the leader's pid, or -1 with launch_error set.
pid_t launch(ChildSetup& child, Channels& ch, std::string& launch_error) {
  pid_t pid = launch_child(child.plan, launch_error);
  ch.out_w.reset();
  ch.err_w.reset();
  ch.info_w.reset();
  ch.in.reset();
  child.keep.clear();
  child.seccomp_fd.reset();
  return pid;
}

// monitor: polls the leader's pidfd and the output pipes until the leader has exited and the pipes
// are drained (at most 200 ms more: a daemon may hold them open). Kills the tree at the wall
// deadline, at the CPU limit (read from the cgroup where precise) and at an output cap.
Watched monitor(pid_t pid, Channels& ch, RunCgroup& group, const Limits& L, const RunMode& mode, double start,
                double wall_limit, Observation& obs, RunResult& res) {
  Watched w;
  Fd pidfd(pidfd_open(pid));
  bool out_open = true, err_open = true, info_open = mode.ns;
  bool leader_done = false;
  const double deadline = start + wall_limit;
  auto kill_tree = [&]() {
    if (group.active()) group.kill_all();
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    w.killed = true;
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
        w.err_buf.append(buf, k);
        if (w.err_buf.size() > 2 * L.stderr_keep + 65536) w.err_buf.erase(0, w.err_buf.size() - L.stderr_keep);
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
      if ((!out_open && !err_open) || now - exited_at > 0.2) break;
    } else if (now >= deadline && !w.killed) {
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
      pfds[nfds++] = {ch.out_r.fd, POLLIN, 0};
    }
    if (err_open) {
      i_err = nfds;
      pfds[nfds++] = {ch.err_r.fd, POLLIN, 0};
    }
    if (info_open) {
      i_info = nfds;
      pfds[nfds++] = {ch.info_r.fd, POLLIN, 0};
    }
    double wait_s = leader_done ? 0.2 - (now - exited_at) : (w.killed ? 0.05 : deadline - now);
    if (mode.precise_cpu || pidfd.fd < 0) wait_s = std::min(wait_s, 0.05);
    int timeout_ms = std::max(0, static_cast<int>(std::ceil(wait_s * 1000)));
    int rc = ::poll(pfds, static_cast<nfds_t>(nfds), timeout_ms);
    if (rc < 0 && errno != EINTR) break;
    if (i_out >= 0 && (pfds[i_out].revents & (POLLIN | POLLHUP | POLLERR))) out_open = drain(ch.out_r.fd, true);
    if (i_err >= 0 && (pfds[i_err].revents & (POLLIN | POLLHUP | POLLERR))) err_open = drain(ch.err_r.fd, false);
    if (i_info >= 0 && (pfds[i_info].revents & (POLLIN | POLLHUP | POLLERR))) {
      ssize_t n = ::read(ch.info_r.fd, buf, sizeof buf);
      if (n > 0)
        w.info.append(buf, static_cast<std::size_t>(n));
      else if (n == 0 || (errno != EAGAIN && errno != EINTR))
        info_open = false;
    }
    if (leader_done) continue;
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
      while (::wait4(pid, &w.status, 0, &w.ru) < 0 && errno == EINTR) {}
      leader_done = true;
      exited_at = now_s();
      res.wall_ms = (exited_at - start) * 1000;
    } else if (mode.precise_cpu && !w.killed) {
      if (group.cpu_ms() >= L.cpu_s * 1000.0) {
        obs.cpu_hit = true;
        kill_tree();
      }
    }
  }
  return w;
}

// collect: the tree must be gone before the slot is reused (cgroup emptied, orphans reaped, the
// slot uid's processes and System V IPC objects removed where no namespace held them); then the
// measurements, and the verdict from what was observed.
void collect(Slot& slot, pid_t pid, const RunMode& mode, const Limits& L, Watched& w, double start, Observation& obs,
             RunResult& res) {
  RunCgroup& group = slot.group;
  obs.killed_by_runner = w.killed;
  obs.wait_status = w.status;
  obs.child_started = w.info.find("child-pid") != std::string::npos;

  if (group.active()) {
    if (!group.wait_empty(3.0)) obs.cleanup_error = "the run's cgroup did not empty within 3 s";
  }
  reap_run_orphans(pid, slot.uid);
  if (slot.uid && !mode.ns) {
    if (uid_has_processes(slot.uid)) {
      kill_uid_processes(slot.uid);  // daemons that escaped the process group (no namespaces)
      reap_run_orphans(pid, slot.uid);
    }
    // The host's IPC namespace: System V objects the run made would outlive it (the degraded
    // tier's seccomp refuses to create them; this covers the unsandboxed tier).
    remove_uid_sysv_ipc(slot.uid);
  }

  res.stderr_data = w.err_buf.size() > L.stderr_keep ? w.err_buf.substr(w.err_buf.size() - L.stderr_keep) : w.err_buf;
  double cg_cpu = group.active() ? group.cpu_ms() : -1;
  const rusage& ru = w.ru;
  double ru_cpu =
      (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
  res.cpu_ms = cg_cpu >= 0 ? cg_cpu : ru_cpu;
  res.peak_mem_kb = group.active() ? group.peak_kb() : 0;
  if (res.peak_mem_kb == 0) res.peak_mem_kb = static_cast<std::uint64_t>(ru.ru_maxrss);
  obs.oom_kills = group.active() ? group.oom_kills() : 0;
  obs.pids_max_hits = group.active() ? group.pids_max_hits() : 0;
  if (res.wall_ms == 0) res.wall_ms = (now_s() - start) * 1000;
  classify(obs, res);
}

}  // namespace

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
  if (tier == Tier::kDegraded && slot.landlock_fd < 0) {
    std::vector<std::string> ro = {
        "/usr",           "/bin",         "/lib",        "/lib64",         "/etc/ld.so.cache",
        "/etc/localtime", "/dev/urandom", interp.prefix, interp.executable};
    std::vector<std::string> rw = {slot.scratch, "/dev/null"};
    slot.landlock_fd = landlock_ruleset(report.landlock_abi, ro, rw, err);
    if (slot.landlock_fd < 0) return false;
  }
  return true;
}

// prepare (3/3): the child's plan. Limits as rlimits (the cgroup holds the aggregate ones), the
// slot's uid, and how the program gets in: as memfds bound by bwrap (namespace tiers) or written
// into the slot's scratch directory (the others, with Landlock and seccomp on the degraded tier).
bool Sandbox::Impl::plan_child(Slot& slot, const RunRequest& req, const RunMode& mode, Channels& ch, ChildSetup& child,
                               std::string& err) {
  const Limits& L = req.limits;
  ChildPlan& plan = child.plan;
  plan.runner = ::getpid();
  if (mode.use_cg) {  // never join a cgroup the tier does not use: its limits would still apply
    plan.cgroup_fds = slot.group.procs_fds().data();
    plan.n_cgroup_fds = static_cast<int>(slot.group.procs_fds().size());
  }
  auto add_rlimit = [&](int res_id, rlim_t soft, rlim_t hard) {
    plan.rlimits[plan.n_rlimits++] = ChildRlimit{res_id, rlimit{soft, hard}};
  };
  rlim_t cpu_soft = static_cast<rlim_t>(std::ceil(L.cpu_s)) + (mode.precise_cpu ? 1 : 0);
  add_rlimit(RLIMIT_CPU, cpu_soft, cpu_soft + 1);
  std::uint64_t mem = static_cast<std::uint64_t>(L.memory_mb) << 20;
  std::uint64_t as =
      (mode.use_cg && cg.memory()) ? std::max<std::uint64_t>(4 * mem, mem + (1ull << 30)) : mem + (64ull << 20);
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
  child.fd_src = {ch.in.fd, ch.out_w.fd, ch.err_w.fd};
  std::vector<std::string> argv_v, envp_v;
  if (mode.ns) {
    BwrapSpec spec;
    spec.bwrap = report.bwrap;
    spec.python = interp.executable;
    spec.prefix = interp.prefix;
    spec.scratch_bytes = L.scratch_mb << 20;
    spec.python_flags = flags;
    spec.args = req.args;
    spec.info_fd = 3;
    child.fd_src.push_back(ch.info_w.fd);
    if (!bpf_ns.empty()) {
      child.seccomp_fd.reset(
          data_fd(std::string(reinterpret_cast<const char*>(bpf_ns.data()), bpf_ns.size() * sizeof(sock_filter)),
                  "trafl-seccomp"));
      if (child.seccomp_fd.fd < 0) {
        err = "memfd for seccomp: " + errno_text(errno);
        return false;
      }
      spec.seccomp_fd = static_cast<int>(child.fd_src.size());
      child.fd_src.push_back(child.seccomp_fd.fd);
    }
    child.keep.emplace_back(data_fd(req.program, "trafl-prog"));
    if (child.keep.back().fd < 0) {
      err = "memfd for the program: " + errno_text(errno);
      return false;
    }
    spec.program_fd = static_cast<int>(child.fd_src.size());
    child.fd_src.push_back(child.keep.back().fd);
    for (const auto& [name, content] : req.files) {
      child.keep.emplace_back(data_fd(content, "trafl-file"));
      if (child.keep.back().fd < 0) {
        err = "memfd for " + name + ": " + errno_text(errno);
        return false;
      }
      spec.files.emplace_back(static_cast<int>(child.fd_src.size()), name);
      child.fd_src.push_back(child.keep.back().fd);
    }
    if (child.fd_src.size() > 16) {
      err = "too many files for one run (at most 10)";
      return false;
    }
    child.path = report.bwrap;
    argv_v = bwrap_argv(spec);
    envp_v = {"PATH=/usr/bin:/bin"};
  } else {
    if (!prepare_scratch(slot, req, mode.tier, err)) return false;
    child.path = interp.executable;
    argv_v = {interp.executable};
    argv_v.insert(argv_v.end(), flags.begin(), flags.end());
    argv_v.push_back(slot.scratch + "/prog.py");
    argv_v.insert(argv_v.end(), req.args.begin(), req.args.end());
    envp_v = {"PATH=/usr/bin:/bin", "HOME=" + slot.scratch, "TMPDIR=" + slot.scratch, "LANG=C.UTF-8",
              "MALLOC_ARENA_MAX=2"};
    plan.chdir_to = slot.scratch.c_str();
    if (mode.tier == Tier::kDegraded) {
      plan.landlock_fd = slot.landlock_fd;
      plan.seccomp = bpf_degraded.empty() ? nullptr : &fprog_degraded;
    }
  }
  child.argv.emplace(std::move(argv_v));
  child.envp.emplace(std::move(envp_v));
  plan.fd_src = child.fd_src.data();
  plan.n_fds = static_cast<int>(child.fd_src.size());
  plan.path = child.path.c_str();
  plan.argv = child.argv->get();
  plan.envp = child.envp->get();
  return true;
}

RunResult Sandbox::Impl::run_in(Slot& slot, const RunRequest& req, Tier tier) {
  RunResult res;
  res.tier = tier;
  const Limits& L = req.limits;
  RunMode mode;
  mode.tier = tier;
  mode.ns = tier == Tier::kNamespacesCgroups || tier == Tier::kNamespaces;
  mode.use_cg = tier != Tier::kNamespaces && cg.any();
  mode.precise_cpu = mode.use_cg && cg.cpu();
  const double wall_limit = L.effective_wall_s();
  Observation obs;
  obs.namespaces = mode.ns;
  obs.wall_limit_s = wall_limit;
  obs.cpu_limit_s = L.cpu_s;
  obs.memory_error_exit = req.memory_error_exit;

  // prepare
  std::string err;
  for (const auto& f : req.files) {
    if (!valid_box_name(f.first)) {
      err = "invalid file name for the sandbox: '" + f.first + "'";
      break;
    }
  }
  Channels ch;
  ChildSetup child;
  if (err.empty() && open_channels(ch, req.stdin_data, mode.ns, err) && begin_cgroup(slot, cg, L, mode.use_cg, err)) {
    plan_child(slot, req, mode, ch, child, err);
  }
  if (!err.empty()) {
    res.verdict = Verdict::kSandboxError;
    res.detail = err;
    return res;
  }

  // launch
  const double start = now_s();
  pid_t pid = launch(child, ch, obs.launch_error);
  if (pid < 0) {
    res.wall_ms = (now_s() - start) * 1000;
    classify(obs, res);
    return res;
  }
  const double t_launched = now_s();

  // monitor, collect
  Watched w = monitor(pid, ch, slot.group, L, mode, start, wall_limit, obs, res);
  collect(slot, pid, mode, L, w, start, obs, res);
  if (std::getenv("TRAFL_SBX_TRACE")) {
    std::fprintf(stderr, "trace: launch %.2f ms, exit %.2f ms, cleanup %.2f ms\n", (t_launched - start) * 1000,
                 res.wall_ms, (now_s() - start) * 1000 - res.wall_ms);
  }
  if (tier == Tier::kUnsandboxed) res.detail += " [UNSANDBOXED run]";
  return res;
}

}  // namespace trafl::sandbox
