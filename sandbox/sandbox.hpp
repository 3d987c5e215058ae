#pragma once
// Isolated execution of untrusted Python programs: the public API.
//
//   Sandbox box(Options{});                 // probes the machine once, logs the tier
//   RunRequest req; req.program = "print(input())"; req.stdin_data = "hi\n";
//   RunResult r = box.run(req);             // thread-safe; one free worker slot per call
//   r.verdict, r.stdout_data, r.wall_ms, r.cpu_ms, r.peak_mem_kb, r.exit_code, r.signal, r.tier
//
//   Pool pool(box);                          // one thread per slot, keeps every core busy
//   std::vector<RunResult> all = pool.run_all(requests);
//
// A harness builds on run(): "program + stdin -> stdout/stderr/verdict/measurements". Comparison
// with expected output (passed vs wrong_answer) happens in the parent, never inside the sandbox.
// Function-call mode: put a trusted driver in `program` and the candidate in `files`
// ({"solution.py", text}); both land read-only in the working directory (/box in the namespace
// tiers, a per-slot scratch dir in the degraded tier). `-I` removes the script dir from sys.path,
// so the driver does `sys.path.insert(0, os.getcwd())` before importing the candidate.
//
// Design and the measurements behind it: docs/sandbox.md.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trafl::sandbox {

enum class Verdict {
  kPassed,          // exit 0 (the harness may still turn it into wrong_answer)
  kWrongAnswer,     // reserved for harnesses: never produced by run()
  kTimeout,         // wall deadline, CPU limit (parent accounting or SIGXCPU)
  kMemoryExceeded,  // cgroup OOM kill, or RunRequest::memory_error_exit (never stderr text)
  kOutputLimit,     // stdout cap or stderr kill cap reached
  kRuntimeError,    // non-zero exit or a signal
  kSandboxError,    // the sandbox failed to set up: never blamed on the program
};
const char* to_string(Verdict v);

enum class Tier {
  kNamespacesCgroups = 1,  // T1: bubblewrap namespaces + cgroup memory/pids limits + rlimits
  kNamespaces = 2,         // T2: bubblewrap kNamespaces, rlimits only (no aggregate memory/pids cap)
  kDegraded = 3,           // T3: no namespaces: rlimits + uid drop + Landlock + seccomp
  kUnsandboxed = 4,        // T4: rlimits + process group only; needs allow_unsandboxed
};
const char* to_string(Tier t);                         // "T1 namespaces+cgroups", ...
std::optional<Tier> parse_tier(const std::string& s);  // "1".."4", "T1".."T4"

struct Limits {
  double cpu_s = 6.0;                   // CPU time of the whole process tree
  double wall_s = 0.0;                  // 0: max(2*cpu_s, cpu_s + 1)
  std::size_t memory_mb = 1024;         // cgroup limit (and the RLIMIT_AS guard without cgroups)
  std::size_t stdout_cap = 16u << 20;   // bytes kept; exceeding it kills: output_limit
  std::size_t stderr_keep = 64u << 10;  // bytes of stderr kept (the tail is reported)
  std::size_t stderr_cap = 8u << 20;    // stderr bytes that kill: output_limit
  unsigned pids = 64;                   // cgroup pids.max / RLIMIT_NPROC
  std::size_t file_size_mb = 16;        // RLIMIT_FSIZE
  std::size_t scratch_mb = 64;          // size of the /tmp and /box tmpfs (namespace tiers)
  unsigned open_files = 64;             // RLIMIT_NOFILE
  double effective_wall_s() const;
};

struct RunRequest {
  std::string program;                                     // Python source, run as the script
  std::string stdin_data;                                  // the program's whole stdin
  std::vector<std::pair<std::string, std::string>> files;  // extra read-only files {name, content}
  std::vector<std::string> args;                           // sys.argv[1:]
  Limits limits;
  bool site_packages = false;  // drop -S (slower start, third-party imports)
  // The exit code by which a trusted driver in `program` reports that it caught MemoryError
  // (-1: none). Only the exit status and the cgroup's events decide a verdict: stderr is the
  // program's to write, so "MemoryError" printed there by a program that exits 0 is no signal.
  // Without a memory cgroup a bare program's MemoryError is therefore a runtime_error (exit 1).
  int memory_error_exit = -1;
};

