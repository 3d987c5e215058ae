#include "sampling/loglik.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <filesystem>

#include "core/error.hpp"
#include "model/cpu_threads.hpp"
#include "model/llada.hpp"
#include "sampling/elbo.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::sampling {

LoglikResult estimate_loglik(const LoglikOptions& o) {
  if (o.mc <= 0 || o.batch_size <= 0) throw UsageError("--mc and --batch-size must be positive");
  if (o.mc % o.batch_size != 0) throw UsageError("--mc must be a multiple of --batch-size (whole stratified batches)");
  if (o.completion.empty()) throw UsageError("--completion must not be empty");
  model::set_cpu_threads(o.threads);

  model::LoadOptions lo;
  lo.device = model::parse_device(o.device);
  lo.dtype = model::parse_dtype(o.dtype);
  lo.zero_copy = lo.device.is_cpu();
  const model::LLaDAModel m = model::LLaDAModel::load(o.model_dir, lo);
  const auto tokenizer = tok::Tokenizer::from_file((std::filesystem::path(o.model_dir) / "tokenizer.json").string());

  auto prompt32 =
      o.chat ? tok::encode_chat(tokenizer, {{"user", o.prompt}}) : tok::encode_plain_prompt(tokenizer, o.prompt);
  // The completion continues the prompt: no special tokens of its own.
  auto answer32 = tokenizer.encode_ids(o.completion, /*add_special_tokens=*/false);
  std::vector<std::int64_t> prompt(prompt32.begin(), prompt32.end()), answer(answer32.begin(), answer32.end());

  ElboOptions eo;
  eo.mc = o.mc;
  eo.batch_size = o.batch_size;
  eo.cfg_scale = o.cfg_scale;
  eo.seed = o.seed;
  auto est = estimate_elbo(m, prompt, answer, eo);

  LoglikResult r;
  r.elbo = est.mean;
  r.std_error = est.std_error;
  r.rows = est.rows;
  r.prompt_tokens = static_cast<std::int64_t>(prompt.size());
  r.completion_tokens = static_cast<std::int64_t>(answer.size());
  return r;
}

}  // namespace trafl::sampling
