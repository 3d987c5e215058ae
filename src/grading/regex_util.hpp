#pragma once
// A compiled PCRE2 pattern with Python re.sub-like global substitution. Compiled once (patterns
// are immutable and shareable between threads); each call uses its own match data. A match
// limit keeps pathological backtracking bounded; on any PCRE2 error the input is returned as is.
#include <memory>
#include <string>
#include <string_view>

namespace trafl::grading {

class Regex {
 public:
  explicit Regex(const char* pattern);  // aborts the process on a bad pattern (a programming error)
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Replace all matches; `replacement` uses PCRE2 syntax ($1, $$ for a literal dollar).
  std::string replace_all(std::string_view subject, const char* replacement) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trafl::grading
