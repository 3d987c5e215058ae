#include "sandbox/cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "sandbox/fsutil.hpp"

namespace trafl::sandbox::detail {

namespace {

const char* kBase = "trafl-sbx";

bool make_dir(const std::string& dir) { return ::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST; }

// A v1 hierarchy with the named controller, mounted at /sys/fs/cgroup/<name> (or a comma pair).
std::string v1_mount(const std::string& controller, const std::string& probe_file) {
  for (const char* dir : {"/sys/fs/cgroup/", "/sys/fs/cgroup/cpu,", "/sys/fs/cgroup/cpuacct,"}) {
    std::string candidate = std::string(dir) + controller;
    if (exists(candidate + "/" + probe_file)) return candidate;
  }
  if (controller == "cpuacct" && exists("/sys/fs/cgroup/cpu,cpuacct/cpuacct.usage"))
    return "/sys/fs/cgroup/cpu,cpuacct";
  return "";
}

std::string prepare_base(const std::string& mount, std::vector<std::string>& notes, const std::string& what) {
  if (mount.empty()) return "";
  std::string base = mount + "/" + kBase;
  if (!make_dir(base)) {
    notes.push_back(what + ": cannot create " + base + ": " + errno_text(errno));
    return "";
  }
  return base;
}

void kill_listed(const std::string& dir) {
  auto procs = read_small(dir + "/cgroup.procs");
  if (!procs) return;
  const char* p = procs->c_str();
  while (*p) {
    char* end = nullptr;
    long pid = std::strtol(p, &end, 10);
    if (end == p) break;
    if (pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    p = end;
    while (*p == '\n') ++p;
  }
}

bool dir_empty(const std::string& dir) {
  auto procs = read_small(dir + "/cgroup.procs");
  return !procs || procs->find_first_not_of(" \n") == std::string::npos;
}

}  // namespace

CgroupLayout detect_cgroups(std::vector<std::string>& notes) {
  CgroupLayout layout;
  std::string v2_mount;
  bool pure_v2 = exists("/sys/fs/cgroup/cgroup.controllers");
  if (pure_v2)
    v2_mount = "/sys/fs/cgroup";
  else if (exists("/sys/fs/cgroup/unified/cgroup.controllers"))
    v2_mount = "/sys/fs/cgroup/unified";

  if (!v2_mount.empty()) {
    layout.v2 = prepare_base(v2_mount, notes, "cgroup v2");
    if (!layout.v2.empty()) {
      auto controllers = read_small(v2_mount + "/cgroup.controllers").value_or("");
      auto has = [&](const std::string& c) { return (" " + controllers + " ").find(" " + c) != std::string::npos; };
      for (const char* c : {"memory", "pids"}) {
        if (!has(c)) continue;
        std::string enable = std::string("+") + c;
        bool ok = write_text(v2_mount + "/cgroup.subtree_control", enable) &&
                  write_text(layout.v2 + "/cgroup.subtree_control", enable);
        if (!ok) {
          notes.push_back(std::string("cgroup v2: cannot enable ") + c + ": " + errno_text(errno));
          continue;
        }
        (std::string(c) == "memory" ? layout.v2_memory : layout.v2_pids) = true;
      }
      // cgroup.kill exists in every non-root v2 cgroup since Linux 5.14.
      std::string probe = layout.v2 + "/probe-" + std::to_string(::getpid());
      if (make_dir(probe)) {
        layout.has_kill = exists(probe + "/cgroup.kill");
        ::rmdir(probe.c_str());
      }
    }
  }
  if (!pure_v2) {
    if (!layout.v2_memory)
      layout.v1_memory = prepare_base(v1_mount("memory", "memory.limit_in_bytes"), notes, "cgroup v1 memory");
    if (!layout.v2_pids) layout.v1_pids = prepare_base(v1_mount("pids", "cgroup.procs"), notes, "cgroup v1 pids");
    if (layout.v2.empty())
      layout.v1_cpuacct = prepare_base(v1_mount("cpuacct", "cpuacct.usage"), notes, "cgroup v1 cpuacct");
    if (!layout.v1_memory.empty()) layout.memsw = exists(layout.v1_memory + "/memory.memsw.limit_in_bytes");
  }
  bool v1 = !layout.v1_memory.empty() || !layout.v1_pids.empty() || !layout.v1_cpuacct.empty();
  if (pure_v2 && !layout.v2.empty())
    layout.kind = "v2";
  else if (v1 && !layout.v2.empty())
    layout.kind = "hybrid";
  else if (v1)
    layout.kind = "v1";
  else if (!layout.v2.empty())
    layout.kind = "v2";
  if (layout.any()) {
    std::ifstream mounts("/proc/self/mounts");
    std::string dev, dir, type, options, rest;
    while (mounts >> dev >> dir >> type >> options && std::getline(mounts, rest))
      if ((type == "cgroup2" || type == "cgroup") && ("," + options + ",").find(",favordynmods,") != std::string::npos)
        layout.favordynmods = true;
    if (!layout.favordynmods)
      notes.push_back(
          "cgroups: favordynmods is off: a run's cgroup attach can wait for an RCU grace period "
          "(up to ~10 ms per run measured on a 2-core VM); scripts/tune-host turns it on (Linux >= 6.0)");
  }
  if (!layout.memory()) notes.push_back("cgroups: no usable memory controller");
  if (!layout.pids()) notes.push_back("cgroups: no usable pids controller");
  return layout;
}

void sweep_stale_cgroups(const CgroupLayout& layout, unsigned uid) {
  std::string prefix = "u" + std::to_string(uid) + "-";
  remove_cgroups_if(layout, [&](const std::string& name) { return name.rfind(prefix, 0) == 0; });
}

void remove_cgroups_if(const CgroupLayout& layout, const std::function<bool(const std::string&)>& doomed) {
  for (const std::string& base : {layout.v2, layout.v1_memory, layout.v1_pids, layout.v1_cpuacct}) {
    if (base.empty()) continue;
    DIR* d = ::opendir(base.c_str());
    if (!d) continue;
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name[0] == 'u' && doomed(name)) stale.push_back(base + "/" + name);
    }
    ::closedir(d);
    for (const auto& dir : stale) {
      if (exists(dir + "/cgroup.kill")) write_text(dir + "/cgroup.kill", "1");
      for (int i = 0; i < 200 && !dir_empty(dir); ++i) {
        kill_listed(dir);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      ::rmdir(dir.c_str());
    }
  }
}

RunCgroup::~RunCgroup() { destroy(); }

bool RunCgroup::begin_run(const CgroupLayout& layout, const std::string& name, std::uint64_t memory_bytes,
                          unsigned pids, std::string& err) {
  auto fail = [&](const std::string& what) {
    err = what + ": " + errno_text(errno);
    destroy();
    return false;
  };
  if (!active()) {
    layout_ = &layout;
    auto add = [&](const std::string& base) -> std::string {
      if (base.empty()) return "";
      std::string dir = base + "/" + name;
      if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return std::string();
      dirs_.push_back(dir);
      return dir;
    };
    if (!layout.v2.empty() && (v2_ = add(layout.v2)).empty()) return fail("mkdir " + layout.v2 + "/" + name);
    if (!layout.v1_memory.empty() && (mem_ = add(layout.v1_memory)).empty())
      return fail("mkdir " + layout.v1_memory + "/" + name);
    if (!layout.v1_pids.empty() && (pids_ = add(layout.v1_pids)).empty())
      return fail("mkdir " + layout.v1_pids + "/" + name);
    if (!layout.v1_cpuacct.empty() && (cpu_ = add(layout.v1_cpuacct)).empty())
      return fail("mkdir " + layout.v1_cpuacct + "/" + name);
    for (const auto& dir : dirs_) {
      int fd = ::open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return fail("open " + dir + "/cgroup.procs");
      procs_fds_.push_back(fd);
    }
  }
  std::string mem = std::to_string(memory_bytes);
  if (layout.v2_memory) {
    if (!write_text(v2_ + "/memory.max", mem)) return fail("memory.max");
    write_text(v2_ + "/memory.swap.max", "0");  // absent without swap accounting: fine
  }
  if (!mem_.empty()) {
    // memsw must stay >= the limit: order the two writes by direction.
    std::string sw = mem_ + "/memory.memsw.limit_in_bytes";
    bool ok = layout.memsw ? (write_text(sw, mem) && write_text(mem_ + "/memory.limit_in_bytes", mem)) ||
                                 (write_text(mem_ + "/memory.limit_in_bytes", mem) && write_text(sw, mem))
                           : write_text(mem_ + "/memory.limit_in_bytes", mem);
    if (!ok) return fail("memory.limit_in_bytes");
    write_text(mem_ + "/memory.max_usage_in_bytes", "0");
    if (layout.memsw) write_text(mem_ + "/memory.memsw.max_usage_in_bytes", "0");
  }
  std::string p = std::to_string(pids);
  if (layout.v2_pids && !write_text(v2_ + "/pids.max", p)) return fail("pids.max");
  if (!pids_.empty() && !write_text(pids_ + "/pids.max", p)) return fail("pids.max");
  if (peak_fd_ >= 0) ::close(peak_fd_);
  peak_fd_ = -1;
  peak_fd_reset_ = false;
  if (layout.v2_memory) {
    peak_fd_ = ::open((v2_ + "/memory.peak").c_str(), O_RDWR | O_CLOEXEC);
    peak_fd_reset_ = peak_fd_ >= 0 && ::write(peak_fd_, "reset\n", 6) == 6;
  }
  cpu0_ = raw_cpu_ms();
  oom0_ = raw_oom();
  pids0_ = raw_pids();
  return true;
}

void RunCgroup::close_procs_fds() {
  for (int fd : procs_fds_) ::close(fd);
  procs_fds_.clear();
}

void RunCgroup::kill_all() {
  if (!v2_.empty() && layout_ && layout_->has_kill) write_text(v2_ + "/cgroup.kill", "1");
  for (const auto& dir : dirs_) kill_listed(dir);
}

bool RunCgroup::empty() const {
  for (const auto& dir : dirs_) {
    if (!dir_empty(dir)) return false;
  }
  return true;
}

bool RunCgroup::wait_empty(double timeout_s) {
  double deadline = now_s() + timeout_s;
  int round = 0;
  while (!empty()) {
    if (now_s() > deadline) return false;
    if (++round % 20 == 0) kill_all();
    std::this_thread::sleep_for(std::chrono::microseconds(round < 50 ? 200 : 2000));
  }
  return true;
}

double RunCgroup::raw_cpu_ms() const {
  if (!v2_.empty()) {
    auto stat = read_small(v2_ + "/cpu.stat");
    if (stat) {
      if (auto us = keyed_value(*stat, "usage_usec")) return static_cast<double>(*us) / 1000.0;
    }
  }
  if (!cpu_.empty()) {
    if (auto ns = read_u64(cpu_ + "/cpuacct.usage")) return static_cast<double>(*ns) / 1e6;
  }
  return -1;
}

double RunCgroup::cpu_ms() const {
  double now = raw_cpu_ms();
  return now < 0 ? -1 : now - cpu0_;
}

std::uint64_t RunCgroup::peak_kb() const {
  if (!mem_.empty()) {
    auto v = read_u64(mem_ + (layout_->memsw ? "/memory.memsw.max_usage_in_bytes" : "/memory.max_usage_in_bytes"));
    if (v) return *v / 1024;
  }
  if (peak_fd_ >= 0) {
    char buf[64] = {0};
    ssize_t n = ::pread(peak_fd_, buf, sizeof buf - 1, 0);
    if (n > 0) return std::strtoull(buf, nullptr, 10) / 1024;  // without a reset: the slot's all-time peak
  }
  return 0;
}

std::uint64_t RunCgroup::raw_oom() const {
  if (!mem_.empty()) {
    auto text = read_small(mem_ + "/memory.oom_control");
    if (text) return keyed_value(*text, "oom_kill").value_or(0);
  }
  if (layout_ && layout_->v2_memory) {
    auto text = read_small(v2_ + "/memory.events");
    if (text) return keyed_value(*text, "oom_kill").value_or(0);
  }
  return 0;
}

std::uint64_t RunCgroup::oom_kills() const { return raw_oom() - oom0_; }

std::uint64_t RunCgroup::raw_pids() const {
  std::string dir = !pids_.empty() ? pids_ : (layout_ && layout_->v2_pids ? v2_ : "");
  if (dir.empty()) return 0;
  auto text = read_small(dir + "/pids.events");
  return text ? keyed_value(*text, "max").value_or(0) : 0;
}

std::uint64_t RunCgroup::pids_max_hits() const { return raw_pids() - pids0_; }

void RunCgroup::destroy() {
  if (active()) {
    kill_all();
    wait_empty(1.0);
  }
  close_procs_fds();
  if (peak_fd_ >= 0) ::close(peak_fd_);
  peak_fd_ = -1;
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    for (int i = 0; i < 100 && ::rmdir(it->c_str()) != 0 && errno == EBUSY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  dirs_.clear();
  v2_.clear();
  mem_.clear();
  pids_.clear();
  cpu_.clear();
}

}  // namespace trafl::sandbox::detail
