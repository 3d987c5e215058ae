#define PCRE2_CODE_UNIT_WIDTH 8
#include "grading/regex_util.hpp"

#include <pcre2.h>

#include <cstdio>
#include <cstdlib>

namespace trafl::grading {

struct Regex::Impl {
  pcre2_code* code = nullptr;
};

Regex::Regex(const char* pattern) : impl_(new Impl) {
  int err = 0;
  PCRE2_SIZE offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED, 0, &err, &offset, nullptr);
  if (!impl_->code) {
    std::fprintf(stderr, "internal error: bad regex %s at %zu\n", pattern, static_cast<std::size_t>(offset));
    std::abort();
  }
}

Regex::~Regex() { pcre2_code_free(impl_->code); }

std::string Regex::replace_all(std::string_view subject, const char* replacement) const {
  pcre2_match_context* mctx = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(mctx, 1000000);
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  std::string out(subject.size() * 2 + 64, '\0');
  PCRE2_SIZE outlen = out.size();
  int rc = pcre2_substitute(impl_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                            PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH, md, mctx,
                            reinterpret_cast<PCRE2_SPTR>(replacement), PCRE2_ZERO_TERMINATED,
                            reinterpret_cast<PCRE2_UCHAR*>(out.data()), &outlen);
  if (rc == PCRE2_ERROR_NOMEMORY) {  // outlen now holds the size needed
    out.assign(outlen, '\0');
    rc = pcre2_substitute(impl_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                          PCRE2_SUBSTITUTE_GLOBAL, md, mctx, reinterpret_cast<PCRE2_SPTR>(replacement),
                          PCRE2_ZERO_TERMINATED, reinterpret_cast<PCRE2_UCHAR*>(out.data()), &outlen);
  }
  pcre2_match_data_free(md);
  pcre2_match_context_free(mctx);
  if (rc < 0) return std::string(subject);
  out.resize(outlen);
  return out;
}

}  // namespace trafl::grading
