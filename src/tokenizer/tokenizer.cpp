// Loading tokenizer.json; added tokens; encode / decode; decoders and post-processors.
#include "tokenizer/tokenizer.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/json_text.hpp"
#include "tokenizer/internal.hpp"

namespace trafl::tok {

using nlohmann::json;
using namespace detail;

namespace detail {

// ---- decoders --------------------------------------------------------------------------------------------
namespace {
class ByteLevelDecoder : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    // tokenizers' ByteLevel::decode_chain: every char back to its byte; a token with a char outside the table
    // contributes its raw UTF-8 bytes; the whole is decoded lossily.
    std::string bytes;
    for (const auto& t : tokens) {
      std::string tb;
      bool ok = true;
      std::size_t i = 0;
      while (i < t.size()) {
        std::uint32_t cp;
        i += utf8_decode(t, i, &cp);
        int b = unicode_to_byte(cp);
        if (b < 0) {
          ok = false;
          break;
        }
        tb += static_cast<char>(b);
      }
      bytes += ok ? tb : t;
    }
    return {utf8_lossy(bytes)};
  }
};

class SequenceDecoder : public Decoder {
 public:
  std::vector<std::unique_ptr<Decoder>> parts;
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override {
    for (const auto& p : parts) tokens = p->decode_chain(std::move(tokens));
    return tokens;
  }
};

// ---- post-processors ---------------------------------------------------------------------------------------
class NoopProcessor : public PostProcessor {
 public:
  void process(std::vector<Token>&, std::vector<bool>&) const override {}
};

class TemplateProcessor : public PostProcessor {
 public:
  struct Item {
    bool is_sequence;
    std::vector<TokenId> ids;
    std::vector<std::string> tokens;
  };
  std::vector<Item> items;
  void process(std::vector<Token>& tokens, std::vector<bool>& special) const override {
    std::vector<Token> out;
    std::vector<bool> sp;
    for (const auto& item : items) {
      if (item.is_sequence) {
        out.insert(out.end(), tokens.begin(), tokens.end());
        sp.insert(sp.end(), special.begin(), special.end());
      } else {
        for (std::size_t k = 0; k < item.ids.size(); ++k) {
          out.push_back(Token{item.ids[k], item.tokens[k], 0, 0});
          sp.push_back(true);
        }
      }
    }
    tokens = std::move(out);
    special = std::move(sp);
  }
};

class SequenceProcessor : public PostProcessor {
 public:
  std::vector<std::unique_ptr<PostProcessor>> parts;
  void process(std::vector<Token>& tokens, std::vector<bool>& special) const override {
    for (const auto& p : parts) p->process(tokens, special);
  }
};
}  // namespace

std::unique_ptr<Decoder> make_decoder(const json& j, const Ctx& ctx) {
  if (j.is_null()) return nullptr;
  if (!j.is_object()) fail(ctx, "expected an object or null");
  std::string type = get_string(j, "type", "", ctx);
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "Sequence") {
    auto seq = std::make_unique<SequenceDecoder>();
    auto it = j.find("decoders");
    if (it == j.end() || !it->is_array()) fail(ctx.at("decoders"), "expected an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto part = make_decoder((*it)[i], ctx.at("decoders").at(i));
      if (part) seq->parts.push_back(std::move(part));
    }
    return seq;
  }
  unsupported(ctx, type.empty() ? "<no type>" : type);
}

