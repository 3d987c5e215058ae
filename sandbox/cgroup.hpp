#pragma once
// cgroup support for the sandbox: pure v2, hybrid (v1 controllers + v2 "unified" for cgroup.kill
// and cpu.stat, as on this VM), v1 only, or none. One cgroup per worker slot under
// <hierarchy>/trafl-sbx/, named u<uid>-..., created on the slot's first run and reused (a fresh
// memory cgroup makes the first attach slow: ~15 ms measured here); counters are taken as
// differences from a per-run baseline and the v1 peak is reset before each run. Internal.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace trafl::sandbox::detail {

struct CgroupLayout {
  std::string kind = "none";  // "v2", "hybrid", "v1", "none"
  std::string v2;             // base dir in the v2 tree ("" if unusable)
  bool v2_memory = false, v2_pids = false;
  std::string v1_memory, v1_pids, v1_cpuacct;  // base dirs in v1 trees ("" if unusable)
  bool memory() const { return v2_memory || !v1_memory.empty(); }
  bool pids() const { return v2_pids || !v1_pids.empty(); }
  bool kill() const { return !v2.empty() && has_kill; }
  bool cpu() const { return !v2.empty() || !v1_cpuacct.empty(); }
  bool any() const { return !v2.empty() || !v1_memory.empty() || !v1_pids.empty() || !v1_cpuacct.empty(); }
  bool has_kill = false;
  bool memsw = false;
  // Some cgroup mount has the kernel's favordynmods option (Linux >= 6.0; it is global): without
  // it an attach of a run's process to its cgroup can wait for an RCU grace period (6.8-10.5 ms
  // measured here, most of the per-run overhead then). Reported by the probe; scripts/tune-host
  // turns it on.
  bool favordynmods = false;
};

// Finds writable hierarchies and creates the trafl-sbx base dirs. notes gets what is missing.
CgroupLayout detect_cgroups(std::vector<std::string>& notes);

// Kills and removes leftovers named u<uid>-* (a crashed earlier runner that held this uid).
void sweep_stale_cgroups(const CgroupLayout& layout, unsigned uid);
// Kills and removes every run cgroup (named u<uid>-p<pid>-s<slot>) whose name `doomed` accepts.
void remove_cgroups_if(const CgroupLayout& layout, const std::function<bool(const std::string&)>& doomed);

class RunCgroup {
 public:
  RunCgroup() = default;
  ~RunCgroup();
  RunCgroup(const RunCgroup&) = delete;
  RunCgroup& operator=(const RunCgroup&) = delete;

  // Creates the dirs (first call) and writes this run's limits and baselines; false + err on
  // failure (nothing left behind). The group must be empty.
  bool begin_run(const CgroupLayout& layout, const std::string& name, std::uint64_t memory_bytes, unsigned pids,
                 std::string& err);
  bool active() const { return !dirs_.empty(); }
  // O_WRONLY fds of every cgroup.procs, for the child to write "0" into. Owned by this object.
  const std::vector<int>& procs_fds() const { return procs_fds_; }
  void kill_all();  // cgroup.kill, else SIGKILL every listed pid
  bool empty() const;
  bool wait_empty(double timeout_s);    // kills again while waiting
  double cpu_ms() const;                // this run's, -1 if unknown
  std::uint64_t peak_kb() const;        // this run's, 0 if unknown
  std::uint64_t oom_kills() const;      // this run's
  std::uint64_t pids_max_hits() const;  // this run's
  void destroy();                       // kill, wait, rmdir all

 private:
  const CgroupLayout* layout_ = nullptr;
  std::vector<std::string> dirs_;
  std::vector<int> procs_fds_;
  std::string v2_, mem_, pids_, cpu_;
  double cpu0_ = 0;
  std::uint64_t oom0_ = 0, pids0_ = 0;
  int peak_fd_ = -1;  // v2 memory.peak opened per run and reset through this fd (Linux 6.12+)
  bool peak_fd_reset_ = false;
  double raw_cpu_ms() const;
  std::uint64_t raw_oom() const;
  std::uint64_t raw_pids() const;
  void close_procs_fds();
};

}  // namespace trafl::sandbox::detail
