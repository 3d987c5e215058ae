// Tokenizer (tokenizer.json) unit tests: byte-level table, BPE, added tokens, split behaviours, chat template,
// the generated tiny tokenizer, errors, and the tokenize command.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <random>
#include <set>

#include "core/error.hpp"
#include "tests/support.hpp"
#include "tokenizer/internal.hpp"
#include "tokenizer/tokenizer.hpp"

using nlohmann::json;
using namespace trafl;
using namespace trafl::tok;

namespace {

// A char-level BPE tokenizer.json over the given vocab and merges (no pre-tokenizer, no decoder by default).
json char_bpe(const std::vector<std::string>& tokens, const json& merges) {
  json vocab = json::object();
  for (std::size_t i = 0; i < tokens.size(); ++i) vocab[tokens[i]] = i;
  return json{{"version", "1.0"},
              {"truncation", nullptr},
              {"padding", nullptr},
              {"added_tokens", json::array()},
              {"normalizer", nullptr},
              {"pre_tokenizer", nullptr},
              {"post_processor", nullptr},
              {"decoder", nullptr},
              {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"unk_token", nullptr}}}};
}

Tokenizer load(const json& j) { return Tokenizer::from_json_string(j.dump(), "test-tokenizer.json"); }

std::vector<std::string> pieces_of(const Tokenizer& t, const std::string& s) { return t.encode(s, false).pieces; }

const Tokenizer& tiny() {
  static const Tokenizer t = Tokenizer::from_json_string(make_tiny_tokenizer_json({}), "tiny.json");
  return t;
}

std::vector<std::string> corpus_strings() {
  std::string path = std::string(TRAFL_SOURCE_DIR) + "/tests/fixtures/tokenizer/conformance_corpus.json";
  return json::parse(test::read_file(path)).get<std::vector<std::string>>();
}

std::vector<std::string> split_pieces(const json& pre, const std::string& text) {
  auto p = detail::make_pre_tokenizer(pre, {"t.json", "pre_tokenizer"});
  std::vector<detail::NormalizedString> pieces{detail::NormalizedString::original(text, 0)};
  p->pre_tokenize(pieces);
  std::vector<std::string> out;
  for (auto& q : pieces) out.push_back(q.text);
  return out;
}

