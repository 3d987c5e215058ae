#pragma once
// bubblewrap command line for the namespace tiers (T1/T2). Internal.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace trafl::sandbox::detail {

struct BwrapSpec {
  std::string bwrap;   // path of the bwrap binary
  std::string python;  // the real interpreter binary (path inside == path outside)
  std::string prefix;  // sys.base_prefix, bound read-only at the same path
  std::size_t scratch_bytes = 64u << 20;
  int info_fd = -1;                                // --info-fd (reports child-pid once set up)
  int seccomp_fd = -1;                             // --seccomp, -1 for none
  int program_fd = -1;                             // --ro-bind-data -> /box/prog.py
  std::vector<std::pair<int, std::string>> files;  // --ro-bind-data fd -> /box/<name>
  std::vector<std::string> python_flags;           // e.g. -S -I -B
  std::vector<std::string> args;                   // sys.argv[1:]
};

std::vector<std::string> bwrap_argv(const BwrapSpec& spec);

// A file name allowed in /box: non-empty, no '/', not "." / "..", not prog.py, printable.
bool valid_box_name(const std::string& name);

}  // namespace trafl::sandbox::detail
