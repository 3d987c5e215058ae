#pragma once
// Training examples, torch-free: prompt/response text pairs from a JSONL file or from a task's
// split with its reference solutions, and their token layout for the masked-diffusion SFT loss.
//
// Layout of one example (the sampler's layout, so training and generation see the same positions):
//   prompt   chat template applied (or the plain text), never masked, no loss
//   response R tokens = the response's tokens, then (with the chat template) what the template ends an
//            assistant turn with (<|eot_id|> for LLaDA's; tok::chat_turn_end), then EOS
//            padding up to R (LLaDA pads SFT answers with EOS and trains on the padding too —
//            docs/method.md §3.5); a longer response is cut to R (counted in `truncated`).
#include <cstdint>
#include <string>
#include <vector>

#include "benchmarks/task.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::training {

struct TextPair {
  std::string id;        // problem id, or the JSONL line number
  std::string prompt;    // text given to the model (before the chat template)
  std::string response;  // target text (SFT) — empty for RL prompts without a reference
  std::string gold;      // the task's gold answer (RL rewards), empty for plain SFT data
};

// {"prompt": string, "response": string} per line (other keys ignored). A malformed line, a missing
// field or a non-string value is an InputError naming file:line:field. An empty file is an error.
std::vector<TextPair> read_sft_jsonl(const std::string& path);

// A task's problems (make_task(task)->load(path)): prompt = the task's prompt text, response = the
// reference solution, gold = the gold answer. `need_reference`: a problem without a reference is an
// InputError naming the file and the problem id.
std::vector<TextPair> read_task_pairs(const std::string& task, const std::string& path, bool need_reference,
                                      const TaskOptions& options = {});

struct TokenizedExample {
  std::vector<std::int64_t> prompt;    // [P]
  std::vector<std::int64_t> response;  // [R], EOS-padded
  std::int64_t content_tokens = 0;     // response tokens before padding (incl. EOT)
};

struct TokenizeOptions {
  bool chat = true;
  std::int64_t response_length = 64;  // R
  // The id responses are padded with: the model's EOS (config.json eos_token_id; LLaDA's SFT pads with
  // EOS and trains on it). -1 = the tokenizer's <|endoftext|> (LLaDA's and Dream's EOS both).
  std::int64_t pad_id = -1;
};

struct TokenizedSet {
  std::vector<TokenizedExample> examples;
  std::int64_t truncated = 0;  // responses cut to R
};

// The prompt's ids for the model (chat template with one user turn, or plain).
std::vector<std::int64_t> encode_prompt(const tok::Tokenizer& tokenizer, const std::string& prompt, bool chat);
TokenizedSet tokenize_pairs(const tok::Tokenizer& tokenizer, const std::vector<TextPair>& pairs,
                            const TokenizeOptions& options);

}  // namespace trafl::training
