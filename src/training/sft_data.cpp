// SFT / RL data: text pairs and their token layout (see sft_data.hpp).
#include "training/sft_data.hpp"

#include <fmt/format.h>

#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"
#include "tokenizer/chat_format.hpp"

namespace trafl::training {

std::vector<TextPair> read_sft_jsonl(const std::string& path) {
  std::vector<TextPair> out;
  JsonlReader reader(path);
  JsonlRecord rec;
  while (reader.next(rec)) {
    TextPair p;
    p.id = std::to_string(rec.line);
    p.prompt = require_string(rec, path, "prompt");
    p.response = require_string(rec, path, "response");
    out.push_back(std::move(p));
  }
  if (out.empty()) throw InputError(path, 0, "", "no training examples in the file");
  return out;
}

std::vector<TextPair> read_task_pairs(const std::string& task_name, const std::string& path, bool need_reference,
                                      const TaskOptions& options) {
  const std::unique_ptr<Task> task = make_task(task_name, options);
  std::vector<TextPair> out;
  for (Problem& p : task->load(path)) {
    if (need_reference && p.reference.empty())
      throw InputError(path, 0, "reference", fmt::format("problem '{}' has no reference solution to train on", p.id));
    out.push_back(TextPair{p.id, std::move(p.prompt), std::move(p.reference), std::move(p.gold)});
  }
  if (out.empty()) throw InputError(path, 0, "", "no problems in the file");
  return out;
}

std::vector<std::int64_t> encode_prompt(const tok::Tokenizer& tokenizer, const std::string& prompt, bool chat) {
  const std::vector<tok::TokenId> ids =
      chat ? tok::encode_chat(tokenizer, {{"user", prompt}}) : tok::encode_plain_prompt(tokenizer, prompt);
  return {ids.begin(), ids.end()};
}

TokenizedSet tokenize_pairs(const tok::Tokenizer& tokenizer, const std::vector<TextPair>& pairs,
                            const TokenizeOptions& options) {
  // Only the padding id is needed, not LLaDA's special tokens: a Dream (Qwen) tokenizer has none of them.
  const std::int64_t pad = options.pad_id >= 0 ? options.pad_id : tokenizer.require_token_id(tok::kLladaEos);
  const auto R = static_cast<std::size_t>(options.response_length);
  // The turn ends as the chat template ends an assistant turn (<|eot_id|> for LLaDA's).
  std::vector<tok::TokenId> turn_end;
  if (options.chat) turn_end = tokenizer.encode_ids(tok::chat_turn_end(tokenizer), /*add_special_tokens=*/false);
  TokenizedSet set;
  for (const TextPair& pair : pairs) {
    TokenizedExample ex;
    ex.prompt = encode_prompt(tokenizer, pair.prompt, options.chat);
    for (tok::TokenId id : tokenizer.encode_ids(pair.response, /*add_special_tokens=*/false)) ex.response.push_back(id);
    ex.response.insert(ex.response.end(), turn_end.begin(), turn_end.end());
    if (ex.response.size() > R) {
      ex.response.resize(R);
      ++set.truncated;
    }
    ex.content_tokens = static_cast<std::int64_t>(ex.response.size());
    ex.response.resize(R, pad);
    set.examples.push_back(std::move(ex));
  }
  return set;
}

}  // namespace trafl::training
