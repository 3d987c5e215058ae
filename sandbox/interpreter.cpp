#include "sandbox/interpreter.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <vector>

#include "core/error.hpp"
#include "sandbox/fsutil.hpp"

extern char** environ;

namespace trafl::sandbox::detail {

Interpreter resolve_interpreter(const std::string& command) {
  std::string cmd = command.empty() ? "python3" : command;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw UsageError("sandbox: pipe2: " + errno_text(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  const char* code =
      "import sys,os;print(os.path.realpath(sys.executable));print(sys.base_prefix);"
      "print('%d.%d.%d' % sys.version_info[:3])";
  std::vector<const char*> argv = {cmd.c_str(), "-I", "-S", "-c", code, nullptr};
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, cmd.c_str(), &actions, nullptr, const_cast<char* const*>(argv.data()), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    throw UsageError("sandbox: cannot start the Python interpreter '" + cmd + "': " + errno_text(rc));
  }
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw UsageError("sandbox: the Python interpreter '" + cmd + "' failed to report sys.executable");
  }
  Interpreter interp;
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (pos < out.size()) {
    std::size_t end = out.find('\n', pos);
    if (end == std::string::npos) end = out.size();
    lines.push_back(out.substr(pos, end - pos));
    pos = end + 1;
  }
  if (lines.size() < 3 || lines[0].empty() || lines[0][0] != '/') {
    throw UsageError("sandbox: unexpected answer from the Python interpreter '" + cmd + "': " + out);
  }
  char real[PATH_MAX];
  interp.executable = ::realpath(lines[0].c_str(), real) ? real : lines[0];
  interp.prefix = ::realpath(lines[1].c_str(), real) ? real : lines[1];
  interp.version = lines[2];
  return interp;
}

}  // namespace trafl::sandbox::detail
