#pragma once
// Verdict classification from what the runner observed (first match wins):
//   sandbox_error > output_limit > memory_exceeded (OOM kill) > timeout > memory_exceeded (the driver's
//   MemoryError exit code) > runtime_error > passed. Never from stderr text. Internal.
#include <cstdint>
#include <string>

#include "sandbox/sandbox.hpp"

namespace trafl::sandbox::detail {

struct Observation {
  bool namespaces = false;     // the leader was bwrap (exit 128+N means signal N)
  bool child_started = false;  // bwrap reported child-pid on --info-fd
  std::string launch_error;    // set-up failure before exec
  std::string cleanup_error;   // the process tree could not be removed
  int wait_status = 0;
  bool killed_by_runner = false;
  bool wall_hit = false, cpu_hit = false, stdout_cap_hit = false, stderr_cap_hit = false;
  double wall_limit_s = 0, cpu_limit_s = 0;
  std::uint64_t oom_kills = 0;
  std::uint64_t pids_max_hits = 0;
  int memory_error_exit = -1;  // RunRequest::memory_error_exit
};

// Fills verdict, exit_code, signal and detail (r.stderr_data, r.cpu_ms must be filled already).
void classify(const Observation& o, RunResult& r);

}  // namespace trafl::sandbox::detail
