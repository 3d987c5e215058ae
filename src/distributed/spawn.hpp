#pragma once
// `train --nproc N` on one machine: the process starts N copies of itself with the environment
// torchrun would give them (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1, a free
// MASTER_PORT, and OMP_NUM_THREADS=1 unless set), so a rank cannot tell which launcher started it.
// Torch-free; POSIX (fork + exec of /proc/self/exe, so the children inherit no threads).
//
// Failure: when a rank exits non-zero or is killed, the others end by themselves within the
// collective timeout (their next collective fails, process_group.hpp). The launcher waits `grace`
// for that, then SIGTERMs (and 5 s later SIGKILLs) whatever is left, and reports every rank's end.
#include <chrono>
#include <string>
#include <vector>

namespace trafl::distributed {

struct SpawnResult {
  bool ok = true;                   // every rank exited 0
  std::vector<std::string> report;  // one line per rank that did not exit 0 ("rank 1 killed by signal 9")
};

// Runs this executable with `args` (argv[1..]) as N ranks and waits for them.
SpawnResult spawn_local_ranks(int nproc, const std::vector<std::string>& args, std::chrono::seconds grace);

// This process's own arguments (argv[1..]) from /proc/self/cmdline.
std::vector<std::string> own_arguments();

// A TCP port the kernel reports free on 127.0.0.1 (bound, read, released).
int free_local_port();

}  // namespace trafl::distributed
