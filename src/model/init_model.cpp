// init-model: config -> LLaDAModel::init -> save, plus the tokenizer.
#include "model/init_model.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>

#include <filesystem>

#include "core/error.hpp"
#include "model/config.hpp"
#include "model/llada.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::model {

InitModelResult init_model(const InitModelOptions& options) {
  namespace fs = std::filesystem;
  const ModelConfig config = read_model_config(options.config_path);
  const fs::path out(options.out_dir);
  fs::create_directories(out);
  const std::string tok_path = (out / "tokenizer.json").string();

  // The tokenizer first: it must agree with the config before we spend time on weights.
  tok::Tokenizer tokenizer = [&] {
    if (options.tokenizer_path.empty()) return tok::write_tiny_tokenizer(tok_path, tok::TinyTokenizerOptions{});
    tok::Tokenizer t = tok::Tokenizer::from_file(options.tokenizer_path);
    if (fs::weakly_canonical(options.tokenizer_path) != fs::weakly_canonical(tok_path))
      fs::copy_file(options.tokenizer_path, tok_path, fs::copy_options::overwrite_existing);
    return t;
  }();
  if (static_cast<std::int64_t>(tokenizer.vocab_size()) > config.embedding_size)
    throw InputError(options.config_path, 0, "embedding_size",
                     fmt::format("the tokenizer needs {} ids but embedding_size is {}", tokenizer.vocab_size(),
                                 config.embedding_size));
  if (auto mask = tokenizer.token_to_id(tok::kLladaMask); mask && *mask != config.mask_token_id)
    throw InputError(options.config_path, 0, "mask_token_id",
                     fmt::format("mask_token_id is {} but the tokenizer's {} is id {}", config.mask_token_id,
                                 tok::kLladaMask, *mask));

  const LLaDAModel model = LLaDAModel::init(config, options.seed);
  model.save(out.string(), parse_dtype(options.disk_dtype), options.max_shard_bytes);

  InitModelResult result;
  result.parameters = parameter_count(config);
  for (const auto& entry : fs::directory_iterator(out))
    if (entry.is_regular_file()) result.files.push_back(entry.path().filename().string());
  std::sort(result.files.begin(), result.files.end());
  return result;
}

}  // namespace trafl::model
