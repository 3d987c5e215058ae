#pragma once
// LiveCodeBench release tags → the published code_generation_lite files (formats doc §d5).
//   release_vN      test.jsonl … testN.jsonl (cumulative; release_v1 = 400 problems … release_v6 = 1055)
//   release_latest  all six files
//   vN              testN.jsonl only (the file that release N added; v1 = test.jsonl)
//   vX_vY           files X … Y (e.g. v4_v5 = test4.jsonl + test5.jsonl, 268 problems)
// A file (rather than a directory) with --release keeps the rows whose `_version` field ("v5") is in
// the tag's range: that is how re-packaged copies (e.g. ../shared/data's v5+v6 file) mark rows.
#include <string>
#include <vector>

namespace trafl::lcb {

constexpr int kLatestRelease = 6;  // release_latest = release_v6 as published (1055 problems)

struct Release {
  std::string tag;  // as given
  int first = 1;    // file range, 1-based, inclusive
  int last = kLatestRelease;
  bool contains(int version) const { return version >= first && version <= last; }
};

// UsageError for anything that is not one of the tags above (or a range out of 1…6).
Release parse_release(const std::string& tag);

// "test.jsonl" for 1, "testN.jsonl" otherwise.
std::string release_file_name(int version);

// The files of `release` under `dir`, in order; InputError naming the first one that is missing.
std::vector<std::string> release_files(const std::string& dir, const Release& release);

// "v5" → 5; anything else → 0.
int parse_version_label(const std::string& label);

}  // namespace trafl::lcb