std::unique_ptr<PostProcessor> make_post_processor(const json& j, const Ctx& ctx) {
  if (j.is_null()) return nullptr;
  if (!j.is_object()) fail(ctx, "expected an object or null");
  std::string type = get_string(j, "type", "", ctx);
  if (type == "ByteLevel") return std::make_unique<NoopProcessor>();
  if (type == "Sequence") {
    auto seq = std::make_unique<SequenceProcessor>();
    auto it = j.find("processors");
    if (it == j.end() || !it->is_array()) fail(ctx.at("processors"), "expected an array");
    for (std::size_t i = 0; i < it->size(); ++i) {
      auto part = make_post_processor((*it)[i], ctx.at("processors").at(i));
      if (part) seq->parts.push_back(std::move(part));
    }
    return seq;
  }
  if (type == "TemplateProcessing") {
    auto tp = std::make_unique<TemplateProcessor>();
    auto st = j.find("special_tokens");
    std::map<std::string, TemplateProcessor::Item> specials;
    if (st != j.end() && !st->is_null()) {
      if (!st->is_object()) fail(ctx.at("special_tokens"), "expected an object");
      for (auto it = st->begin(); it != st->end(); ++it) {
        Ctx c = ctx.at("special_tokens").at(it.key());
        const auto& v = it.value();
        if (!v.is_object() || !v.contains("ids") || !v["ids"].is_array() || !v.contains("tokens") ||
            !v["tokens"].is_array() || v["ids"].size() != v["tokens"].size()) {
          fail(c, "expected {\"id\", \"ids\": [...], \"tokens\": [...]} with as many ids as tokens");
        }
        TemplateProcessor::Item item{false, {}, {}};
        for (const auto& id : v["ids"]) {
          if (!id.is_number_integer()) fail(c.at("ids"), "expected integer ids");
          item.ids.push_back(id.get<TokenId>());
        }
        for (const auto& t : v["tokens"]) {
          if (!t.is_string()) fail(c.at("tokens"), "expected strings");
          item.tokens.push_back(t.get<std::string>());
        }
        specials[it.key()] = item;
      }
    }
    auto single = j.find("single");
    if (single == j.end() || !single->is_array()) fail(ctx.at("single"), "expected an array");
    for (std::size_t i = 0; i < single->size(); ++i) {
      const auto& piece = (*single)[i];
      Ctx c = ctx.at("single").at(i);
      if (piece.contains("Sequence")) {
        std::string id = get_string(piece["Sequence"], "id", "A", c);
        if (id != "A") fail(c, "the single template can only hold sequence A");
        tp->items.push_back({true, {}, {}});
      } else if (piece.contains("SpecialToken")) {
        std::string id = get_string(piece["SpecialToken"], "id", "", c);
        auto sp = specials.find(id);
        if (sp == specials.end()) fail(c, "special token '" + id + "' is not in special_tokens");
        tp->items.push_back(sp->second);
      } else {
        fail(c, "expected {\"Sequence\": …} or {\"SpecialToken\": …}");
      }
    }
    return tp;
  }
  unsupported(ctx, type.empty() ? "<no type>" : type);
}

}  // namespace detail

// ---- added tokens: a byte trie, leftmost-longest --------------------------------------------------------------
namespace {
class Trie {
 public:
  void insert(const std::string& s, std::size_t value) {
    if (s.empty()) return;
    if (nodes_.empty()) nodes_.emplace_back();
    std::size_t n = 0;
    for (char c : s) {
      auto b = static_cast<unsigned char>(c);
      auto& kids = nodes_[n].kids;
      auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(b, std::size_t{0}),
                                 [](const auto& x, const auto& y) { return x.first < y.first; });
      if (it != kids.end() && it->first == b) {
        n = it->second;
      } else {
        std::size_t child = nodes_.size();
        kids.insert(it, {b, child});
        nodes_.emplace_back();
        n = child;
      }
    }
    nodes_[n].value = static_cast<long>(value);
    first_[static_cast<unsigned char>(s[0])] = true;
  }
  bool empty() const { return nodes_.empty(); }
  // Leftmost-longest match at or after `from`: (start, end, value) or start == npos.
  std::tuple<std::size_t, std::size_t, std::size_t> find(std::string_view text, std::size_t from) const {
    for (std::size_t i = from; i < text.size() && !nodes_.empty(); ++i) {
      if (!first_[static_cast<unsigned char>(text[i])]) continue;
      std::size_t n = 0;
      long best = -1;
      std::size_t best_end = 0;
      for (std::size_t k = i; k < text.size(); ++k) {
        auto b = static_cast<unsigned char>(text[k]);
        const auto& kids = nodes_[n].kids;
        auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(b, std::size_t{0}),
                                   [](const auto& x, const auto& y) { return x.first < y.first; });
        if (it == kids.end() || it->first != b) break;
        n = it->second;
        if (nodes_[n].value >= 0) {
          best = nodes_[n].value;
          best_end = k + 1;
        }
      }
      if (best >= 0) return {i, best_end, static_cast<std::size_t>(best)};
    }
    return {std::string_view::npos, 0, 0};
  }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, std::size_t>> kids;
    long value = -1;
  };
  std::vector<Node> nodes_;
  bool first_[256] = {};
};

