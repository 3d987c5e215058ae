// Pre-tokenizers: Split (PCRE2), ByteLevel, Digits, Sequence; and the PCRE2 wrapper.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <stdexcept>

#include "tokenizer/internal.hpp"

namespace trafl::tok::detail {

namespace {

// Oniguruma (which `tokenizers` uses) gives \s the Unicode White_Space set; PCRE2 with UCP uses Perl space
// (Z + \t\n\v\f\r), which lacks U+0085. Add it, so that both engines agree.
std::string onig_compatible(const std::string& p) {
  std::string out;
  out.reserve(p.size() + 16);
  bool in_class = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[i + 1];
      if (n == 's') {
        out += in_class ? "\\s\\x{85}" : "[\\s\\x{85}]";
      } else if (n == 'S' && !in_class) {
        out += "[^\\s\\x{85}]";
      } else {
        out += c;
        out += n;
      }
      ++i;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal.
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      continue;
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

std::string escape_literal(const std::string& s) {
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x80 && !std::isalnum(u)) out += '\\';
    out += c;
  }
  return out;
}

const char* kGpt2Regex = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

void split_pieces(std::vector<NormalizedString>& pieces, SplitBehavior behavior, bool invert,
                  const std::function<std::vector<Span>(const std::string&)>& find) {
  std::vector<NormalizedString> out;
  out.reserve(pieces.size());
  for (auto& piece : pieces) {
    auto kept = apply_split_behavior(find(piece.text), behavior, invert);
    if (kept.size() == 1 && kept[0].first == 0 && kept[0].second == piece.text.size()) {
      out.push_back(std::move(piece));
      continue;
    }
    for (auto [b, e] : kept) out.push_back(piece.slice(b, e));
  }
  pieces = std::move(out);
}

class SplitPreTokenizer : public PreTokenizer {
 public:
  SplitPreTokenizer(const std::string& pattern, SplitBehavior behavior, bool invert, const Ctx& ctx)
      : regex_(pattern, ctx), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(std::vector<NormalizedString>& pieces) const override {
    split_pieces(pieces, behavior_, invert_,
                 [this](const std::string& t) { return cover_with_matches(regex_.find_all(t), t.size()); });
  }

 private:
  Regex regex_;
  SplitBehavior behavior_;
  bool invert_;
};

class ByteLevelPreTokenizer : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex, const Ctx& ctx) : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_ = std::make_unique<Regex>(kGpt2Regex, ctx);
  }
  void pre_tokenize(std::vector<NormalizedString>& pieces) const override {
    if (add_prefix_space_) {
      for (auto& p : pieces) {
        if (!p.text.empty() && p.text[0] != ' ') {
          NormalizedString q;
          q.append_replaced(" ", p.start[0], p.start[0]);
          q.append(p);
          p = std::move(q);
        }
      }
    }
    if (regex_) {
      split_pieces(pieces, SplitBehavior::kIsolated, false,
                   [this](const std::string& t) { return cover_with_matches(regex_->find_all(t), t.size()); });
    }
    for (auto& p : pieces) {
      NormalizedString q;
      q.text.reserve(p.text.size() * 2);
      for (std::size_t i = 0; i < p.text.size(); ++i) {
        q.append_replaced(byte_to_unicode(static_cast<std::uint8_t>(p.text[i])), p.start[i], p.end[i]);
      }
      p = std::move(q);
    }
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<Regex> regex_;
};

