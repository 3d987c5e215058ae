#pragma once
// Internals of the tokenizer.json implementation (not part of the public API; tests may use them).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace trafl::tok::detail {

// Components nest (Sequence in Sequence …) no deeper than this many JSON levels below the root; real
// tokenizers use ~4. Deeper nesting is refused when its context is made, before any recursion into it.
constexpr int kMaxComponentDepth = 64;

// Where a component was found, for errors: the file and the JSON path ("pre_tokenizer.pretokenizers[0]").
// A chain of shared nodes, one segment each: at() costs O(1) and the dotted path is built only when an
// error needs it (a copied path string per level had made 10,000 nested Sequences cost 2.8 GB).
class Ctx {
 public:
  Ctx(std::string file, std::string path = "");  // not explicit: {"file", "path"} reads naturally
  Ctx at(const std::string& key) const;          // "path.key"; fail()s past kMaxComponentDepth
  Ctx at(std::size_t index) const;               // "path[index]"
  const std::string& file() const { return *file_; }
  std::string path() const;  // the dotted path, built on demand
  int depth() const { return node_ ? node_->depth : 0; }

 private:
  struct Node {
    std::shared_ptr<const Node> parent;
    std::string segment;  // "key", "[3]", or the root's whole starting path
    bool index = false;   // "[3]" joins without a dot
    int depth = 0;
  };
  Ctx child(std::string segment, bool index) const;

  std::shared_ptr<const std::string> file_;
  std::shared_ptr<const Node> node_;  // null: the root with an empty path
};
[[noreturn]] void fail(const Ctx& ctx, const std::string& message);
[[noreturn]] void unsupported(const Ctx& ctx, const std::string& type);
// Reads j[key] as the given kind, with defaults for absent / null keys.
bool get_bool(const nlohmann::json& j, const char* key, bool fallback, const Ctx& ctx);
std::string get_string(const nlohmann::json& j, const char* key, const std::string& fallback, const Ctx& ctx);

// ---- UTF-8 -------------------------------------------------------------------------------------------
// Decodes the code point at s[i] (valid UTF-8 assumed) and returns its length in bytes.
std::size_t utf8_decode(std::string_view s, std::size_t i, std::uint32_t* cp);
void utf8_append(std::string& out, std::uint32_t cp);
bool is_unicode_whitespace(std::uint32_t cp);    // Rust char::is_whitespace (White_Space)
bool is_unicode_numeric(std::uint32_t cp);       // Rust char::is_numeric (Nd, Nl, No)
bool is_unicode_alphanumeric(std::uint32_t cp);  // Rust char::is_alphanumeric (Alphabetic or numeric, approx. L/N)

// ---- the string being tokenized, with its alignment to the original input --------------------------------
struct NormalizedString {
  std::string text;
  std::vector<std::size_t> start;  // per byte of `text`: the original byte range it came from
  std::vector<std::size_t> end;

  static NormalizedString original(std::string_view s, std::size_t base);
  NormalizedString slice(std::size_t b, std::size_t e) const;
  void append(const NormalizedString& other);
  // Appends `bytes` as if they replaced original range [os, oe).
  void append_replaced(std::string_view bytes, std::size_t os, std::size_t oe);
};

// ---- components --------------------------------------------------------------------------------------
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void normalize(NormalizedString& s) const = 0;
};
std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& j, const Ctx& ctx);  // null json → nullptr

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void pre_tokenize(std::vector<NormalizedString>& pieces) const = 0;
};
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& j, const Ctx& ctx);

// A compiled PCRE2 pattern (UTF + UCP; Oniguruma's \s additionally matches U+0085).
class Regex {
 public:
  Regex(const std::string& pattern, const Ctx& ctx);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;
  // All non-overlapping matches, left to right, as Oniguruma's find_iter yields them.
  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view text) const;

 private:
  void* code_ = nullptr;
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };
struct Span {
  std::size_t start, end;
  bool is_match;
};
// HF NormalizedString::split: `matches` cover the whole text in order; returns the kept pieces.
std::vector<std::pair<std::size_t, std::size_t>> apply_split_behavior(std::vector<Span> matches, SplitBehavior behavior,
                                                                      bool invert);
// Turns match ranges into a full cover of [0, length) (HF Pattern::find_matches).
std::vector<Span> cover_with_matches(const std::vector<std::pair<std::size_t, std::size_t>>& matches,
                                     std::size_t length);

// The BPE model.
struct Token {
  TokenId id;
  std::string value;
  std::size_t start, end;  // original byte offsets
};
class BpeModel {
 public:
  BpeModel(const nlohmann::json& j, const Ctx& ctx);
  BpeModel(const BpeModel&) = delete;  // vocab_r_ points into vocab_
  BpeModel& operator=(const BpeModel&) = delete;
  void tokenize(const NormalizedString& piece, std::vector<Token>& out) const;
  std::optional<TokenId> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(TokenId id) const;
  std::size_t size() const { return vocab_.size(); }
  TokenId max_id() const { return max_id_; }

 private:
  struct PairHash {
    std::size_t operator()(std::uint64_t k) const { return std::hash<std::uint64_t>()(k * 0x9E3779B97F4A7C15ull); }
  };
  struct MergeInfo {
    std::uint32_t rank;
    TokenId merged;
  };
  std::unordered_map<std::string, TokenId> vocab_;
  std::vector<const std::string*> vocab_r_;  // id → token (nullptr: none)
  std::unordered_map<std::uint64_t, MergeInfo, PairHash> merges_;
  TokenId max_id_ = -1;
  std::optional<TokenId> unk_id_;
  std::string unk_token_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::string continuing_subword_prefix_;
  std::string end_of_word_suffix_;

  // Word cache (as `tokenizers` has): piece text → (id, byte range in the piece). Guarded; cleared when full.
  struct Cached {
    TokenId id;
    std::uint32_t bs, be;
  };
  void merge_word(const std::string& text, std::vector<Cached>& out) const;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<Cached>> cache_;
};

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::vector<std::string> decode_chain(std::vector<std::string> tokens) const = 0;
};
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& j, const Ctx& ctx);

class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  // Adds special tokens around `tokens` (only called when add_special_tokens is true).
  virtual void process(std::vector<Token>& tokens, std::vector<bool>& special) const = 0;
};
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& j, const Ctx& ctx);

}  // namespace trafl::tok::detail
