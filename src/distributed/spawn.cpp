// Local rank launcher (see spawn.hpp).
#include "distributed/spawn.hpp"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <stdexcept>
#include <thread>

#include "core/error.hpp"

namespace trafl::distributed {

std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::size_t start = 0;
  for (std::size_t i = 0; i < all.size(); ++i)
    if (all[i] == '\0') {
      args.push_back(all.substr(start, i - start));
      start = i + 1;
    }
  if (args.empty()) throw std::runtime_error("cannot read /proc/self/cmdline");
  args.erase(args.begin());  // argv[0]
  return args;
}

int free_local_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("train --nproc: cannot open a socket to find a free port");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("train --nproc: cannot bind a local port");
  }
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

namespace {

std::string describe(int status) {
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("exited with status {}", WEXITSTATUS(status));
}

}  // namespace

SpawnResult spawn_local_ranks(int nproc, const std::vector<std::string>& args, std::chrono::seconds grace) {
  if (nproc < 1) throw UsageError("train --nproc: expected at least 1 process");
  const std::string port = std::to_string(free_local_port());
  std::map<pid_t, int> running;  // pid -> rank
  for (int rank = 0; rank < nproc; ++rank) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("train --nproc: fork failed");
    if (pid == 0) {
      ::setenv("RANK", std::to_string(rank).c_str(), 1);
      ::setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      ::setenv("WORLD_SIZE", std::to_string(nproc).c_str(), 1);
      ::setenv("MASTER_ADDR", "127.0.0.1", 1);
      ::setenv("MASTER_PORT", port.c_str(), 1);
      ::setenv("OMP_NUM_THREADS", "1", 0);  // as torchrun: N ranks must not each take every core
      std::vector<std::string> copy = args;
      std::string exe = "/proc/self/exe";
      std::vector<char*> argv{exe.data()};
      for (std::string& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(exe.c_str(), argv.data());
      std::_Exit(127);
    }
    running[pid] = rank;
  }
  SpawnResult result;
  std::chrono::steady_clock::time_point deadline{};
  bool terminated = false, killed = false;
  while (!running.empty()) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      const auto it = running.find(pid);
      if (it == running.end()) continue;
      const int rank = it->second;
      running.erase(it);
      if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        result.report.push_back(fmt::format("rank {} {}", rank, describe(status)));
        if (result.ok) deadline = std::chrono::steady_clock::now() + grace;
        result.ok = false;
      }
      continue;
    }
    if (!result.ok && std::chrono::steady_clock::now() > deadline) {
      // The collective timeout should have ended the others by now; do not leave them hanging.
      if (!terminated) {
        for (const auto& [p, rank] : running) ::kill(p, SIGTERM);
        terminated = true;
        deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
      } else if (!killed) {
        for (const auto& [p, rank] : running) ::kill(p, SIGKILL);
        killed = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return result;
}

}  // namespace trafl::distributed
