#include "benchmarks/lcb_release.hpp"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>

#include "core/error.hpp"

namespace trafl::lcb {

namespace {

// "v12" at s[pos…] → 12, advancing pos; 0 when there is no "v<digits>" there.
int read_v(const std::string& s, std::size_t& pos) {
  if (pos >= s.size() || s[pos] != 'v') return 0;
  std::size_t i = pos + 1;
  int n = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && n < 1000) n = n * 10 + (s[i++] - '0');
  if (i == pos + 1) return 0;
  pos = i;
  return n;
}

[[noreturn]] void bad(const std::string& tag, const std::string& why) {
  throw UsageError(fmt::format("--release '{}': {} (use release_v1 … release_v{}, release_latest, v1 … v{}, or vX_vY)",
                               tag, why, kLatestRelease, kLatestRelease));
}

}  // namespace

Release parse_release(const std::string& tag) {
  Release r;
  r.tag = tag;
  if (tag == "release_latest") return r;
  std::size_t pos = 0;
  bool cumulative = tag.rfind("release_", 0) == 0;
  if (cumulative) pos = 8;
  int a = read_v(tag, pos);
  if (a == 0) bad(tag, "not a release tag");
  int b = a;
  if (!cumulative && pos < tag.size() && tag[pos] == '_') {
    ++pos;
    b = read_v(tag, pos);
    if (b == 0) bad(tag, "not a release tag");
  }
  if (pos != tag.size()) bad(tag, "not a release tag");
  if (a < 1 || b > kLatestRelease || a > b) bad(tag, fmt::format("releases run from v1 to v{}", kLatestRelease));
  r.first = cumulative ? 1 : a;
  r.last = b;
  return r;
}

std::string release_file_name(int version) {
  return version == 1 ? std::string("test.jsonl") : fmt::format("test{}.jsonl", version);
}

std::vector<std::string> release_files(const std::string& dir, const Release& release) {
  std::vector<std::string> files;
  for (int v = release.first; v <= release.last; ++v) {
    auto path = (std::filesystem::path(dir) / release_file_name(v)).string();
    if (!std::filesystem::is_regular_file(path))
      throw InputError(path, 0, "",
                       fmt::format("missing: --release {} needs {} … {} in {}", release.tag,
                                   release_file_name(release.first), release_file_name(release.last), dir));
    files.push_back(path);
  }
  return files;
}

int parse_version_label(const std::string& label) {
  std::size_t pos = 0;
  int v = read_v(label, pos);
  return pos == label.size() ? v : 0;
}

}  // namespace trafl::lcb
