// A tokenizer.json of deeply nested Sequence pre-tokenizers (issue 22: 10,000 levels took 2.8 GB, 50,000
// segfaulted): refused quickly, naming the file and the path, at a depth no real tokenizer comes near.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "tokenizer/tokenizer.hpp"

using Catch::Contains;

namespace {

// A char-level tokenizer.json whose pre-tokenizer is a Split on spaces wrapped in `levels` Sequences.
std::string nested_tokenizer(int levels) {
  const std::string open = R"({"type": "Sequence", "pretokenizers": [)";
  std::string pre;
  pre.reserve(static_cast<std::size_t>(levels) * (open.size() + 2) + 100);
  for (int i = 0; i < levels; ++i) pre += open;
  pre += R"({"type": "Split", "pattern": {"String": " "}, "behavior": "Removed", "invert": false})";
  for (int i = 0; i < levels; ++i) pre += "]}";
  return R"({"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": )" + pre +
         R"(, "post_processor": null, "decoder": null,
            "model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": [], "unk_token": null}})";
}

std::string load_error(const std::string& text) {
  try {
    trafl::tok::Tokenizer::from_json_string(text, "deep.json");
  } catch (const trafl::InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("tokenizer.json: nested Sequence pre-tokenizers are bounded, with the path built once",
          "[tokenizer][limits]") {
  // 20 levels: loads and encodes (the split still applies through every level).
  auto ok = trafl::tok::Tokenizer::from_json_string(nested_tokenizer(20), "ok.json");
  CHECK(ok.encode("ab ba", false).pieces == std::vector<std::string>{"a", "b", "b", "a"});
  // 40 levels is valid JSON (depth ~120) but past the component limit: refused, naming the file and the
  // path as far as the limit.
  auto msg = load_error(nested_tokenizer(40));
  CHECK_THAT(msg, Contains("deep.json") && Contains("nested deeper than 64") &&
                      Contains("pre_tokenizer.pretokenizers[0].pretokenizers[0]"));
  // 10,000 (2.8 GB before) and 50,000 levels (a segfault before): refused at once by the JSON reader.
  for (int levels : {10000, 50000}) {
    auto t0 = std::chrono::steady_clock::now();
    CHECK_THAT(load_error(nested_tokenizer(levels)), Contains("deep.json") && Contains("nested deeper"));
    CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 5.0);
  }
}
