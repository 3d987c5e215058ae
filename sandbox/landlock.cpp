#include "sandbox/landlock.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "sandbox/fsutil.hpp"

namespace trafl::sandbox::detail {

namespace {

constexpr long kCreateRuleset = 444, kAddRule = 445, kRestrictSelf = 446;
constexpr std::uint32_t kCreateRulesetVersion = 1u << 0;
constexpr int kRulePathBeneath = 1;

enum : std::uint64_t {
  kExecute = 1ull << 0,
  kWriteFile = 1ull << 1,
  kReadFile = 1ull << 2,
  kReadDir = 1ull << 3,
  kRemoveDir = 1ull << 4,
  kRemoveFile = 1ull << 5,
  kMakeChar = 1ull << 6,
  kMakeDir = 1ull << 7,
  kMakeReg = 1ull << 8,
  kMakeSock = 1ull << 9,
  kMakeFifo = 1ull << 10,
  kMakeBlock = 1ull << 11,
  kMakeSym = 1ull << 12,
  kRefer = 1ull << 13,
  kTruncate = 1ull << 14,
  kIoctlDev = 1ull << 15,
};
constexpr std::uint64_t kNetBindTcp = 1ull << 0, kNetConnectTcp = 1ull << 1;
constexpr std::uint64_t kScopeAbstractUnix = 1ull << 0, kScopeSignal = 1ull << 1;

struct RulesetAttr {
  std::uint64_t handled_access_fs;
  std::uint64_t handled_access_net;
  std::uint64_t scoped;
};
struct __attribute__((packed)) PathBeneathAttr {
  std::uint64_t allowed_access;
  std::int32_t parent_fd;
};

std::uint64_t fs_rights(int abi) {
  std::uint64_t r = (1ull << 13) - 1;  // ABI 1: bits 0..12
  if (abi >= 2) r |= kRefer;
  if (abi >= 3) r |= kTruncate;
  if (abi >= 5) r |= kIoctlDev;
  return r;
}

}  // namespace

int landlock_abi() {
  long abi = ::syscall(kCreateRuleset, nullptr, 0, kCreateRulesetVersion);
  return abi < 0 ? 0 : static_cast<int>(abi);
}

int landlock_ruleset(int abi, const std::vector<std::string>& ro_paths, const std::vector<std::string>& rw_paths,
                     std::string& err) {
  if (abi <= 0) {
    err = "Landlock unavailable";
    return -1;
  }
  const std::uint64_t handled = fs_rights(abi);
  RulesetAttr attr{handled, 0, 0};
  std::size_t size = 8;
  if (abi >= 4) {
    attr.handled_access_net = kNetBindTcp | kNetConnectTcp;
    size = 16;
  }
  if (abi >= 6) {
    attr.scoped = kScopeAbstractUnix | kScopeSignal;
    size = 24;
  }
  int ruleset = static_cast<int>(::syscall(kCreateRuleset, &attr, size, 0));
  if (ruleset < 0) {
    err = "landlock_create_ruleset: " + errno_text(errno);
    return -1;
  }
  const std::uint64_t file_only = handled & (kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev);
  auto add = [&](const std::string& path, std::uint64_t rights) -> bool {
    int fd = ::open(path.c_str(), O_PATH | O_CLOEXEC);
    if (fd < 0) return true;  // absent: nothing to allow
    struct stat st {};
    ::fstat(fd, &st);
    PathBeneathAttr rule{S_ISDIR(st.st_mode) ? rights : (rights & file_only), fd};
    long rc = ::syscall(kAddRule, ruleset, kRulePathBeneath, &rule, 0);
    int e = errno;
    ::close(fd);
    if (rc != 0) {
      err = "landlock_add_rule " + path + ": " + errno_text(e);
      return false;
    }
    return true;
  };
  for (const auto& p : ro_paths) {
    if (!add(p, handled & (kExecute | kReadFile | kReadDir))) {
      ::close(ruleset);
      return -1;
    }
  }
  for (const auto& p : rw_paths) {
    if (!add(p, handled)) {
      ::close(ruleset);
      return -1;
    }
  }
  return ruleset;
}

int landlock_restrict_self_fd(int ruleset_fd) { return static_cast<int>(::syscall(kRestrictSelf, ruleset_fd, 0)); }

}  // namespace trafl::sandbox::detail
