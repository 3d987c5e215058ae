#pragma once
// Hugging Face `tokenizer.json`, implemented for what LLaDA / Dream / Llama-3 / Qwen-style models use:
//   model          BPE (vocab, merges as "a b" or ["a","b"], ignore_merges, unk_token, fuse_unk,
//                  byte_fallback, continuing_subword_prefix, end_of_word_suffix)
//   normalizer     null | NFC | NFD | NFKC | NFKD | Sequence of those
//   pre_tokenizer  null | ByteLevel | Split (PCRE2, Unicode properties, possessive quantifiers) | Digits | Sequence
//   post_processor null | ByteLevel (no-op for ids) | TemplateProcessing (single) | Sequence of those
//   decoder        null | ByteLevel | Sequence of those
//   added_tokens   special and non-special; literal, leftmost-longest; lstrip / rstrip / single_word / normalized
// Anything else is an InputError "unsupported tokenizer component <type> at <json path>" naming the file.
// Encoding follows the `tokenizers` crate step by step (added tokens → normalizer → pre-tokenizer → model →
// post-processor); decoding maps ids to tokens (skipping unknown ids, as HF does) and runs the decoder.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace trafl::tok {

using TokenId = std::int32_t;

struct Encoding {
  std::vector<TokenId> ids;
  std::vector<std::string> pieces;                           // the token strings (e.g. "Ġworld")
  std::vector<std::pair<std::size_t, std::size_t>> offsets;  // byte range [start, end) in the input text
  std::vector<bool> special;                                 // token is a special added token
};

struct AddedTokenInfo {
  TokenId id = -1;
  std::string content;
  bool special = false;
  bool lstrip = false;
  bool rstrip = false;
  bool single_word = false;
  bool normalized = false;
};

class Tokenizer {
 public:
  // Parses a tokenizer.json; `source_name` is the file named in errors.
  static Tokenizer from_file(const std::string& path);
  static Tokenizer from_json_string(const std::string& json_text, const std::string& source_name);

  // Throws InputError when `text` is not valid UTF-8. add_special_tokens only controls the post-processor
  // (e.g. a TemplateProcessing BOS); added tokens written in the text are always recognised.
  Encoding encode(std::string_view text, bool add_special_tokens = true) const;
  std::vector<TokenId> encode_ids(std::string_view text, bool add_special_tokens = true) const;
  // Ids without a token are skipped (as HF does). Invalid UTF-8 from byte tokens becomes U+FFFD.
  std::string decode(const std::vector<TokenId>& ids, bool skip_special_tokens = false) const;

  std::optional<TokenId> token_to_id(std::string_view token) const;  // added tokens first, then the model vocab
  std::optional<std::string> id_to_token(TokenId id) const;
  // The id throws InputError naming the file when the tokenizer lacks `content`.
  TokenId require_token_id(std::string_view content) const;
  bool is_special(TokenId id) const;
  // max id + 1 over the model vocab and the added tokens (the embedding rows a model needs at least).
  std::size_t vocab_size() const;
  std::size_t model_vocab_size() const;  // entries of model.vocab
  const std::vector<AddedTokenInfo>& added_tokens() const;
  const std::string& source() const;

  struct Impl;

 private:
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// ---- special tokens --------------------------------------------------------------------------------
// LLaDA's names (tokenizer_config.json of GSAI-ML/LLaDA-8B-Instruct); the tiny generated tokenizer uses the same.
inline constexpr const char* kLladaBos = "<|startoftext|>";
inline constexpr const char* kLladaEos = "<|endoftext|>";
inline constexpr const char* kLladaStartHeader = "<|start_header_id|>";
inline constexpr const char* kLladaEndHeader = "<|end_header_id|>";
inline constexpr const char* kLladaEot = "<|eot_id|>";
inline constexpr const char* kLladaMask = "<|mdm_mask|>";

struct SpecialTokenIds {
  TokenId bos = -1, eos = -1, mask = -1, eot = -1, start_header = -1, end_header = -1;
};
// Looks up the LLaDA special tokens by content; a missing one is an InputError naming the file.
SpecialTokenIds llada_special_tokens(const Tokenizer& tokenizer);

// ---- prompts ---------------------------------------------------------------------------------------
struct ChatMessage {
  std::string role;
  std::string content;
};
// The LLaDA-8B-Instruct chat_template rendered exactly (docs/engine.md §4): BOS before the first message,
// "<|start_header_id|>ROLE<|end_header_id|>\n\n" + trim(content) + "<|eot_id|>" per message, then the
// assistant header, unconditionally. trim() strips Python str.strip() whitespace (Jinja's `trim`).
std::string render_llada_chat(const std::vector<ChatMessage>& messages, const std::string& bos_token = kLladaBos);
// Chat prompt → ids: the rendered template encoded with add_special_tokens = false (as LLaDA's generate.py).
std::vector<TokenId> encode_llada_chat(const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages);
// Plain prompt → ids: the text exactly as given, with whatever the tokenizer's own post-processor adds.
std::vector<TokenId> encode_plain_prompt(const Tokenizer& tokenizer, std::string_view text);

// ---- the tiny models' tokenizer --------------------------------------------------------------------
struct TinyTokenizerOptions {
  // Byte-level BPE: ids 0..255 are the 256 bytes (id == byte value), then `num_merges` merges learned from
  // `corpus` (fewer if no pair occurs at least `min_pair_count` times), then the special tokens.
  std::string corpus;
  std::size_t num_merges = 0;
  std::size_t min_pair_count = 2;
  // Pre-tokenizer Split regex (Isolated) before a ByteLevel(use_regex=false); empty = ByteLevel with the
  // GPT-2 regex. Default: the LLaDA / Ling regex (possessive quantifiers, digits one per token).
  std::string split_regex =
      "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";
  std::vector<std::string> special_tokens = {kLladaBos,       kLladaEos, kLladaStartHeader,
                                             kLladaEndHeader, kLladaEot, kLladaMask};
};
// The tokenizer.json text (deterministic: same options, same bytes).
std::string make_tiny_tokenizer_json(const TinyTokenizerOptions& options);
// Writes make_tiny_tokenizer_json() to `path` and loads it back through Tokenizer::from_file.
Tokenizer write_tiny_tokenizer(const std::string& path, const TinyTokenizerOptions& options);

// ---- helpers exposed for tests -----------------------------------------------------------------------
// GPT-2 byte → char table (as UTF-8) and its inverse (-1 for a code point that is not in the table).
const std::string& byte_to_unicode(std::uint8_t byte);
int unicode_to_byte(std::uint32_t code_point);
// UTF-8 decode with U+FFFD for each maximal invalid subpart (Rust's String::from_utf8_lossy).
std::string utf8_lossy(std::string_view bytes);
// Byte offset of the first invalid UTF-8 sequence, or npos when the text is valid.
std::size_t utf8_invalid_at(std::string_view bytes);

}  // namespace trafl::tok