bool is_word_char(std::uint32_t cp) { return cp == '_' || is_unicode_alphanumeric(cp); }

std::uint32_t last_char(std::string_view s) {
  std::size_t i = s.size();
  while (i > 0 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) --i;
  std::uint32_t cp = 0;
  if (i > 0) utf8_decode(s, i - 1, &cp);
  return cp;
}
}  // namespace

struct Tokenizer::Impl {
  std::string source;
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<BpeModel> model;
  std::unique_ptr<PostProcessor> post;
  std::unique_ptr<Decoder> decoder;
  std::vector<AddedTokenInfo> added;
  std::unordered_map<std::string, std::size_t> added_by_content;
  std::unordered_map<TokenId, std::size_t> added_by_id;
  Trie raw_trie, normalized_trie;
  TokenId max_id = -1;

  struct Segment {
    bool added;
    std::size_t index;  // into `added` when added
    std::size_t b, e;   // byte range in the text it was found in
  };
  // AddedVocabulary::find_matches.
  std::vector<Segment> split_added(std::string_view text, const Trie& trie) const {
    std::vector<Segment> out;
    if (trie.empty()) {
      out.push_back({false, 0, 0, text.size()});
      return out;
    }
    std::size_t start_offset = 0, pos = 0;
    while (true) {
      auto [ms, me, idx] = trie.find(text, pos);
      if (ms == std::string_view::npos) break;
      const auto& tok = added[idx];
      std::size_t start = ms, stop = me;
      pos = me;
      if (tok.single_word) {
        bool start_ok = start == 0 || !is_word_char(last_char(text.substr(0, start)));
        std::uint32_t next = 0;
        if (stop < text.size()) utf8_decode(text, stop, &next);
        bool stop_ok = stop == text.size() || !is_word_char(next);
        if (!start_ok || !stop_ok) continue;
      }
      if (tok.lstrip) {
        std::size_t ns = start;
        while (ns > 0) {
          std::size_t k = ns - 1;
          while (k > 0 && (static_cast<unsigned char>(text[k]) & 0xC0) == 0x80) --k;
          std::uint32_t cp;
          utf8_decode(text, k, &cp);
          if (!is_unicode_whitespace(cp)) break;
          ns = k;
        }
        start = std::max(ns, start_offset);
      }
      if (tok.rstrip) {
        while (stop < text.size()) {
          std::uint32_t cp;
          std::size_t len = utf8_decode(text, stop, &cp);
          if (!is_unicode_whitespace(cp)) break;
          stop += len;
        }
        pos = stop;
      }
      if (start_offset < start) out.push_back({false, 0, start_offset, start});
      out.push_back({true, idx, start, stop});
      start_offset = stop;
    }
    if (start_offset != text.size()) out.push_back({false, 0, start_offset, text.size()});
    return out;
  }

