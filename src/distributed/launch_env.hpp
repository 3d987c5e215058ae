#pragma once
// Which rank this process is, read from the launcher's environment, torch-free.
//
// Launchers, in the order they are recognised:
//   torchrun (also `train --nproc N`, which sets the same variables for its children):
//     RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT
//   srun (SLURM): SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID; the rendezvous host is MASTER_ADDR when set,
//     else the first host of SLURM_JOB_NODELIST (SLURM_NODELIST); the port is MASTER_PORT, else 29500.
//   none of them: one process (rank 0 of 1).
// A variable that is set but malformed (not an integer, rank outside [0, world)) is a UsageError
// naming it: a half-configured launch must not silently become a single-process run.
#include <cstdint>
#include <functional>
#include <string>

namespace trafl::distributed {

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string master_addr = "127.0.0.1";
  int master_port = 29500;
  std::string launcher = "none";  // "torchrun" | "slurm" | "none"
  bool distributed() const { return world_size > 1; }
};

// `get(name)` returns the variable's value or nullptr (std::getenv for launch_env()).
LaunchEnv launch_env_from(const std::function<const char*(const char*)>& get);
LaunchEnv launch_env();

// The first host of a SLURM node list: "gpu[003-004,010],cpu1" -> "gpu003", "a,b" -> "a".
std::string first_slurm_host(const std::string& nodelist);

}  // namespace trafl::distributed