json split_json(const std::string& regex, const std::string& behavior, bool invert = false) {
  return json{{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", behavior}, {"invert", invert}};
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no InputError>";
}

const char* kLladaRegex =
    "'(?i:[sdmt]|ll|ve|re)|[^\\r\\n\\p{L}\\p{N}]?+\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]++[\\r\\n]*|\\s*[\\r\\n]|\\s+(?!\\S)|\\s+";

}  // namespace

TEST_CASE("byte-level table is GPT-2's", "[tokenizer]") {
  std::set<std::string> seen;
  for (int b = 0; b < 256; ++b) {
    const std::string& c = byte_to_unicode(static_cast<std::uint8_t>(b));
    seen.insert(c);
    std::uint32_t cp;
    detail::utf8_decode(c, 0, &cp);
    CHECK(unicode_to_byte(cp) == b);
  }
  CHECK(seen.size() == 256);
  CHECK(byte_to_unicode(' ') == "\xC4\xA0");   // Ġ U+0120
  CHECK(byte_to_unicode('\n') == "\xC4\x8A");  // Ċ U+010A
  CHECK(byte_to_unicode('\t') == "\xC4\x89");  // ĉ U+0109
  CHECK(byte_to_unicode('!') == "!");
  CHECK(byte_to_unicode('~') == "~");
  CHECK(byte_to_unicode(0x7F) == "\xC4\xA1");  // U+0121
  CHECK(byte_to_unicode(0xA1) == "\xC2\xA1");  // ¡ maps to itself
  CHECK(byte_to_unicode(0xAD) == "\xC5\x83");  // soft hyphen → U+0143
  CHECK(byte_to_unicode(0xFF) == "\xC3\xBF");
  CHECK(unicode_to_byte('A') == 'A');
  CHECK(unicode_to_byte(0x20) == -1);  // a raw space is not in the table
  CHECK(unicode_to_byte(0x4E2D) == -1);
}

TEST_CASE("lossy UTF-8 decoding replaces maximal invalid subparts", "[tokenizer]") {
  CHECK(utf8_lossy("abc") == "abc");
  CHECK(utf8_lossy("\xFF") == "\xEF\xBF\xBD");
  CHECK(utf8_lossy("a\xE2\x82") == "a\xEF\xBF\xBD");                            // truncated 3-byte sequence: one U+FFFD
  CHECK(utf8_lossy("\xE0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong: two
  CHECK(utf8_lossy("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate: three
  CHECK(utf8_lossy("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");
  CHECK(utf8_invalid_at("ok\xC3") == 2);
  CHECK(utf8_invalid_at("\xC3\xA9") == std::string_view::npos);
}

TEST_CASE("BPE merges by rank, leftmost first, on a hand-made vocab", "[tokenizer]") {
  std::vector<std::string> v = {"a", "b", "c", "ab", "bc", "abc", "aa"};
  SECTION("b c before a b") {
    auto t = load(char_bpe(v, {"b c", "a b", "a bc"}));
    CHECK(pieces_of(t, "abc") == std::vector<std::string>{"abc"});
    CHECK(pieces_of(t, "abcab") == std::vector<std::string>{"abc", "ab"});
    CHECK(pieces_of(t, "cba") == std::vector<std::string>{"c", "b", "a"});
  }
  SECTION("a b before b c: 'ab c' is not a merge, so abc stays two tokens") {
    auto t = load(char_bpe(v, json::array({json::array({"a", "b"}), json::array({"b", "c"})})));
    CHECK(pieces_of(t, "abc") == std::vector<std::string>{"ab", "c"});
    CHECK(pieces_of(t, "bc") == std::vector<std::string>{"bc"});
  }
  SECTION("equal ranks resolve leftmost first") {
    auto t = load(char_bpe(v, {"a a"}));
    CHECK(pieces_of(t, "aaa") == std::vector<std::string>{"aa", "a"});
    CHECK(pieces_of(t, "aaaa") == std::vector<std::string>{"aa", "aa"});
    CHECK(t.encode_ids("aaa", false) == std::vector<TokenId>{6, 0});
  }
  SECTION("ignore_merges looks the whole word up first") {
    auto j = char_bpe(v, {"a b"});
    CHECK(pieces_of(load(j), "abc") == std::vector<std::string>{"ab", "c"});
    j["model"]["ignore_merges"] = true;
    CHECK(pieces_of(load(j), "abc") == std::vector<std::string>{"abc"});
  }
  SECTION("unknown characters: dropped without unk, unk with it, fused with fuse_unk") {
    auto j = char_bpe({"a", "b", "<unk>"}, json::array());
    CHECK(pieces_of(load(j), "azzb") == std::vector<std::string>{"a", "b"});
    j["model"]["unk_token"] = "<unk>";
    CHECK(pieces_of(load(j), "azzb") == std::vector<std::string>{"a", "<unk>", "<unk>", "b"});
    j["model"]["fuse_unk"] = true;
    CHECK(pieces_of(load(j), "azzb") == std::vector<std::string>{"a", "<unk>", "b"});
  }
  SECTION("byte_fallback") {
    auto j = char_bpe({"a", "<0xC3>", "<0xA9>"}, json::array());
    j["model"]["byte_fallback"] = true;
    CHECK(pieces_of(load(j), "a\xC3\xA9") == std::vector<std::string>{"a", "<0xC3>", "<0xA9>"});
  }
  SECTION("no decoder joins tokens with spaces") {
    auto t = load(char_bpe(v, {"a b"}));
    CHECK(t.decode(t.encode_ids("abc", false)) == "ab c");
  }
}

TEST_CASE("a merge naming a token outside the vocab is an error naming the merge", "[tokenizer]") {
  auto msg = error_of([] { load(char_bpe({"a", "b"}, {"a b"})); });
  CHECK_THAT(msg, Catch::Contains("test-tokenizer.json") && Catch::Contains("model.merges[0]"));
}

TEST_CASE("Split behaviours follow tokenizers' NormalizedString::split", "[tokenizer]") {
  const std::string s = "The-final--countdown";
  using V = std::vector<std::string>;
  CHECK(split_pieces(split_json("-", "Removed"), s) == V{"The", "final", "countdown"});
  CHECK(split_pieces(split_json("-", "Isolated"), s) == V{"The", "-", "final", "-", "-", "countdown"});
  CHECK(split_pieces(split_json("-", "MergedWithPrevious"), s) == V{"The-", "final-", "-", "countdown"});
  CHECK(split_pieces(split_json("-", "MergedWithNext"), s) == V{"The", "-final", "-", "-countdown"});
  CHECK(split_pieces(split_json("-", "Contiguous"), s) == V{"The", "-", "final", "--", "countdown"});
  // invert: the pattern describes the pieces to keep
  CHECK(split_pieces(split_json("-", "Removed", true), s) == V{"-", "-", "-"});
  CHECK(split_pieces(split_json("\\p{L}+", "Removed", true), s) == V{"The", "final", "countdown"});
  // String patterns are literal
  json lit{{"type", "Split"}, {"pattern", {{"String", "."}}}, {"behavior", "Removed"}, {"invert", false}};
  CHECK(split_pieces(lit, "a.b+c") == V{"a", "b+c"});
}

TEST_CASE("the LLaDA Split regex: Unicode properties, possessive quantifiers, one digit per piece", "[tokenizer]") {
  using V = std::vector<std::string>;
  auto pre = split_json(kLladaRegex, "Isolated");
  CHECK(split_pieces(pre, "Hello, world 123!\n\n  x") ==
        V{"Hello", ",", " world", " ", "1", "2", "3", "!\n\n", " ", " x"});
  CHECK(split_pieces(pre, "I'M fine, it's") == V{"I", "'M", " fine", ",", " it", "'s"});
  CHECK(split_pieces(pre, "日本語 ٣٤") == V{"日本語", " ", "٣", "٤"});
  CHECK(split_pieces(pre, "a\r\n\r\nb") == V{"a", "\r\n\r\n", "b"});
  // Oniguruma's \s includes U+0085 (NEL); PCRE2's does not unless we add it.
  CHECK(split_pieces(pre, "x!\xC2\x85") == V{"x", "!", "\xC2\x85"});
}

TEST_CASE("ByteLevel pre-tokenizer: GPT-2 regex and add_prefix_space", "[tokenizer]") {
  using V = std::vector<std::string>;
  json bl{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}};
  CHECK(split_pieces(bl, "Hello world's  end") == V{"Hello", "\xC4\xA0world", "'s", "\xC4\xA0",
                                                    "\xC4\xA0"
                                                    "end"});
  bl["add_prefix_space"] = true;
  CHECK(split_pieces(bl, "Hi") == V{"\xC4\xA0Hi"});
  CHECK(split_pieces(bl, " Hi") == V{"\xC4\xA0Hi"});
}

TEST_CASE("Digits pre-tokenizer", "[tokenizer]") {
  using V = std::vector<std::string>;
  CHECK(split_pieces(json{{"type", "Digits"}, {"individual_digits", true}}, "a123b4") ==
        V{"a", "1", "2", "3", "b", "4"});
  CHECK(split_pieces(json{{"type", "Digits"}, {"individual_digits", false}}, "a123b4") == V{"a", "123", "b", "4"});
}

TEST_CASE("NFC normalizer composes before the model sees the text", "[tokenizer]") {
  auto j = json::parse(make_tiny_tokenizer_json({}));
  j["normalizer"] = {{"type", "Sequence"}, {"normalizers", json::array({json{{"type", "NFC"}}})}};
  auto t = load(j);
  auto composed = t.encode("caf\xC3\xA9!", false);     // é precomposed
  auto decomposed = t.encode("cafe\xCC\x81!", false);  // e + combining acute
  CHECK(composed.ids == decomposed.ids);
  CHECK(t.decode(decomposed.ids) == "caf\xC3\xA9!");
  // offsets still point into the original (decomposed) text
  CHECK(decomposed.offsets.back() == std::make_pair(std::size_t{6}, std::size_t{7}));
}

TEST_CASE("added tokens: literal, longest first, special or not, with strip flags", "[tokenizer]") {
  auto j = json::parse(make_tiny_tokenizer_json({}));
  auto add = [&](int id, const std::string& content, bool special, json extra = json::object()) {
    json t{{"id", id},        {"content", content},   {"special", special}, {"lstrip", false},
           {"rstrip", false}, {"single_word", false}, {"normalized", false}};
    t.update(extra);
    j["added_tokens"].push_back(t);
  };
  add(300, "<|eot_id|>x", false);  // longer than <|eot_id|>: wins where it matches
  add(301, "<mask>", true, {{"lstrip", true}, {"rstrip", true}});
  add(302, "cat", false, {{"single_word", true}});
  auto t = load(j);
  const TokenId eot = t.require_token_id(kLladaEot);

  auto e = t.encode("Hi<|eot_id|>there<|eot_id|>x", false);
  CHECK(e.ids == std::vector<TokenId>{'H', 'i', eot, 't', 'h', 'e', 'r', 'e', 300});
  CHECK(e.special == std::vector<bool>{false, false, true, false, false, false, false, false, false});
  CHECK(e.offsets[2] == std::make_pair(std::size_t{2}, std::size_t{12}));

  auto m = t.encode("a  <mask>  b", false);
  CHECK(m.ids == std::vector<TokenId>{'a', 301, 'b'});
  CHECK(m.offsets[1] == std::make_pair(std::size_t{1}, std::size_t{11}));

  auto c = t.encode("cat concat cat", false);
  CHECK(c.ids == std::vector<TokenId>{302, ' ', 'c', 'o', 'n', 'c', 'a', 't', ' ', 302});

  CHECK(t.decode(e.ids) == "Hi<|eot_id|>there<|eot_id|>x");
  CHECK(t.decode(e.ids, /*skip_special_tokens=*/true) == "Hithere<|eot_id|>x");  // 300 is not special
  CHECK(t.is_special(eot));
  CHECK_FALSE(t.is_special(300));
  CHECK(t.id_to_token(eot) == std::string(kLladaEot));
  CHECK(t.token_to_id("\xC4\xA0") == TokenId{' '});
  CHECK_FALSE(t.token_to_id("<|nope|>").has_value());
}

TEST_CASE("normalized added tokens are matched after normalization", "[tokenizer]") {
  auto j = json::parse(make_tiny_tokenizer_json({}));
  j["normalizer"] = {{"type", "NFC"}};
  j["added_tokens"].push_back(
      {{"id", 400}, {"content", "\xC3\xA9t\xC3\xA9"}, {"special", false}, {"normalized", true}});
  auto t = load(j);
  CHECK(t.encode_ids("un e\xCC\x81te\xCC\x81", false) == std::vector<TokenId>{'u', 'n', ' ', 400});
}

TEST_CASE("TemplateProcessing adds BOS only with add_special_tokens", "[tokenizer]") {
  auto j = json::parse(make_tiny_tokenizer_json({}));
  TokenId bos = 256;  // <|startoftext|>
  j["post_processor"] = {
      {"type", "Sequence"},
      {"processors",
       json::array(
           {json{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}},
            json{{"type", "TemplateProcessing"},
                 {"single", json::array({json{{"SpecialToken", {{"id", "<|startoftext|>"}, {"type_id", 0}}}},
                                         json{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}})},
                 {"pair", json::array()},
                 {"special_tokens",
                  {{"<|startoftext|>",
                    {{"id", "<|startoftext|>"}, {"ids", {bos}}, {"tokens", {"<|startoftext|>"}}}}}}}})}};
  auto t = load(j);
  CHECK(t.encode_ids("hi", true) == std::vector<TokenId>{bos, 'h', 'i'});
  CHECK(t.encode_ids("hi", false) == std::vector<TokenId>{'h', 'i'});
  CHECK(encode_plain_prompt(t, "hi") == std::vector<TokenId>{bos, 'h', 'i'});
  CHECK(t.decode(t.encode_ids("hi"), true) == "hi");
}

TEST_CASE("round trips: decode(encode(s)) == s", "[tokenizer]") {
  TinyTokenizerOptions with_merges;
  with_merges.corpus = "the cat sat on the mat; the hat is flat. 12 + 34 = 46\n\n";
  for (int i = 0; i < 4; ++i) with_merges.corpus += with_merges.corpus;
  with_merges.num_merges = 40;
  auto merged = Tokenizer::from_json_string(make_tiny_tokenizer_json(with_merges), "merged.json");
  TinyTokenizerOptions gpt2 = with_merges;
  gpt2.split_regex = "";
  auto gpt2_style = Tokenizer::from_json_string(make_tiny_tokenizer_json(gpt2), "gpt2.json");

  std::vector<std::string> strings = corpus_strings();
  strings.push_back("");
  strings.push_back(std::string("nul\0byte", 8));
  std::mt19937 rng(1234);
  for (int n = 0; n < 200; ++n) {  // random valid code points from every plane region that matters
    std::string s;
    int len = static_cast<int>(rng() % 12);
    for (int k = 0; k < len; ++k) {
      std::uint32_t ranges[][2] = {{0x20, 0x7E},     {0x09, 0x0D},     {0xA0, 0x2FF},      {0x300, 0x36F},
                                   {0x590, 0x6FF},   {0x2000, 0x206F}, {0x3040, 0x30FF},   {0x4E00, 0x9FFF},
                                   {0xAC00, 0xD7A3}, {0xE000, 0xF8FF}, {0x1F300, 0x1FAFF}, {0x10000, 0x10FFFF}};
      auto& r = ranges[rng() % 12];
      detail::utf8_append(s, r[0] + rng() % (r[1] - r[0] + 1));
    }
    strings.push_back(s);
  }
  for (const auto& s : strings) {
    INFO(s);
    for (const Tokenizer* t : std::vector<const Tokenizer*>{&tiny(), &merged, &gpt2_style}) {
      auto enc = t->encode(s, false);
      CHECK(t->decode(enc.ids) == s);
      for (std::size_t i = 0; i < enc.ids.size(); ++i) {
        CHECK(enc.offsets[i].first <= enc.offsets[i].second);
        CHECK(enc.offsets[i].second <= s.size());
      }
    }
  }
  CHECK(merged.encode_ids(with_merges.corpus, false).size() < with_merges.corpus.size() / 2);
}

TEST_CASE("offsets point to byte ranges of the input", "[tokenizer]") {
  auto e = tiny().encode("Hi \xE2\x82\xAC!", false);  // "Hi €!"
  // pieces: "Hi", " " , "€" (3 byte tokens), "!"  — each byte of € maps to the whole character
  REQUIRE(e.ids.size() == 7);
  CHECK(e.offsets[0] == std::make_pair(std::size_t{0}, std::size_t{1}));
  CHECK(e.offsets[2] == std::make_pair(std::size_t{2}, std::size_t{3}));
  CHECK(e.offsets[3] == std::make_pair(std::size_t{3}, std::size_t{6}));
  CHECK(e.offsets[6] == std::make_pair(std::size_t{6}, std::size_t{7}));
}

TEST_CASE("invalid UTF-8 input is an InputError", "[tokenizer]") {
  CHECK_THROWS_AS(tiny().encode("ab\xFF"), InputError);
  CHECK_THAT(error_of([] { tiny().encode("ab\xFF"); }), Catch::Contains("byte 2"));
}

TEST_CASE("LLaDA chat template: exact string and ids", "[tokenizer]") {
  std::string hi = render_llada_chat({{"user", "Hi"}});
  CHECK(hi ==
        "<|startoftext|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n");
  std::string multi = render_llada_chat(
      {{"system", "  Be brief.\n"}, {"user", "\tWhat is 2+2? \xE3\x80\x80"}, {"assistant", "4"}, {"user", "And 3+3?"}});
  CHECK(multi ==
        "<|startoftext|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n4<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nAnd 3+3?<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n");
  CHECK(render_llada_chat({}) == "<|start_header_id|>assistant<|end_header_id|>\n\n");

  auto sp = llada_special_tokens(tiny());
  CHECK(sp.bos == 256);
  CHECK(sp.eos == 257);
  CHECK(sp.start_header == 258);
  CHECK(sp.end_header == 259);
  CHECK(sp.eot == 260);
  CHECK(sp.mask == 261);
  std::vector<TokenId> expected = {sp.bos, sp.start_header, 'u', 's', 'e', 'r', sp.end_header, '\n', '\n', 'H', 'i',
                                   sp.eot, sp.start_header};
  for (char c : std::string("assistant")) expected.push_back(c);
  expected.insert(expected.end(), {sp.end_header, '\n', '\n'});
  CHECK(encode_llada_chat(tiny(), {{"user", "Hi"}}) == expected);
  CHECK(tiny().decode(expected) == hi);
  CHECK(tiny().decode(expected, true) == "user\n\nHiassistant\n\n");
}

TEST_CASE("generated tiny tokenizer: written, loaded back, deterministic", "[tokenizer]") {
  test::TempDir dir;
  TinyTokenizerOptions o;
  o.corpus = "low lower lowest newer newest wider widest\n";
  for (int i = 0; i < 3; ++i) o.corpus += o.corpus;
  o.num_merges = 10;
  auto t = write_tiny_tokenizer(dir.file("tokenizer.json"), o);
  CHECK(make_tiny_tokenizer_json(o) == test::read_file(dir.file("tokenizer.json")));
  CHECK(t.model_vocab_size() == 266);
  CHECK(t.vocab_size() == 272);
  CHECK(t.require_token_id(kLladaMask) == 271);
  CHECK(t.token_to_id("we") == TokenId{256});  // the most frequent pair in the corpus (lower, lowest, newer, newest)
  auto ids = t.encode_ids(" lowest", false);
  CHECK(ids.size() < 7);
  CHECK(t.decode(ids) == " lowest");
  CHECK(t.encode_ids("<|mdm_mask|><|mdm_mask|>", false) == std::vector<TokenId>{271, 271});
  auto j = json::parse(test::read_file(dir.file("tokenizer.json")));
  CHECK(j["model"]["merges"][0] == json::array({"w", "e"}));
  CHECK(j["model"]["vocab"]["\xC4\xA0"] == 32);
  // Not enough repeated pairs: training stops early instead of inventing merges.
  TinyTokenizerOptions few;
  few.corpus = "abcd";
  few.num_merges = 5;
  CHECK(Tokenizer::from_json_string(make_tiny_tokenizer_json(few), "few.json").model_vocab_size() == 256);
}

TEST_CASE("unsupported or malformed components are clear errors naming file and JSON path", "[tokenizer]") {
  auto base = json::parse(make_tiny_tokenizer_json({}));
  auto expect = [&](const std::function<void(json&)>& edit, const std::string& what) {
    json j = base;
    edit(j);
    auto msg = error_of([&] { Tokenizer::from_json_string(j.dump(), "/models/x/tokenizer.json"); });
    INFO(msg);
    CHECK_THAT(msg, Catch::Contains("/models/x/tokenizer.json") && Catch::Contains(what));
  };
  expect([](json& j) { j["model"]["type"] = "WordPiece"; }, "unsupported tokenizer component WordPiece at model");
  expect(
      [](json& j) {
        j["normalizer"] = {{"type", "Lowercase"}};
      },
      "unsupported tokenizer component Lowercase at normalizer");
  expect(
      [](json& j) {
        j["pre_tokenizer"]["pretokenizers"][1] = {{"type", "Metaspace"}};
      },
      "unsupported tokenizer component Metaspace at pre_tokenizer.pretokenizers[1]");
  expect(
      [](json& j) {
        j["decoder"] = {{"type", "WordPiece"}};
      },
      "unsupported tokenizer component WordPiece at decoder");
  expect(
      [](json& j) {
        j["post_processor"] = {{"type", "RobertaProcessing"}};
      },
      "unsupported tokenizer component RobertaProcessing at post_processor");
  expect([](json& j) { j["truncation"] = {{"max_length", 512}}; }, "unsupported tokenizer component truncation");
  expect([](json& j) { j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "(unclosed"; },
         "regex does not compile");
  expect([](json& j) { j["pre_tokenizer"]["pretokenizers"][0]["behavior"] = "Sideways"; }, "unknown split behavior");
  expect([](json& j) { j["added_tokens"][0]["lstrip"] = "yes"; }, "added_tokens[0].lstrip");
  auto msg = error_of([] { Tokenizer::from_json_string("{not json", "broken.json"); });
  CHECK_THAT(msg, Catch::Contains("broken.json") && Catch::Contains("not valid JSON"));
  CHECK_THROWS_AS(Tokenizer::from_file("/nonexistent/tokenizer.json"), InputError);
  CHECK_THAT(error_of([] { llada_special_tokens(load(char_bpe({"a"}, json::array()))); }),
             Catch::Contains("<|startoftext|>"));
}

TEST_CASE("tokenize command: ids and pieces, --json, --chat, --decode", "[tokenizer]") {
  test::TempDir dir;
  std::string path = dir.file("tokenizer.json");
  write_tiny_tokenizer(path, {});
  auto r = test::run_cli("tokenize --tokenizer '" + path + "' --text 'Hi <|eot_id|>'");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("ids: 72,105,32,260") && Catch::Contains("(special)"));

  r = test::run_cli("tokenize --tokenizer '" + path + "' --text 'Hi' --json --chat");
  CHECK(r.exit_code == 0);
  auto j = json::parse(r.out);
  CHECK(j["ids"].get<std::vector<TokenId>>() == encode_llada_chat(tiny(), {{"user", "Hi"}}));
  CHECK(j["pieces"][0] == "<|startoftext|>");

  test::write_file(dir.file("prompt.txt"), "line 1\nline 2\n");
  r = test::run_cli("tokenize --tokenizer '" + path + "' --file '" + dir.file("prompt.txt") + "' --json");
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out)["count"] == 14);

  r = test::run_cli("tokenize --tokenizer '" + path + "' --decode '72,105,32,260'");
  CHECK(r.exit_code == 0);
  CHECK(r.out == "Hi <|eot_id|>\n");
  r = test::run_cli("tokenize --tokenizer '" + path + "' --decode '72,105,32,260' --skip-special");
  CHECK(r.out == "Hi \n");

  r = test::run_cli("tokenize --tokenizer '" + path + "' --decode '72,x'");
  CHECK(r.exit_code == 2);
  r = test::run_cli("tokenize --tokenizer '" + path + "'");
  CHECK(r.exit_code == 2);
  r = test::run_cli("tokenize --tokenizer '" + dir.file("missing.json") + "' --text hi");
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.out, Catch::Contains("missing.json"));
}