  void encode_into(std::string_view text, std::vector<Token>& tokens, std::vector<bool>& special) const {
    auto add_token = [&](std::size_t idx, std::size_t s, std::size_t e) {
      tokens.push_back(Token{added[idx].id, added[idx].content, s, e});
      special.push_back(added[idx].special);
    };
    for (const auto& seg : split_added(text, raw_trie)) {
      if (seg.added) {
        add_token(seg.index, seg.b, seg.e);
        continue;
      }
      if (seg.e == seg.b) continue;
      NormalizedString ns = NormalizedString::original(text.substr(seg.b, seg.e - seg.b), seg.b);
      if (normalizer) normalizer->normalize(ns);
      for (const auto& sub : split_added(ns.text, normalized_trie)) {
        if (sub.e == sub.b) continue;
        if (sub.added) {
          add_token(sub.index, ns.start[sub.b], ns.end[sub.e - 1]);
          continue;
        }
        std::vector<NormalizedString> pieces;
        pieces.push_back(ns.slice(sub.b, sub.e));
        if (pre_tokenizer) pre_tokenizer->pre_tokenize(pieces);
        for (const auto& p : pieces) {
          std::size_t before = tokens.size();
          model->tokenize(p, tokens);
          special.resize(special.size() + (tokens.size() - before), false);
        }
      }
    }
  }
};

// ---- loading ------------------------------------------------------------------------------------------------

Tokenizer Tokenizer::from_file(const std::string& path) {
  return from_json_string(read_text_file(path, "tokenizer file"), path);
}

Tokenizer Tokenizer::from_json_string(const std::string& json_text, const std::string& source_name) {
  json j;
  try {
    j = parse_json_text(json_text);
  } catch (const JsonTextError& e) {
    throw InputError(source_name, e.line(), "", std::string("not valid JSON: ") + e.what());
  }
  Ctx root{source_name, ""};
  if (!j.is_object()) fail(root, "a tokenizer.json must be a JSON object");
  auto impl = std::make_shared<Impl>();
  impl->source = source_name;

  if (j.contains("truncation") && !j["truncation"].is_null()) unsupported(root.at("truncation"), "truncation");
  // "padding" only affects batches of several sequences; encode() handles one sequence and ignores it.

  auto m = j.find("model");
  if (m == j.end() || !m->is_object()) fail(root.at("model"), "missing model");
  std::string mtype = get_string(*m, "type", "", root.at("model"));
  if (mtype.empty() && m->contains("merges")) mtype = "BPE";
  if (mtype != "BPE") unsupported(root.at("model"), mtype.empty() ? "<no type>" : mtype);
  impl->model = std::make_unique<BpeModel>(*m, root.at("model"));
  impl->max_id = impl->model->max_id();

  impl->normalizer = make_normalizer(j.value("normalizer", json()), root.at("normalizer"));
  impl->pre_tokenizer = make_pre_tokenizer(j.value("pre_tokenizer", json()), root.at("pre_tokenizer"));
  impl->post = make_post_processor(j.value("post_processor", json()), root.at("post_processor"));
  impl->decoder = make_decoder(j.value("decoder", json()), root.at("decoder"));

  auto at = j.find("added_tokens");
  if (at != j.end() && !at->is_null()) {
    if (!at->is_array()) fail(root.at("added_tokens"), "expected an array");
    for (std::size_t i = 0; i < at->size(); ++i) {
      const auto& t = (*at)[i];
      Ctx c = root.at("added_tokens").at(i);
      if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() || !t.contains("content") ||
          !t["content"].is_string()) {
        fail(c, "expected {\"id\": integer, \"content\": string, …}");
      }
      AddedTokenInfo a;
      a.id = t["id"].get<TokenId>();
      a.content = t["content"].get<std::string>();
      if (a.id < 0) fail(c.at("id"), "negative id");
      if (a.content.empty()) fail(c.at("content"), "empty added token");
      a.special = get_bool(t, "special", false, c);
      a.lstrip = get_bool(t, "lstrip", false, c);
      a.rstrip = get_bool(t, "rstrip", false, c);
      a.single_word = get_bool(t, "single_word", false, c);
      a.normalized = get_bool(t, "normalized", !a.special, c);
      std::size_t idx = impl->added.size();
      impl->added.push_back(a);
      impl->added_by_content[a.content] = idx;
      impl->added_by_id[a.id] = idx;
      impl->max_id = std::max(impl->max_id, a.id);
    }
    for (std::size_t idx = 0; idx < impl->added.size(); ++idx) {
      const auto& a = impl->added[idx];
      if (impl->added_by_content[a.content] != idx) continue;  // a later duplicate wins
      if (a.normalized && impl->normalizer) {
        NormalizedString ns = NormalizedString::original(a.content, 0);
        impl->normalizer->normalize(ns);
        impl->normalized_trie.insert(ns.text, idx);
      } else if (a.normalized) {
        impl->normalized_trie.insert(a.content, idx);
      } else {
        impl->raw_trie.insert(a.content, idx);
      }
    }
  }
  return Tokenizer(std::move(impl));
}

