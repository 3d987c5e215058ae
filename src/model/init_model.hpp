#pragma once
// `trafl-eval init-model` without torch in the header: a randomly initialised checkpoint in
// Hugging Face layout (config.json, model.safetensors or shards + index, tokenizer.json).
#include <cstdint>
#include <string>
#include <vector>

namespace trafl::model {

struct InitModelOptions {
  std::string config_path;  // a config.json (or a directory holding one)
  std::string out_dir;      // created if needed
  std::uint64_t seed = 0;
  std::string tokenizer_path;      // copied to out_dir/tokenizer.json; empty = the tiny byte-level tokenizer
  std::string disk_dtype = "f32";  // f32 | bf16 | f16
  std::uint64_t max_shard_bytes = 5'000'000'000ULL;
};

struct InitModelResult {
  std::vector<std::string> files;  // written, relative to out_dir
  std::int64_t parameters = 0;
};

// InputError when the tokenizer and config disagree: the tokenizer needs more ids than
// embedding_size, or its <|mdm_mask|> id differs from mask_token_id (naming the key and both ids).
InitModelResult init_model(const InitModelOptions& options);

}  // namespace trafl::model
