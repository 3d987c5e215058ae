#include "sandbox/slots.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "core/error.hpp"
#include "sandbox/fsutil.hpp"
#include "sandbox/launch.hpp"

namespace trafl::sandbox::detail {

namespace {

const char* kLockDir = "/run/trafl-sandbox";

// Real uid from /proc/<pid>/status ("Uid:\t<real>\t<eff>..."); -1 when unreadable.
long proc_uid(const std::string& pid) {
  auto status = read_small("/proc/" + pid + "/status");
  if (!status) return -1;
  auto pos = status->find("\nUid:");
  if (pos == std::string::npos) return -1;
  return std::strtol(status->c_str() + pos + 5, nullptr, 10);
}

// Session id: field 6 of /proc/<pid>/stat (after the parenthesised comm).
long proc_sid(const std::string& pid) {
  auto stat = read_small("/proc/" + pid + "/stat");
  if (!stat) return -1;
  auto close = stat->rfind(')');
  if (close == std::string::npos) return -1;
  const char* p = stat->c_str() + close + 2;  // state
  for (int field = 0; field < 3 && *p; ++field) {  // state, ppid, pgrp -> session
    while (*p && *p != ' ') ++p;
    while (*p == ' ') ++p;
  }
  return std::strtol(p, nullptr, 10);
}

}  // namespace

bool uid_has_processes(unsigned uid) {
  DIR* d = ::opendir("/proc");
  if (!d) return false;
  bool found = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    if (proc_uid(e->d_name) == static_cast<long>(uid)) {
      found = true;
      break;
    }
  }
  ::closedir(d);
  return found;
}

void kill_uid_processes(unsigned uid) {
  for (int round = 0; round < 20 && uid_has_processes(uid); ++round) {
    pid_t helper = detail::fork_without_atfork_handlers();  // only raw syscalls in the child
    if (helper == 0) {
      if (::syscall(SYS_setresgid, uid, uid, uid) == 0 && ::syscall(SYS_setresuid, uid, uid, uid) == 0) {
        ::kill(-1, SIGKILL);
      }
      ::_exit(0);
    }
    if (helper > 0) {
      int status;
      while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {
      }
    }
    ::usleep(5000);
  }
}

std::vector<SlotUid> acquire_slot_uids(unsigned base, unsigned n) {
  ::mkdir(kLockDir, 0700);
  std::vector<SlotUid> out;
  for (unsigned uid = base; uid < base + 4096 && out.size() < n; ++uid) {
    if (::getpwuid(uid) != nullptr || ::getgrgid(uid) != nullptr) continue;
    std::string path = std::string(kLockDir) + "/" + std::to_string(uid) + ".lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw UsageError("sandbox: cannot create " + path + ": " + errno_text(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;  // held by another running trafl-eval
    }
    if (uid_has_processes(uid)) kill_uid_processes(uid);  // a crashed earlier holder
    out.push_back(SlotUid{uid, fd});
  }
  if (out.size() < n) {
    for (auto& s : out) release_slot_uid(s);
    throw UsageError("sandbox: cannot find " + std::to_string(n) + " free slot uids from " + std::to_string(base));
  }
  return out;
}

void release_slot_uid(SlotUid& slot) {
  if (slot.lock_fd >= 0) ::close(slot.lock_fd);
  slot.lock_fd = -1;
}

void reap_run_orphans(int leader_sid, unsigned uid) {
  std::string self = std::to_string(::getpid());
  DIR* tasks = ::opendir(("/proc/" + self + "/task").c_str());
  if (!tasks) return;
  std::vector<std::string> children;
  while (dirent* t = ::readdir(tasks)) {
    if (t->d_name[0] == '.') continue;
    auto list = read_small("/proc/" + self + "/task/" + t->d_name + "/children");
    if (!list) continue;
    std::size_t pos = 0;
    while (pos < list->size()) {
      std::size_t end = list->find(' ', pos);
      if (end == std::string::npos) end = list->size();
      if (end > pos) children.push_back(list->substr(pos, end - pos));
      pos = end + 1;
    }
  }
  ::closedir(tasks);
  for (const auto& pid : children) {
    if (pid.empty() || pid[0] < '0' || pid[0] > '9') continue;
    bool ours = proc_sid(pid) == leader_sid || (uid != 0 && proc_uid(pid) == static_cast<long>(uid));
    if (!ours) continue;
    pid_t p = static_cast<pid_t>(std::strtol(pid.c_str(), nullptr, 10));
    ::kill(p, SIGKILL);
    for (int i = 0; i < 200; ++i) {
      int status;
      pid_t r = ::waitpid(p, &status, WNOHANG | __WALL);
      if (r != 0) break;  // reaped, or not ours after all (ECHILD)
      ::usleep(1000);
    }
  }
}

}  // namespace trafl::sandbox::detail
