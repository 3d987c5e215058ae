// trafl-eval tokenize: what a prompt becomes under a tokenizer.json (ids, pieces, offsets), and ids → text.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::cli {

namespace {
struct TokenizeOptions {
  std::string tokenizer;
  std::string text;
  std::string file;
  std::string decode;
  bool json = false;
  bool chat = false;
  bool no_special = false;
  bool skip_special = false;
};

std::vector<tok::TokenId> parse_ids(const std::string& s) {
  std::vector<tok::TokenId> ids;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    item = item.substr(b, e - b + 1);
    std::size_t used = 0;
    long long v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || v < 0 || v > INT32_MAX) {
      throw UsageError("--decode: '" + item + "' is not a token id (expected comma-separated non-negative integers)");
    }
    ids.push_back(static_cast<tok::TokenId>(v));
  }
  return ids;
}

void run(const TokenizeOptions& o) {
  int sources = (!o.text.empty() ? 1 : 0) + (!o.file.empty() ? 1 : 0) + (!o.decode.empty() ? 1 : 0);
  if (sources != 1) throw UsageError("tokenize: give exactly one of --text, --file, --decode");
  auto tokenizer = tok::Tokenizer::from_file(o.tokenizer);
  using nlohmann::json;

  if (!o.decode.empty()) {
    auto ids = parse_ids(o.decode);
    std::string text = tokenizer.decode(ids, o.skip_special);
    if (o.json) {
      std::cout << json{{"ids", ids}, {"text", text}}.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    } else {
      std::cout << text << "\n";
    }
    return;
  }

  std::string text = !o.file.empty() ? read_text_file(o.file, "text file") : o.text;
  std::string input = o.chat ? tok::render_chat(tokenizer, {{"user", text}}) : text;
  // A chat prompt carries its own BOS (the template adds it); a plain one gets what the post-processor adds.
  auto enc = tokenizer.encode(input, !o.chat && !o.no_special);
  std::vector<std::string> texts;
  for (auto id : enc.ids) texts.push_back(tokenizer.decode({id}));

  if (o.json) {
    json offsets = json::array();
    for (auto [s, e] : enc.offsets) offsets.push_back({s, e});
    json out{{"tokenizer", o.tokenizer}, {"text", input},  {"count", enc.ids.size()}, {"ids", enc.ids},
             {"pieces", enc.pieces},     {"texts", texts}, {"offsets", offsets},      {"special", enc.special}};
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    return;
  }
  std::cout << fmt::format("{} tokens (vocab size {})\n", enc.ids.size(), tokenizer.vocab_size());
  std::cout << fmt::format("{:>6}  {:>8}  {:<24}  {}\n", "index", "id", "piece", "text");
  for (std::size_t i = 0; i < enc.ids.size(); ++i) {
    std::string shown = json(texts[i]).dump(-1, ' ', false, json::error_handler_t::replace);
    std::cout << fmt::format("{:>6}  {:>8}  {:<24}  {}{}\n", i, enc.ids[i], enc.pieces[i], shown,
                             enc.special[i] ? "  (special)" : "");
  }
  std::cout << "ids: ";
  for (std::size_t i = 0; i < enc.ids.size(); ++i) std::cout << (i ? "," : "") << enc.ids[i];
  std::cout << "\n";
}
}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto opts = std::make_shared<TokenizeOptions>();
  auto* cmd = app.add_subcommand("tokenize", "Show the token ids and pieces a text becomes, or decode ids to text");
  cmd->add_option("--tokenizer", opts->tokenizer, "tokenizer.json (Hugging Face format)")->required();
  cmd->add_option("--text", opts->text, "text to encode");
  cmd->add_option("--file", opts->file, "file whose whole content is encoded");
  cmd->add_option("--decode", opts->decode, "comma-separated ids to decode to text");
  cmd->add_flag("--json", opts->json, "one JSON object: ids, pieces, per-token texts, byte offsets");
  cmd->add_flag(
      "--chat", opts->chat,
      "wrap the text as one user turn in the chat template of the tokenizer's folder (chat_template.jinja / tokenizer_config.json), else the built-in LLaDA one");
  cmd->add_flag("--no-special", opts->no_special, "do not let the post-processor add special tokens");
  cmd->add_flag("--skip-special", opts->skip_special, "with --decode: leave special tokens out of the text");
  cmd->callback([opts] { run(*opts); });
}

}  // namespace trafl::cli
