#include "sandbox/slots.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <algorithm>
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
  const char* p = stat->c_str() + close + 2;       // state
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
      while (::waitpid(helper, &status, 0) < 0 && errno == EINTR) {}
    }
    ::usleep(5000);
  }
}

namespace {

std::string lock_path(unsigned uid) { return std::string(kLockDir) + "/" + std::to_string(uid) + ".lock"; }

// Every creation and removal of a <uid>.lock path happens under an exclusive flock of the
// directory's own lock: a holder's unlink can then never remove a path another process has just
// opened (which would let two processes hold "the" lock of one uid on two inodes).
class DirLock {
 public:
  DirLock() {
    ::mkdir(kLockDir, 0700);
    fd_ = ::open((std::string(kLockDir) + "/.dir.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0)
      while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {}
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

void forget_uid_locks(const std::vector<unsigned>& uids) {
  if (uids.empty()) return;
  DirLock guard;
  for (unsigned uid : uids) ::unlink(lock_path(uid).c_str());
}

bool uid_lock_free(unsigned uid) {
  int fd = ::open(lock_path(uid).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return true;
  bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);
  return free;
}

int sweep_stale_uid_locks() {
  DirLock guard;
  int removed = 0;
  DIR* d = ::opendir(kLockDir);
  if (!d) return 0;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".lock") == 0 && name[0] != '.') names.push_back(name);
  }
  ::closedir(d);
  for (const auto& name : names) {
    std::string path = std::string(kLockDir) + "/" + name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0 && ::unlink(path.c_str()) == 0) ++removed;
    ::close(fd);
  }
  return removed;
}

std::vector<SlotUid> acquire_slot_uids(unsigned base, unsigned n) {
  DirLock guard;
  std::vector<SlotUid> out;
  for (unsigned uid = base; uid < base + 4096 && out.size() < n; ++uid) {
    if (::getpwuid(uid) != nullptr || ::getgrgid(uid) != nullptr) continue;
    std::string path = lock_path(uid);
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      int err = errno;
      for (auto& s : out) release_locked(s);
      throw UsageError("sandbox: cannot create " + path + ": " + errno_text(err));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;  // held by another running trafl-eval
    }
    if (uid_has_processes(uid)) kill_uid_processes(uid);  // a crashed earlier holder
    out.push_back(SlotUid{uid, fd});
  }
  if (out.size() < n) {
    for (auto& s : out) release_locked(s);
    throw UsageError("sandbox: cannot find " + std::to_string(n) + " free slot uids from " + std::to_string(base));
  }
  return out;
}

void release_locked(SlotUid& slot) {
  if (slot.lock_fd < 0) return;
  ::unlink(lock_path(slot.uid).c_str());  // still holding its flock: nobody else holds this path
  ::close(slot.lock_fd);
  slot.lock_fd = -1;
}

void release_slot_uid(SlotUid& slot) {
  if (slot.lock_fd < 0) return;
  DirLock guard;
  release_locked(slot);
}

int remove_uid_sysv_ipc(unsigned uid) {
  int removed = 0;
  struct Kind {
    const char* file;
    const char* id_column;
    int (*remove)(int);
  };
  static const Kind kinds[] = {
      {"/proc/sysvipc/shm", "shmid", [](int id) { return ::shmctl(id, IPC_RMID, nullptr); }},
      {"/proc/sysvipc/msg", "msqid", [](int id) { return ::msgctl(id, IPC_RMID, nullptr); }},
      {"/proc/sysvipc/sem", "semid", [](int id) { return ::semctl(id, 0, IPC_RMID); }},
  };
  for (const Kind& k : kinds) {
    auto text = read_small(k.file);
    if (!text) continue;
    std::vector<std::vector<std::string>> rows;
    std::size_t pos = 0;
    while (pos < text->size()) {
      std::size_t end = text->find('\n', pos);
      if (end == std::string::npos) end = text->size();
      std::vector<std::string> cols;
      std::size_t i = pos;
      while (i < end) {
        while (i < end && (*text)[i] == ' ') ++i;
        std::size_t b = i;
        while (i < end && (*text)[i] != ' ') ++i;
        if (i > b) cols.push_back(text->substr(b, i - b));
      }
      if (!cols.empty()) rows.push_back(std::move(cols));
      pos = end + 1;
    }
    if (rows.empty()) continue;
    // Columns by their header names: the layouts differ between the three files.
    int c_id = -1, c_uid = -1, c_cuid = -1;
    for (std::size_t c = 0; c < rows[0].size(); ++c) {
      if (rows[0][c] == k.id_column) c_id = static_cast<int>(c);
      if (rows[0][c] == "uid") c_uid = static_cast<int>(c);
      if (rows[0][c] == "cuid") c_cuid = static_cast<int>(c);
    }
    if (c_id < 0 || c_uid < 0 || c_cuid < 0) continue;
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const auto& row = rows[r];
      if (row.size() <= static_cast<std::size_t>(std::max({c_id, c_uid, c_cuid}))) continue;
      std::string u = std::to_string(uid);
      if (row[c_uid] != u && row[c_cuid] != u) continue;
      if (k.remove(static_cast<int>(std::strtol(row[c_id].c_str(), nullptr, 10))) == 0) ++removed;
    }
  }
  return removed;
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
