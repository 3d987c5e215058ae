#include "sandbox/cleanup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "sandbox/reaper.hpp"
#include "sandbox/slots.hpp"

namespace trafl::sandbox::detail {

namespace {

const char* kScratchPrefix = "trafl-sandbox-";

std::mutex g_mu;
// Never destroyed: the process-wide sandbox is a static whose destructor unregisters its runs at
// exit, which may come after this file's statics are gone (a destroyed map here was a double free).
std::map<int, Leftovers>& g_live = *new std::map<int, Leftovers>;
int g_next = 0;
int g_pipe[2] = {-1, -1};

void remove_leftovers(const Leftovers& l) {
  for (unsigned uid : l.uids) {
    if (uid_has_processes(uid)) kill_uid_processes(uid);
    remove_uid_sysv_ipc(uid);
  }
  std::string mine = "-p" + std::to_string(::getpid()) + "-";
  remove_cgroups_if(l.cgroups, [&](const std::string& name) { return name.find(mine) != std::string::npos; });
  if (!l.scratch_base.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(l.scratch_base, ec);
  }
  forget_uid_locks(l.uids);
  // Everything is gone already; the reaper must not kill a uid another process may take next.
  tell_reaper_to_stand_down(l.reaper_fd);
}

void on_signal(int sig) {
  int saved = errno;
  unsigned char b = static_cast<unsigned char>(sig);
  if (::write(g_pipe[1], &b, 1) < 0) {}
  errno = saved;
}

void watch() {
  for (;;) {
    unsigned char sig = 0;
    ssize_t n = ::read(g_pipe[0], &sig, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1) return;
    {
      std::lock_guard<std::mutex> lock(g_mu);
      for (const auto& [id, l] : g_live) remove_leftovers(l);
      g_live.clear();
    }
    ::signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    ::pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    ::raise(sig);
    ::_exit(128 + sig);  // not reached unless the signal is blocked elsewhere
  }
}

// Installs the handlers once, each only where the action is still the default (a program that
// handles or ignores the signal itself keeps its choice; nohup's SIGHUP stays ignored).
void install_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (::pipe2(g_pipe, O_CLOEXEC) != 0) return;
    std::thread(watch).detach();
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
      struct sigaction old {};
      if (::sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO)) continue;
      struct sigaction sa {};
      sa.sa_handler = on_signal;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = SA_RESTART;
      ::sigaction(sig, &sa, nullptr);
    }
  });
}

bool process_gone(long pid) { return pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH; }

}  // namespace

int register_leftovers(Leftovers leftovers) {
  install_once();
  std::lock_guard<std::mutex> lock(g_mu);
  int id = g_next++;
  g_live.emplace(id, std::move(leftovers));
  return id;
}

void unregister_leftovers(int handle) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_live.erase(handle);
}

std::string make_scratch_base(int& lock_fd) {
  lock_fd = -1;
  std::string tmpl = std::string("/tmp/") + kScratchPrefix + "XXXXXX";
  if (!::mkdtemp(tmpl.data())) return "";
  ::chmod(tmpl.c_str(), 0711);
  lock_fd = ::open(tmpl.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock_fd >= 0) ::flock(lock_fd, LOCK_EX);
  return tmpl;
}

std::string sweep_stale_leftovers(const CgroupLayout& layout) {
  int dirs = 0, groups = 0;
  // Scratch directories: ours (same owner), at least 2 s old (never one whose creator has not
  // taken its flock yet), and whose flock is free.
  if (DIR* d = ::opendir("/tmp")) {
    std::vector<std::string> stale;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind(kScratchPrefix, 0) != 0) continue;
      std::string path = "/tmp/" + name;
      struct stat st {};
      if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
      if (std::time(nullptr) - st.st_ctime < 2) continue;
      int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) stale.push_back(path);
      ::close(fd);
    }
    ::closedir(d);
    for (const auto& path : stale) {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
      ++dirs;
    }
  }
  // Run cgroups u<uid>-p<pid>-s<slot>: stale when the process is gone or nobody holds the uid.
  if (layout.any()) {
    remove_cgroups_if(layout, [&](const std::string& name) {
      unsigned long uid = std::strtoul(name.c_str() + 1, nullptr, 10);
      auto p = name.find("-p");
      long pid = p == std::string::npos ? 0 : std::strtol(name.c_str() + p + 2, nullptr, 10);
      bool stale = process_gone(pid) || (uid != 0 && uid_lock_free(static_cast<unsigned>(uid)));
      groups += stale;
      return stale;
    });
  }
  int locks = ::geteuid() == 0 ? sweep_stale_uid_locks() : 0;
  if (dirs + groups + locks == 0) return "";
  return "removed what killed runs left: " + std::to_string(dirs) + " scratch dirs, " + std::to_string(groups) +
         " cgroups, " + std::to_string(locks) + " uid lock files";
}

}  // namespace trafl::sandbox::detail
