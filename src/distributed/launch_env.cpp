// Launch environment (see launch_env.hpp).
#include "distributed/launch_env.hpp"

#include <fmt/format.h>

#include <cstdlib>

#include "core/error.hpp"

namespace trafl::distributed {
namespace {

int parse_int(const char* name, const char* value) {
  const std::string s(value);
  std::size_t used = 0;
  long v = 0;
  try {
    v = std::stol(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (s.empty() || used != s.size() || v < 0 || v > 1000000)
    throw UsageError(fmt::format("launch environment: {}='{}' is not a non-negative integer", name, s));
  return static_cast<int>(v);
}

}  // namespace

std::string first_slurm_host(const std::string& nodelist) {
  // Only the first entry: up to the first comma that is outside brackets.
  std::string entry;
  int depth = 0;
  for (char ch : nodelist) {
    if (ch == '[') ++depth;
    if (ch == ']') --depth;
    if (ch == ',' && depth == 0) break;
    entry += ch;
  }
  const std::size_t open = entry.find('[');
  if (open == std::string::npos) return entry;
  const std::size_t close = entry.find(']', open);
  if (close == std::string::npos)
    throw UsageError(fmt::format("launch environment: malformed SLURM node list '{}'", nodelist));
  // The first element of the range list: "003-004,010" -> "003" (zero padding kept).
  std::string range = entry.substr(open + 1, close - open - 1);
  range = range.substr(0, range.find_first_of(",-"));
  if (range.empty()) throw UsageError(fmt::format("launch environment: malformed SLURM node list '{}'", nodelist));
  return entry.substr(0, open) + range + entry.substr(close + 1);
}

LaunchEnv launch_env_from(const std::function<const char*(const char*)>& get) {
  LaunchEnv env;
  auto master = [&](LaunchEnv& e, bool addr_required) {
    if (const char* a = get("MASTER_ADDR"); a && *a)
      e.master_addr = a;
    else if (addr_required)
      throw UsageError("launch environment: RANK/WORLD_SIZE are set but MASTER_ADDR is not");
    if (const char* p = get("MASTER_PORT"); p && *p) {
      e.master_port = parse_int("MASTER_PORT", p);
      if (e.master_port == 0 || e.master_port > 65535)
        throw UsageError(fmt::format("launch environment: MASTER_PORT={} is not a TCP port", e.master_port));
    }
  };
  const char* rank = get("RANK");
  const char* world = get("WORLD_SIZE");
  if (rank || world) {
    if (!rank || !world)
      throw UsageError("launch environment: RANK and WORLD_SIZE must be set together (torchrun sets both)");
    env.launcher = "torchrun";
    env.rank = parse_int("RANK", rank);
    env.world_size = parse_int("WORLD_SIZE", world);
    const char* local = get("LOCAL_RANK");
    env.local_rank = local ? parse_int("LOCAL_RANK", local) : env.rank;
    master(env, env.world_size > 1);
  } else if (const char* procid = get("SLURM_PROCID"); procid && get("SLURM_NTASKS")) {
    env.launcher = "slurm";
    env.rank = parse_int("SLURM_PROCID", procid);
    env.world_size = parse_int("SLURM_NTASKS", get("SLURM_NTASKS"));
    const char* local = get("SLURM_LOCALID");
    env.local_rank = local ? parse_int("SLURM_LOCALID", local) : 0;
    master(env, false);
    if (const char* a = get("MASTER_ADDR"); !(a && *a)) {
      const char* nodes = get("SLURM_JOB_NODELIST");
      if (!nodes) nodes = get("SLURM_NODELIST");
      if (nodes && *nodes)
        env.master_addr = first_slurm_host(nodes);
      else if (env.world_size > 1)
        throw UsageError(
            "launch environment: under SLURM with several tasks, MASTER_ADDR or SLURM_JOB_NODELIST must be set");
    }
  }
  if (env.world_size < 1) throw UsageError("launch environment: the world size must be at least 1");
  if (env.rank >= env.world_size)
    throw UsageError(fmt::format("launch environment: rank {} is outside a world of {} ({})", env.rank, env.world_size,
                                 env.launcher));
  return env;
}

LaunchEnv launch_env() {
  return launch_env_from([](const char* name) { return static_cast<const char*>(std::getenv(name)); });
}

}  // namespace trafl::distributed
