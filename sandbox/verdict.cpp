#include "sandbox/verdict.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <cstring>

namespace trafl::sandbox {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kPassed: return "passed";
    case Verdict::kWrongAnswer: return "wrong_answer";
    case Verdict::kTimeout: return "timeout";
    case Verdict::kMemoryExceeded: return "memory_exceeded";
    case Verdict::kOutputLimit: return "output_limit";
    case Verdict::kRuntimeError: return "runtime_error";
    case Verdict::kSandboxError: return "sandbox_error";
  }
  return "?";
}

const char* to_string(Tier t) {
  switch (t) {
    case Tier::kNamespacesCgroups: return "T1 namespaces+cgroups";
    case Tier::kNamespaces: return "T2 namespaces (no cgroups)";
    case Tier::kDegraded: return "T3 degraded (rlimits+landlock+seccomp)";
    case Tier::kUnsandboxed: return "T4 UNSANDBOXED";
  }
  return "?";
}

std::optional<Tier> parse_tier(const std::string& s) {
  std::string v = s;
  if (!v.empty() && (v[0] == 'T' || v[0] == 't')) v = v.substr(1);
  if (v == "1") return Tier::kNamespacesCgroups;
  if (v == "2") return Tier::kNamespaces;
  if (v == "3") return Tier::kDegraded;
  if (v == "4") return Tier::kUnsandboxed;
  return std::nullopt;
}

double Limits::effective_wall_s() const {
  if (wall_s > 0) return wall_s;
  return std::max(2.0 * cpu_s, cpu_s + 1.0);
}

std::string RunResult::stderr_tail(std::size_t max_lines) const {
  std::size_t end = stderr_data.size();
  while (end > 0 && stderr_data[end - 1] == '\n') --end;
  std::size_t pos = end;
  std::size_t lines = 0;
  while (pos > 0) {
    if (stderr_data[pos - 1] == '\n' && ++lines == max_lines) break;
    --pos;
  }
  return stderr_data.substr(pos, end - pos);
}

namespace detail {

namespace {

std::string last_line(const std::string& text) {
  std::size_t end = text.size();
  while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
  std::size_t start = text.rfind('\n', end == 0 ? 0 : end - 1);
  start = start == std::string::npos ? 0 : start + 1;
  return text.substr(start, end - start);
}

std::string secs(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

std::string signame(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

}  // namespace

void classify(const Observation& o, RunResult& r) {
  // Decode how the program ended.
  r.exit_code = -1;
  r.signal = 0;
  if (WIFEXITED(o.wait_status)) {
    int code = WEXITSTATUS(o.wait_status);
    if (o.namespaces && o.child_started && code > 128 && code < 128 + 65) {
      r.signal = code - 128;  // bwrap reports a signalled child as 128+N (sys.exit(137) looks the same)
    } else {
      r.exit_code = code;
    }
  } else if (WIFSIGNALED(o.wait_status)) {
    r.signal = WTERMSIG(o.wait_status);
  }

  auto set = [&](Verdict v, std::string why) {
    r.verdict = v;
    r.detail = std::move(why);
  };
  if (!o.launch_error.empty()) return set(Verdict::kSandboxError, o.launch_error);
  if (o.namespaces && !o.child_started && !o.wall_hit && !o.cpu_hit) {
    std::string tail = last_line(r.stderr_data);
    return set(Verdict::kSandboxError,
               "bubblewrap failed before starting the program" + (tail.empty() ? std::string() : ": " + tail));
  }
  if (!o.cleanup_error.empty()) return set(Verdict::kSandboxError, o.cleanup_error);
  if (o.stdout_cap_hit)
    return set(Verdict::kOutputLimit, "stdout exceeded " + std::to_string(r.stdout_bytes) + " bytes cap");
  if (o.stderr_cap_hit) return set(Verdict::kOutputLimit, "stderr exceeded its kill cap");
  // The OOM killer acting means the memory limit was reached, even if the survivors then hung.
  if (o.oom_kills > 0) return set(Verdict::kMemoryExceeded, "cgroup OOM kills: " + std::to_string(o.oom_kills));
  if (o.wall_hit) return set(Verdict::kTimeout, "wall-clock limit " + secs(o.wall_limit_s));
  if (o.cpu_hit) return set(Verdict::kTimeout, "CPU limit " + secs(o.cpu_limit_s) + " (whole process tree)");
  if (r.signal == SIGXCPU) return set(Verdict::kTimeout, "CPU limit (SIGXCPU)");
  if (r.signal == SIGKILL && o.oom_kills == 0 && r.cpu_ms >= o.cpu_limit_s * 1000.0)
    return set(Verdict::kTimeout, "CPU limit (SIGKILL at the hard RLIMIT_CPU)");
  if (o.memory_error_exit >= 0 && r.exit_code == o.memory_error_exit)
    return set(Verdict::kMemoryExceeded,
               "MemoryError (reported by the harness's driver, exit code " + std::to_string(r.exit_code) + ")");
  std::string pids_note = o.pids_max_hits ? " (process limit hit " + std::to_string(o.pids_max_hits) + " times)" : "";
  if (r.signal != 0) return set(Verdict::kRuntimeError, "killed by " + signame(r.signal) + pids_note);
  if (r.exit_code != 0) return set(Verdict::kRuntimeError, "exit code " + std::to_string(r.exit_code) + pids_note);
  return set(Verdict::kPassed, "exit code 0" + pids_note);
}

}  // namespace detail
}  // namespace trafl::sandbox