struct RunResult {
  Verdict verdict = Verdict::kSandboxError;
  std::string stdout_data;  // at most limits.stdout_cap bytes
  bool stdout_truncated = false;
  std::string stderr_data;       // the last limits.stderr_keep bytes of stderr
  std::size_t stdout_bytes = 0;  // total seen (may exceed what is kept)
  std::size_t stderr_bytes = 0;
  int exit_code = -1;  // the program's exit code, -1 when it died from a signal
  int signal = 0;      // the terminating signal, 0 if none
  double wall_ms = 0;
  double cpu_ms = 0;              // whole tree (cgroup) or rusage without cgroups
  std::uint64_t peak_mem_kb = 0;  // cgroup peak (whole tree) or max rusage RSS
  Tier tier = Tier::kUnsandboxed;
  std::string detail;  // why this verdict: "wall deadline 2.0 s", "oom_kill=1", a setup error...
  std::string stderr_tail(std::size_t max_lines = 20) const;
};

// One slot more than the cores. A slot spends part of every run off the CPU (namespace set-up and
// teardown, cgroup attach and bookkeeping, reaping), and with one slot per core those gaps leave
// the cores idle: perf_sandbox on 2 cores, ~40 ms programs, busy 85% with 2 slots and 95% with 3
// (23.6 vs 20.7 tests/s; trivial programs 117.9 vs 101.9) while cgroup attaches were slow (see
// CgroupLayout::favordynmods); with fast attaches 95% vs 96-97%, within noise. Each program still gets at least
// cores / (cores + 1) >= 2/3 of a core when the pool has the machine to itself, inside the default
// wall limit's 2x margin over the CPU limit (Limits::effective_wall_s), so the extra slot alone
// cannot turn a passing program into a timeout.
unsigned default_slots();
// At most this many slots (Options::workers): each holds a uid, a cgroup and a scratch directory,
// and more programs at once than this only thrash any machine this runs on.
constexpr unsigned kMaxSlots = 256;

struct Options {
  bool allow_unsandboxed = false;               // permit T4 when nothing better works
  std::optional<Tier> force_tier;               // use this tier (error if unsupported); for tests and debugging
  std::string python;                           // interpreter command; "" = python3 from PATH, resolved once
  std::string bwrap;                            // "" = bwrap from PATH
  unsigned workers = 0;                         // worker slots; 0 = default_slots()
  unsigned uid_base = 61000;                    // slot k runs as uid/gid uid_base + k (+ whatever is free)
  std::function<void(const std::string&)> log;  // probe report and warnings; default: stderr
};

// What the start-up probe found. describe() is the multi-line log shown at start-up.
struct ProbeReport {
  Tier tier = Tier::kUnsandboxed;
  bool is_root = false;
  std::string python;         // the real binary
  std::string python_prefix;  // sys.base_prefix
  std::string python_version;
  std::string bwrap;          // "" if missing
  std::string bwrap_error;    // why namespaces are unusable, if they are
  std::string cgroup_layout;  // "v2", "hybrid", "v1", "none"
  bool cgroup_memory = false, cgroup_pids = false, cgroup_kill = false, cgroup_cpu = false;
  bool cgroup_favordynmods = false;  // fast per-run cgroup attach (cgroup.hpp, scripts/tune-host)
  int landlock_abi = 0;
  bool seccomp = false;
  std::vector<unsigned> slot_uids;  // empty when not root (runs keep the caller's uid)
  bool reaper = false;              // a reaper kills the slot uids' processes if this process is killed (reaper.hpp)
  std::vector<std::string> warnings;
  std::string describe() const;
};

class Sandbox {
 public:
  explicit Sandbox(Options options = {});
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const ProbeReport& report() const;
  Tier tier() const;
  unsigned slots() const;
  // Runs one program in a free slot (blocks while all are busy). Never throws for anything the
  // program does; set-up failures come back as Verdict::kSandboxError.
  RunResult run(const RunRequest& request);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// One worker thread per sandbox slot.
class Pool {
 public:
  explicit Pool(Sandbox& sandbox, unsigned workers = 0);  // 0: sandbox.slots()
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  std::future<RunResult> submit(RunRequest request);
  // Runs all, results in input order. on_done (optional) is called from worker threads.
  std::vector<RunResult> run_all(const std::vector<RunRequest>& requests,
                                 const std::function<void(std::size_t, const RunResult&)>& on_done = {});
  unsigned workers() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace trafl::sandbox
