// The tiny models' tokenizer: a byte-level BPE tokenizer.json (256 byte tokens, optionally merges learned from a
// corpus by a small deterministic trainer, then the LLaDA special tokens), loaded back through the same code path.
#include <map>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "tokenizer/internal.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::tok {

using ojson = nlohmann::ordered_json;

namespace {
ojson pre_tokenizer_json(const TinyTokenizerOptions& o) {
  if (o.split_regex.empty()) {
    return ojson{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  }
  ojson split{
      {"type", "Split"}, {"pattern", ojson{{"Regex", o.split_regex}}}, {"behavior", "Isolated"}, {"invert", false}};
  ojson bl{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  return ojson{{"type", "Sequence"}, {"pretokenizers", ojson::array({split, bl})}};
}

// Deterministic BPE training over byte ids: the most frequent adjacent pair wins, ties to the smallest
// (left id, right id); a pair must occur at least min_count times.
std::vector<std::pair<int, int>> train(const std::map<std::vector<int>, long>& word_counts, std::size_t num_merges,
                                       std::size_t min_count, std::vector<std::string>& strings) {
  std::vector<std::pair<std::vector<int>, long>> words(word_counts.begin(), word_counts.end());
  std::map<std::string, int> known;
  for (std::size_t i = 0; i < strings.size(); ++i) known[strings[i]] = static_cast<int>(i);
  std::vector<std::pair<int, int>> merges;
  while (merges.size() < num_merges) {
    std::map<std::pair<int, int>, long> counts;
    for (const auto& [w, c] : words) {
      for (std::size_t i = 0; i + 1 < w.size(); ++i) counts[{w[i], w[i + 1]}] += c;
    }
    std::pair<int, int> best{-1, -1};
    long best_count = 0;
    for (const auto& [p, c] : counts) {
      if (c > best_count) best = p, best_count = c;  // std::map order: ties keep the smallest pair
    }
    if (best.first < 0 || best_count < static_cast<long>(min_count)) break;
    std::string merged = strings[static_cast<std::size_t>(best.first)] + strings[static_cast<std::size_t>(best.second)];
    int id;
    auto it = known.find(merged);
    if (it != known.end()) {
      id = it->second;
    } else {
      id = static_cast<int>(strings.size());
      strings.push_back(merged);
      known[merged] = id;
    }
    merges.push_back(best);
    for (auto& [w, c] : words) {
      std::vector<int> nw;
      nw.reserve(w.size());
      for (std::size_t i = 0; i < w.size(); ++i) {
        if (i + 1 < w.size() && w[i] == best.first && w[i + 1] == best.second) {
          nw.push_back(id);
          ++i;
        } else {
          nw.push_back(w[i]);
        }
      }
      w = std::move(nw);
    }
  }
  return merges;
}
}  // namespace

std::string make_tiny_tokenizer_json(const TinyTokenizerOptions& o) {
  std::vector<std::string> strings;  // id → token string
  for (int b = 0; b < 256; ++b) strings.push_back(byte_to_unicode(static_cast<std::uint8_t>(b)));

  std::vector<std::pair<int, int>> merges;
  if (o.num_merges > 0 && !o.corpus.empty()) {
    detail::Ctx ctx{"<tiny tokenizer>", "pre_tokenizer"};
    nlohmann::json pj = nlohmann::json::parse(pre_tokenizer_json(o).dump());
    auto pre = detail::make_pre_tokenizer(pj, ctx);
    if (utf8_invalid_at(o.corpus) != std::string::npos) {
      throw InputError("<tiny tokenizer corpus>", 0, "", "corpus is not valid UTF-8");
    }
    std::vector<detail::NormalizedString> pieces{detail::NormalizedString::original(o.corpus, 0)};
    pre->pre_tokenize(pieces);
    std::map<std::vector<int>, long> words;
    for (const auto& p : pieces) {
      std::vector<int> w;
      std::size_t i = 0;
      while (i < p.text.size()) {
        std::uint32_t cp;
        i += detail::utf8_decode(p.text, i, &cp);
        w.push_back(unicode_to_byte(cp));
      }
      ++words[w];
    }
    merges = train(words, o.num_merges, o.min_pair_count, strings);
  }

  ojson vocab = ojson::object();
  for (std::size_t i = 0; i < strings.size(); ++i) vocab[strings[i]] = i;
  ojson merges_json = ojson::array();
  for (auto [a, b] : merges) {
    merges_json.push_back(ojson::array({strings[static_cast<std::size_t>(a)], strings[static_cast<std::size_t>(b)]}));
  }
  ojson added = ojson::array();
  std::size_t next_id = strings.size();
  for (const auto& s : o.special_tokens) {
    added.push_back(ojson{{"id", next_id++},
                          {"content", s},
                          {"single_word", false},
                          {"lstrip", false},
                          {"rstrip", false},
                          {"normalized", false},
                          {"special", true}});
  }
  ojson model{{"type", "BPE"},
              {"dropout", nullptr},
              {"unk_token", nullptr},
              {"continuing_subword_prefix", nullptr},
              {"end_of_word_suffix", nullptr},
              {"fuse_unk", false},
              {"byte_fallback", false},
              {"ignore_merges", false},
              {"vocab", vocab},
              {"merges", merges_json}};
  ojson root{{"version", "1.0"},
             {"truncation", nullptr},
             {"padding", nullptr},
             {"added_tokens", added},
             {"normalizer", nullptr},
             {"pre_tokenizer", pre_tokenizer_json(o)},
             {"post_processor", nullptr},
             {"decoder",
              ojson{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}}},
             {"model", model}};
  return root.dump(1) + "\n";
}

Tokenizer write_tiny_tokenizer(const std::string& path, const TinyTokenizerOptions& options) {
  write_text_file(path, make_tiny_tokenizer_json(options), "tokenizer file");
  return Tokenizer::from_file(path);
}

}  // namespace trafl::tok
