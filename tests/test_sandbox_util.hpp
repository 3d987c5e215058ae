#pragma once
// Shared fixtures for the sandbox tests: one sandbox per test process, host-side witnesses
// (a TCP listener, a sentinel process, leftover-process scans).
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>

#include "sandbox/sandbox.hpp"

namespace trafl::test::sbx {

using namespace trafl::sandbox;

inline Sandbox& box() {
  static std::unique_ptr<Sandbox> instance = [] {
    Options o;
    o.workers = 2;
    o.log = [](const std::string& line) { std::cout << line << "\n"; };
    return std::make_unique<Sandbox>(o);
  }();
  return *instance;
}

// The degraded tier (Landlock + seccomp, no namespaces), forced; nullptr + a visible SKIP if this
// machine cannot provide it.
inline Sandbox* degraded_box() {
  static std::unique_ptr<Sandbox> instance;
  static bool tried = false;
  if (!tried) {
    tried = true;
    Options o;
    o.workers = 1;
    o.force_tier = Tier::kDegraded;
    o.log = [](const std::string& line) { std::cout << "[degraded] " << line << "\n"; };
    try {
      instance = std::make_unique<Sandbox>(o);
    } catch (const std::exception& e) {
      std::cout << "SKIPPED degraded-tier tests because the tier is unavailable: " << e.what() << "\n";
    }
  }
  return instance.get();
}

inline bool has_namespaces(Sandbox& b, const char* test) {
  if (b.tier() == Tier::kNamespacesCgroups || b.tier() == Tier::kNamespaces) return true;
  std::cout << "SKIPPED " << test << " because the kernel refused namespaces: " << b.report().bwrap_error << "\n";
  return false;
}

inline RunResult run(Sandbox& b, const std::string& program, const std::string& input = "", double cpu_s = 1.0,
                     std::size_t memory_mb = 256, double wall_s = 0) {
  RunRequest req;
  req.program = program;
  req.stdin_data = input;
  req.limits.cpu_s = cpu_s;
  req.limits.wall_s = wall_s;
  req.limits.memory_mb = memory_mb;
  return b.run(req);
}

inline std::string describe(const RunResult& r) {
  std::ostringstream s;
  s << to_string(r.verdict) << " (" << r.detail << ") exit=" << r.exit_code << " sig=" << r.signal
    << " wall=" << r.wall_ms << "ms cpu=" << r.cpu_ms << "ms peak=" << r.peak_mem_kb
    << "KiB\nstdout: " << r.stdout_data.substr(0, 600) << "\nstderr: " << r.stderr_tail(8);
  return s.str();
}

inline std::string unique_marker(const char* what) {
  return std::string("trafl-") + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(::rand());
}

// A /proc file, "" when the process vanished meanwhile (never throws).
inline std::string read_proc(const std::string& path) {
  std::string out;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

// Number of live processes whose command line contains marker, or owned by one of the uids.
// Live (non-zombie) processes for which `match(status, cmdline)` holds: one /proc scan for every
// question the sandbox tests ask about processes.
template <typename Match>
int count_processes(Match match) {
  int found = 0;
  DIR* d = ::opendir("/proc");
  if (!d) return 0;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::string base = std::string("/proc/") + e->d_name;
    std::string status = read_proc(base + "/status");
    if (status.empty()) continue;
    if (status.find("State:\tZ") != std::string::npos) continue;  // zombie: already dead
    if (match(status, read_proc(base + "/cmdline"))) ++found;
  }
  ::closedir(d);
  return found;
}

// The first number of a /proc/PID/status line ("Uid", "Pid", "PPid"); -1 when the line is missing.
inline long status_number(const std::string& status, const std::string& key) {
  const std::string line = "\n" + key + ":";
  const auto at = status.find(line);
  return at == std::string::npos ? -1 : std::strtol(status.c_str() + at + line.size(), nullptr, 10);
}

// Processes whose command line holds `marker` or that run as one of `uids`.
inline int leftover_processes(const std::string& marker, const std::vector<unsigned>& uids) {
  return count_processes([&](const std::string& status, const std::string& cmdline) {
    const long uid = status_number(status, "Uid");
    bool by_uid = false;
    for (unsigned u : uids) by_uid |= uid == static_cast<long>(u);
    return (!marker.empty() && cmdline.find(marker) != std::string::npos) || by_uid;
  });
}

// Waits for the tree to disappear and returns what is left. The kill is asynchronous: a killed
// process must still be scheduled to exit, and its children are killed only when it has (their
// PR_SET_PDEATHSIG fires at its exit). On a loaded machine (CI runs ctest -j2 on 2 cores beside
// builds) that chain took over 1 s, so the wait is bounded by a deadline of 15 s, not a short poll;
// a tree that is really left behind still fails, only later.
inline int settled_leftovers(const std::string& marker, const std::vector<unsigned>& uids) {
  int n = 0;
  for (int i = 0; i < 750; ++i) {
    n = leftover_processes(marker, uids);
    if (n == 0) return 0;
    ::usleep(20000);
  }
  return n;
}

struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(fd, 16);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
  bool got_connection() const {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }
};

// A root-owned process the sandbox must not be able to signal.
struct Sentinel {
  pid_t pid = -1;
  Sentinel() {
    pid = ::fork();
    if (pid == 0) {
      for (;;) ::pause();
    }
  }
  bool alive() const {
    int status;
    return ::waitpid(pid, &status, WNOHANG) == 0;
  }
  ~Sentinel() {
    ::kill(pid, SIGKILL);
    int status;
    ::waitpid(pid, &status, 0);
  }
};

}  // namespace trafl::test::sbx