class DigitsPreTokenizer : public PreTokenizer {
 public:
  explicit DigitsPreTokenizer(bool individual) : individual_(individual) {}
  void pre_tokenize(std::vector<NormalizedString>& pieces) const override {
    split_pieces(pieces, individual_ ? SplitBehavior::kIsolated : SplitBehavior::kContiguous, false,
                 [](const std::string& t) {
                   // HF's char-predicate Pattern: every numeric char is its own match.
                   std::vector<Span> spans;
                   if (t.empty()) return std::vector<Span>{{0, 0, false}};
                   std::size_t last = 0, i = 0;
                   while (i < t.size()) {
                     std::uint32_t cp;
                     std::size_t len = utf8_decode(t, i, &cp);
                     if (is_unicode_numeric(cp)) {
                       if (last < i) spans.push_back({last, i, false});
                       spans.push_back({i, i + len, true});
                       last = i + len;
                     }
                     i += len;
                   }
                   if (last < t.size()) spans.push_back({last, t.size(), false});
                   return spans;
                 });
  }

 private:
  bool individual_;
};

class SequencePreTokenizer : public PreTokenizer {
 public:
  std::vector<std::unique_ptr<PreTokenizer>> parts;
  void pre_tokenize(std::vector<NormalizedString>& pieces) const override {
    for (const auto& p : parts) p->pre_tokenize(pieces);
  }
};

}  // namespace

// ---- Regex ---------------------------------------------------------------------------------------------

Regex::Regex(const std::string& pattern, const Ctx& ctx) {
  std::string p = onig_compatible(pattern);
  int err = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code =
      pcre2_compile(reinterpret_cast<PCRE2_SPTR>(p.data()), p.size(), PCRE2_UTF | PCRE2_UCP, &err, &offset, nullptr);
  if (!code) {
    PCRE2_UCHAR buf[256];
    pcre2_get_error_message(err, buf, sizeof buf);
    fail(ctx, "regex does not compile (" + std::string(reinterpret_cast<const char*>(buf)) + " at offset " +
                  std::to_string(offset) + "): " + pattern);
  }
  pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // optional speed-up; the interpreter is used if it fails
  code_ = code;
}

Regex::~Regex() { pcre2_code_free(static_cast<pcre2_code*>(code_)); }

std::vector<std::pair<std::size_t, std::size_t>> Regex::find_all(std::string_view text) const {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  auto* code = static_cast<pcre2_code*>(code_);
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code, nullptr);
  if (!md) throw std::bad_alloc();
  std::size_t pos = 0;
  while (pos <= text.size()) {
    int rc =
        pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      pcre2_match_data_free(md);
      PCRE2_UCHAR buf[256];
      pcre2_get_error_message(rc, buf, sizeof buf);
      throw std::runtime_error("tokenizer regex match failed: " + std::string(reinterpret_cast<const char*>(buf)));
    }
    PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    std::size_t s = ov[0], e = ov[1];
    out.emplace_back(s, e);
    if (e > s) {
      pos = e;
    } else {  // empty match: step over one character
      if (e >= text.size()) break;
      std::uint32_t cp;
      pos = e + utf8_decode(text, e, &cp);
    }
  }
  pcre2_match_data_free(md);
  return out;
}

// ---- split behaviours (tokenizers/src/tokenizer/normalizer.rs, NormalizedString::split) -------------------

std::vector<Span> cover_with_matches(const std::vector<std::pair<std::size_t, std::size_t>>& matches,
                                     std::size_t length) {
  if (length == 0) return {{0, 0, false}};
  std::vector<Span> spans;
  spans.reserve(matches.size() * 2 + 1);
  std::size_t prev = 0;
  for (auto [s, e] : matches) {
    if (prev != s) spans.push_back({prev, s, false});
    spans.push_back({s, e, true});
    prev = e;
  }
  if (prev != length) spans.push_back({prev, length, false});
  return spans;
}