// ---- API -----------------------------------------------------------------------------------------------------

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::size_t bad = utf8_invalid_at(text);
  if (bad != std::string_view::npos) {
    throw InputError("<input text>", 0, "", "not valid UTF-8 at byte " + std::to_string(bad));
  }
  std::vector<Token> tokens;
  std::vector<bool> special;
  impl_->encode_into(text, tokens, special);
  if (add_special_tokens && impl_->post) impl_->post->process(tokens, special);
  Encoding enc;
  enc.ids.reserve(tokens.size());
  for (auto& t : tokens) {
    enc.ids.push_back(t.id);
    enc.pieces.push_back(std::move(t.value));
    enc.offsets.emplace_back(t.start, t.end);
  }
  enc.special = std::move(special);
  return enc;
}

std::vector<TokenId> Tokenizer::encode_ids(std::string_view text, bool add_special_tokens) const {
  return encode(text, add_special_tokens).ids;
}

std::string Tokenizer::decode(const std::vector<TokenId>& ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (TokenId id : ids) {
    auto a = impl_->added_by_id.find(id);
    if (a != impl_->added_by_id.end()) {
      const auto& info = impl_->added[a->second];
      if (skip_special_tokens && info.special) continue;
      tokens.push_back(info.content);
      continue;
    }
    if (auto t = impl_->model->id_to_token(id)) tokens.push_back(std::move(*t));
  }
  if (impl_->decoder)
    tokens = impl_->decoder->decode_chain(std::move(tokens));
  else if (tokens.size() > 1) {  // no decoder: tokenizers joins with spaces
    std::string joined;
    for (std::size_t i = 0; i < tokens.size(); ++i) joined += (i ? " " : "") + tokens[i];
    return joined;
  }
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

std::optional<TokenId> Tokenizer::token_to_id(std::string_view token) const {
  auto it = impl_->added_by_content.find(std::string(token));
  if (it != impl_->added_by_content.end()) return impl_->added[it->second].id;
  return impl_->model->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(TokenId id) const {
  auto it = impl_->added_by_id.find(id);
  if (it != impl_->added_by_id.end()) return impl_->added[it->second].content;
  return impl_->model->id_to_token(id);
}

TokenId Tokenizer::require_token_id(std::string_view content) const {
  auto id = token_to_id(content);
  if (!id)
    throw InputError(impl_->source, 0, "added_tokens", "the tokenizer has no token '" + std::string(content) + "'");
  return *id;
}

bool Tokenizer::is_special(TokenId id) const {
  auto it = impl_->added_by_id.find(id);
  return it != impl_->added_by_id.end() && impl_->added[it->second].special;
}

std::size_t Tokenizer::vocab_size() const { return static_cast<std::size_t>(impl_->max_id + 1); }
std::size_t Tokenizer::model_vocab_size() const { return impl_->model->size(); }
const std::vector<AddedTokenInfo>& Tokenizer::added_tokens() const { return impl_->added; }
const std::string& Tokenizer::source() const { return impl_->source; }

SpecialTokenIds llada_special_tokens(const Tokenizer& t) {
  SpecialTokenIds s;
  s.bos = t.require_token_id(kLladaBos);
  s.eos = t.require_token_id(kLladaEos);
  s.mask = t.require_token_id(kLladaMask);
  s.eot = t.require_token_id(kLladaEot);
  s.start_header = t.require_token_id(kLladaStartHeader);
  s.end_header = t.require_token_id(kLladaEndHeader);
  return s;
}

}  // namespace trafl::tok
