#include "sandbox/bwrap.hpp"

#include <sys/stat.h>

namespace trafl::sandbox::detail {

namespace {

bool is_symlink(const char* path) {
  struct stat st {};
  return ::lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

bool under(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/');
}

}  // namespace

bool valid_box_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name == "prog.py" || name.size() > 200) return false;
  for (char c : name) {
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::vector<std::string> bwrap_argv(const BwrapSpec& s) {
  std::vector<std::string> a = {s.bwrap,
                                "--unshare-all",
                                "--unshare-user",
                                "--disable-userns",
                                "--die-with-parent",
                                "--new-session",
                                "--uid",
                                "65534",
                                "--gid",
                                "65534",
                                "--cap-drop",
                                "ALL",
                                "--hostname",
                                "sandbox",
                                "--ro-bind",
                                "/usr",
                                "/usr"};
  // Merged-/usr systems have /lib -> usr/lib etc.; elsewhere bind the real directories.
  for (const char* dir : {"/bin", "/lib", "/lib64", "/lib32", "/libx32", "/sbin"}) {
    if (is_symlink(dir)) {
      a.insert(a.end(), {"--symlink", std::string("usr") + dir, dir});
    } else {
      a.insert(a.end(), {"--ro-bind-try", dir, dir});
    }
  }
  if (!s.prefix.empty() && !under(s.prefix, "/usr")) a.insert(a.end(), {"--ro-bind", s.prefix, s.prefix});
  if (!under(s.python, "/usr") && !under(s.python, s.prefix)) a.insert(a.end(), {"--ro-bind", s.python, s.python});
  const std::string size = std::to_string(s.scratch_bytes);
  a.insert(a.end(), {"--ro-bind-try",
                     "/etc/ld.so.cache",
                     "/etc/ld.so.cache",
                     "--ro-bind-try",
                     "/etc/localtime",
                     "/etc/localtime",
                     "--proc",
                     "/proc",
                     "--dev",
                     "/dev",
                     "--size",
                     std::to_string(16u << 20),
                     "--tmpfs",
                     "/dev/shm",
                     "--remount-ro",
                     "/dev",
                     "--size",
                     size,
                     "--tmpfs",
                     "/tmp",
                     "--size",
                     size,
                     "--tmpfs",
                     "/box"});
  a.insert(a.end(), {"--ro-bind-data", std::to_string(s.program_fd), "/box/prog.py"});
  for (const auto& [fd, name] : s.files) a.insert(a.end(), {"--ro-bind-data", std::to_string(fd), "/box/" + name});
  a.insert(a.end(), {"--remount-ro",
                     "/",
                     "--chdir",
                     "/box",
                     "--clearenv",
                     "--setenv",
                     "PATH",
                     "/usr/bin:/bin",
                     "--setenv",
                     "HOME",
                     "/tmp",
                     "--setenv",
                     "TMPDIR",
                     "/tmp",
                     "--setenv",
                     "LANG",
                     "C.UTF-8",
                     "--setenv",
                     "MALLOC_ARENA_MAX",
                     "2",
                     "--info-fd",
                     std::to_string(s.info_fd)});
  if (s.seccomp_fd >= 0) a.insert(a.end(), {"--seccomp", std::to_string(s.seccomp_fd)});
  a.push_back("--");
  a.push_back(s.python);
  a.insert(a.end(), s.python_flags.begin(), s.python_flags.end());
  a.push_back("/box/prog.py");
  a.insert(a.end(), s.args.begin(), s.args.end());
  return a;
}

}  // namespace trafl::sandbox::detail
