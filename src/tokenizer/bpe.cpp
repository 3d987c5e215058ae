// The BPE model, as in `tokenizers` (models/bpe/model.rs + word.rs): initial symbols are the characters of
// a pre-tokenized piece; the adjacent pair with the lowest merge rank (leftmost on ties) is merged until no
// pair is in the merge table.
#include <cstdio>
#include <mutex>
#include <queue>

#include "tokenizer/internal.hpp"

namespace trafl::tok::detail {

namespace {
std::uint64_t pair_key(TokenId a, TokenId b) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
}
}  // namespace

BpeModel::BpeModel(const nlohmann::json& j, const Ctx& ctx) {
  std::string type = get_string(j, "type", "BPE", ctx);
  if (type != "BPE") unsupported(ctx, type);
  if (j.contains("dropout") && !j["dropout"].is_null()) {
    if (!j["dropout"].is_number() || j["dropout"].get<double>() != 0.0) {
      fail(ctx.at("dropout"), "BPE dropout is not supported (inference only); expected null");
    }
  }
  auto v = j.find("vocab");
  if (v == j.end() || !v->is_object()) fail(ctx.at("vocab"), "expected an object token → id");
  vocab_.reserve(v->size());
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_number_integer() || it.value().get<long long>() < 0 || it.value().get<long long>() > INT32_MAX) {
      fail(ctx.at("vocab"), "id of token '" + it.key() + "' is not a non-negative integer");
    }
    TokenId id = it.value().get<TokenId>();
    vocab_[it.key()] = id;
    max_id_ = std::max(max_id_, id);
  }
  vocab_r_.assign(static_cast<std::size_t>(max_id_ + 1), nullptr);
  for (const auto& [tok, id] : vocab_) vocab_r_[static_cast<std::size_t>(id)] = &tok;

  unk_token_ = get_string(j, "unk_token", "", ctx);
  if (!unk_token_.empty()) {
    auto it = vocab_.find(unk_token_);
    if (it == vocab_.end()) fail(ctx.at("unk_token"), "unk_token '" + unk_token_ + "' is not in the vocab");
    unk_id_ = it->second;
  }
  fuse_unk_ = get_bool(j, "fuse_unk", false, ctx);
  byte_fallback_ = get_bool(j, "byte_fallback", false, ctx);
  ignore_merges_ = get_bool(j, "ignore_merges", false, ctx);
  continuing_subword_prefix_ = get_string(j, "continuing_subword_prefix", "", ctx);
  end_of_word_suffix_ = get_string(j, "end_of_word_suffix", "", ctx);

  auto m = j.find("merges");
  if (m == j.end() || m->is_null()) return;
  if (!m->is_array()) fail(ctx.at("merges"), "expected an array");
  merges_.reserve(m->size());
  for (std::size_t i = 0; i < m->size(); ++i) {
    const auto& e = (*m)[i];
    std::string a, b;
    if (e.is_string()) {
      const auto& s = e.get_ref<const std::string&>();
      auto sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) {
        fail(ctx.at("merges").at(i), "merge '" + s + "' is not two tokens separated by one space");
      }
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
      a = e[0].get<std::string>();
      b = e[1].get<std::string>();
    } else {
      fail(ctx.at("merges").at(i), "expected \"a b\" or [\"a\", \"b\"]");
    }
    std::string merged = a;
    if (!continuing_subword_prefix_.empty() &&
        b.compare(0, continuing_subword_prefix_.size(), continuing_subword_prefix_) == 0) {
      merged += b.substr(continuing_subword_prefix_.size());
    } else {
      merged += b;
    }
    auto ia = vocab_.find(a), ib = vocab_.find(b), im = vocab_.find(merged);
    if (ia == vocab_.end() || ib == vocab_.end() || im == vocab_.end()) {
      fail(ctx.at("merges").at(i), "merge '" + a + " " + b + "' uses a token that is not in the vocab");
    }
    merges_[pair_key(ia->second, ib->second)] = MergeInfo{static_cast<std::uint32_t>(i), im->second};
  }
}

std::optional<TokenId> BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(std::string(token));
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> BpeModel::id_to_token(TokenId id) const {
  if (id < 0 || static_cast<std::size_t>(id) >= vocab_r_.size() || !vocab_r_[static_cast<std::size_t>(id)]) {
    return std::nullopt;
  }
  return *vocab_r_[static_cast<std::size_t>(id)];
}

namespace {
constexpr std::size_t kCacheMaxWordBytes = 256;
constexpr std::size_t kCacheMaxEntries = 100000;
}  // namespace

