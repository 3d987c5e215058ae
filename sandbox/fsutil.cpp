#include "sandbox/fsutil.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace trafl::sandbox::detail {

std::optional<std::string> read_small(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[8192];
  while (out.size() < (1u << 20)) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

bool write_text(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::write(fd, text.data(), text.size());
  int err = errno;
  ::close(fd);
  errno = err;
  return n == static_cast<ssize_t>(text.size());
}

std::optional<std::uint64_t> keyed_value(const std::string& text, const std::string& key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    if (text.compare(pos, key.size(), key) == 0 && pos + key.size() < end && text[pos + key.size()] == ' ') {
      return std::strtoull(text.c_str() + pos + key.size() + 1, nullptr, 10);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> read_u64(const std::string& path) {
  auto text = read_small(path);
  if (!text || text->empty()) return std::nullopt;
  if (text->compare(0, 3, "max") == 0) return UINT64_MAX;
  return std::strtoull(text->c_str(), nullptr, 10);
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

bool traversable_by_others(const std::string& path, std::string* first_blocked) {
  std::string cur;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t next = path.find('/', pos);
    if (next == std::string::npos) next = path.size();
    cur = path.substr(0, next);
    if (cur.empty()) cur = "/";
    struct stat st {};
    if (::stat(cur.c_str(), &st) != 0) {
      if (first_blocked) *first_blocked = cur;
      return false;
    }
    if (S_ISDIR(st.st_mode) && !(st.st_mode & S_IXOTH)) {
      if (first_blocked) *first_blocked = cur;
      return false;
    }
    pos = next + 1;
  }
  return true;
}

std::string errno_text(int err) { return std::strerror(err); }

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace trafl::sandbox::detail