std::vector<std::pair<std::size_t, std::size_t>> apply_split_behavior(std::vector<Span> matches, SplitBehavior behavior,
                                                                      bool invert) {
  if (invert) {
    for (auto& m : matches) m.is_match = !m.is_match;
  }
  // (range, remove?)
  std::vector<Span> splits;
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (auto& m : matches) splits.push_back({m.start, m.end, false});
      break;
    case SplitBehavior::kContiguous: {
      bool previous_match = false;
      for (auto& m : matches) {
        if (m.is_match == previous_match && !splits.empty()) {
          splits.back().end = m.end;
        } else {
          splits.push_back({m.start, m.end, false});
        }
        previous_match = m.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithPrevious: {
      bool previous_match = false;
      for (auto& m : matches) {
        if (m.is_match && !previous_match && !splits.empty()) {
          splits.back().end = m.end;
        } else {
          splits.push_back({m.start, m.end, false});
        }
        previous_match = m.is_match;
      }
      break;
    }
    case SplitBehavior::kMergedWithNext: {
      bool previous_match = false;
      for (auto it = matches.rbegin(); it != matches.rend(); ++it) {
        if (it->is_match && !previous_match && !splits.empty()) {
          splits.back().start = it->start;
        } else {
          splits.push_back({it->start, it->end, false});
        }
        previous_match = it->is_match;
      }
      std::reverse(splits.begin(), splits.end());
      break;
    }
    case SplitBehavior::kRemoved:
      splits = matches;  // is_match == remove
      break;
  }
  std::vector<std::pair<std::size_t, std::size_t>> kept;
  for (auto& s : splits) {
    if (!s.is_match && s.end > s.start) kept.emplace_back(s.start, s.end);
  }
  return kept;
}

// ---- factory ---------------------------------------------------------------------------------------------

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j, const Ctx& ctx) {
  if (j.is_null()) return nullptr;
  if (!j.is_object()) fail(ctx, "expected an object or null");
  std::string type = get_string(j, "type", "", ctx);
  if (type == "Sequence") {
    auto seq = std::make_unique<SequencePreTokenizer>();
    auto it = j.find("pretokenizers");
    if (it == j.end() || !it->is_array()) fail(ctx.at("pretokenizers"), "expected an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto part = make_pre_tokenizer((*it)[i], ctx.at("pretokenizers").at(i));
      if (part) seq->parts.push_back(std::move(part));
    }
    return seq;
  }
  if (type == "ByteLevel") {
    return std::make_unique<ByteLevelPreTokenizer>(get_bool(j, "add_prefix_space", true, ctx),
                                                   get_bool(j, "use_regex", true, ctx), ctx);
  }
  if (type == "Digits") return std::make_unique<DigitsPreTokenizer>(get_bool(j, "individual_digits", false, ctx));
  if (type == "Split") {
    auto pat = j.find("pattern");
    if (pat == j.end() || !pat->is_object()) fail(ctx.at("pattern"), "expected {\"Regex\": …} or {\"String\": …}");
    std::string pattern;
    if (pat->contains("Regex") && (*pat)["Regex"].is_string()) {
      pattern = (*pat)["Regex"].get<std::string>();
    } else if (pat->contains("String") && (*pat)["String"].is_string()) {
      pattern = escape_literal((*pat)["String"].get<std::string>());
    } else {
      fail(ctx.at("pattern"), "expected {\"Regex\": …} or {\"String\": …}");
    }
    std::string b = get_string(j, "behavior", "", ctx);
    SplitBehavior behavior;
    if (b == "Isolated") {
      behavior = SplitBehavior::kIsolated;
    } else if (b == "Removed") {
      behavior = SplitBehavior::kRemoved;
    } else if (b == "MergedWithPrevious") {
      behavior = SplitBehavior::kMergedWithPrevious;
    } else if (b == "MergedWithNext") {
      behavior = SplitBehavior::kMergedWithNext;
    } else if (b == "Contiguous") {
      behavior = SplitBehavior::kContiguous;
    } else {
      fail(ctx.at("behavior"), "unknown split behavior '" + b + "'");
    }
    return std::make_unique<SplitPreTokenizer>(pattern, behavior, get_bool(j, "invert", false, ctx), ctx.at("pattern"));
  }
  unsupported(ctx, type.empty() ? "<no type>" : type);
}

}  // namespace trafl::tok::detail