void BpeModel::tokenize(const NormalizedString& piece, std::vector<Token>& out) const {
  const std::string& text = piece.text;
  if (text.empty()) return;
  auto emit = [&](const Cached& c) {
    out.push_back(Token{c.id, *vocab_r_[static_cast<std::size_t>(c.id)], piece.start[c.bs], piece.end[c.be - 1]});
  };
  const bool cacheable = text.size() <= kCacheMaxWordBytes;
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(text);
    if (it != cache_.end()) {
      for (const auto& c : it->second) emit(c);
      return;
    }
  }
  std::vector<Cached> word;
  merge_word(text, word);
  for (const auto& c : word) emit(c);
  if (cacheable) {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    if (cache_.size() >= kCacheMaxEntries) cache_.clear();
    cache_.emplace(text, std::move(word));
  }
}

void BpeModel::merge_word(const std::string& text, std::vector<Cached>& out) const {
  auto emit = [&](TokenId id, std::size_t bs, std::size_t be) {
    out.push_back(Cached{id, static_cast<std::uint32_t>(bs), static_cast<std::uint32_t>(be)});
  };
  if (ignore_merges_) {
    auto it = vocab_.find(text);
    if (it != vocab_.end()) {
      emit(it->second, 0, text.size());
      return;
    }
  }

  struct Symbol {
    TokenId id;
    int prev, next;
    std::size_t bs, be;  // byte range in the piece
    bool alive;
  };
  std::vector<Symbol> sym;
  sym.reserve(text.size());
  auto push = [&](TokenId id, std::size_t bs, std::size_t be) {
    int n = static_cast<int>(sym.size());
    sym.push_back(Symbol{id, n - 1, -1, bs, be, true});
    if (n > 0) sym[static_cast<std::size_t>(n - 1)].next = n;
  };
  // Pending unknown run (for fuse_unk), as in word.rs.
  bool have_unk = false;
  std::size_t unk_bs = 0, unk_be = 0;
  auto flush_unk = [&] {
    if (have_unk) push(*unk_id_, unk_bs, unk_be);
    have_unk = false;
  };

  std::string s;
  std::size_t i = 0;
  while (i < text.size()) {
    std::uint32_t cp;
    std::size_t len = utf8_decode(text, i, &cp);
    if (i + len > text.size()) len = text.size() - i;
    s.assign(text, i, len);
    if (i > 0 && !continuing_subword_prefix_.empty()) s.insert(0, continuing_subword_prefix_);
    if (i + len == text.size() && !end_of_word_suffix_.empty()) s += end_of_word_suffix_;
    auto it = vocab_.find(s);
    if (it != vocab_.end()) {
      flush_unk();
      push(it->second, i, i + len);
    } else {
      bool handled = false;
      if (byte_fallback_) {
        std::vector<TokenId> ids;
        char buf[8];
        for (std::size_t k = i; k < i + len; ++k) {
          std::snprintf(buf, sizeof buf, "<0x%02X>", static_cast<unsigned char>(text[k]));
          auto bt = vocab_.find(buf);
          if (bt == vocab_.end()) break;
          ids.push_back(bt->second);
        }
        if (ids.size() == len) {
          flush_unk();
          for (std::size_t k = 0; k < len; ++k) push(ids[k], i + k, i + k + 1);
          handled = true;
        }
      }
      if (!handled && unk_id_) {
        if (have_unk && fuse_unk_) {
          unk_be = i + len;
        } else {
          flush_unk();
          have_unk = true;
          unk_bs = i;
          unk_be = i + len;
        }
      }
      // No unk token and no byte fallback: the character is dropped, as `tokenizers` does.
    }
    i += len;
  }
  flush_unk();

  struct Cand {
    std::uint32_t rank;
    int pos;
    TokenId merged;
    bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> queue;
  auto consider = [&](int left) {
    if (left < 0) return;
    int right = sym[static_cast<std::size_t>(left)].next;
    if (right < 0) return;
    auto m = merges_.find(pair_key(sym[static_cast<std::size_t>(left)].id, sym[static_cast<std::size_t>(right)].id));
    if (m != merges_.end()) queue.push(Cand{m->second.rank, left, m->second.merged});
  };
  for (int k = 0; k + 1 < static_cast<int>(sym.size()); ++k) consider(k);
  while (!queue.empty()) {
    Cand c = queue.top();
    queue.pop();
    Symbol& left = sym[static_cast<std::size_t>(c.pos)];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = sym[static_cast<std::size_t>(left.next)];
    auto m = merges_.find(pair_key(left.id, right.id));
    if (m == merges_.end() || m->second.merged != c.merged || m->second.rank != c.rank) continue;
    left.id = c.merged;
    left.be = right.be;
    right.alive = false;
    left.next = right.next;
    if (right.next >= 0) sym[static_cast<std::size_t>(right.next)].prev = c.pos;
    consider(left.prev);
    consider(c.pos);
  }
  for (const auto& sy : sym) {
    if (sy.alive) emit(sy.id, sy.bs, sy.be);
  }
}

}  // namespace trafl::tok::detail
