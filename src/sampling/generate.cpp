// generate: model directory + prompts -> samples (see generate.hpp).
#include "sampling/generate.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "core/error.hpp"
#include "model/cpu_threads.hpp"
#include "model/llada.hpp"
#include "sampling/decoding_lengths.hpp"
#include "sampling/llada_sampler.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::sampling {

GenerateResult generate(const GenerateOptions& g) {
  using clock = std::chrono::steady_clock;
  if (g.n <= 0) throw UsageError("--n must be positive");
  if (g.batch_size <= 0) throw UsageError("--batch-size must be positive");
  if (g.prompts.empty()) throw UsageError("no prompt given");
  model::set_cpu_threads(g.threads);
  const auto t0 = clock::now();

  model::LoadOptions lo;
  lo.device = model::parse_device(g.device);
  lo.dtype = model::parse_dtype(g.dtype);
  lo.zero_copy = lo.device.is_cpu();
  const model::LLaDAModel m = model::LLaDAModel::load(g.model_dir, lo);
  const std::string tok_path = (std::filesystem::path(g.model_dir) / "tokenizer.json").string();
  const tok::Tokenizer tokenizer = tok::Tokenizer::from_file(tok_path);

  GenerateResult result;
  SamplerOptions so;
  fill_token_ids(so, m.config());
  so.eot_id = tokenizer.token_to_id(tok::kLladaEot).value_or(-1);
  const DecodingLengths lengths = resolve_decoding_lengths(g.gen_length, g.steps, g.block_length);
  so.gen_length = lengths.gen_length;
  so.steps = lengths.steps;
  so.block_length = lengths.block_length;
  so.temperature = g.temperature;
  so.cfg_scale = g.cfg_scale;
  so.remasking = parse_remasking(g.remasking);
  so.confidence_dtype = parse_confidence_dtype(g.confidence_dtype);
  so.logits_eos_inf = g.logits_eos_inf;
  so.confidence_eos_eot_inf = g.confidence_eos_eot_inf;
  so.seed = g.seed;
  so.fast = g.fast;
  so.threshold = g.threshold;
  so.prefix_cache = g.prefix_cache;
  validate(so);
  // The checkpoint's own template when it has one (LLaDA, Dream), else the built-in LLaDA one; parsed here so a
  // template we cannot render fails before any sampling.
  if (g.chat) result.chat_template = tok::chat_format_of(tokenizer)->description;

  std::vector<std::vector<std::int64_t>> encoded;
  for (const std::string& p : g.prompts) {
    std::vector<tok::TokenId> ids =
        g.chat ? tok::encode_chat(tokenizer, {{"user", p}}) : tok::encode_plain_prompt(tokenizer, p);
    encoded.emplace_back(ids.begin(), ids.end());
  }
  const auto t1 = clock::now();
  result.load_seconds = std::chrono::duration<double>(t1 - t0).count();

  // Rows in problem-major order, cut into batches; each row's noise depends only on its key.
  std::vector<std::vector<std::int64_t>> rows;
  std::vector<SampleKey> keys;
  for (std::size_t p = 0; p < encoded.size(); ++p)
    for (std::int64_t i = 0; i < g.n; ++i) {
      rows.push_back(encoded[p]);
      keys.push_back({p, static_cast<std::uint64_t>(i)});
    }
  for (std::size_t begin = 0; begin < rows.size(); begin += static_cast<std::size_t>(g.batch_size)) {
    const std::size_t end = std::min(rows.size(), begin + static_cast<std::size_t>(g.batch_size));
    std::vector<std::vector<std::int64_t>> batch(rows.begin() + begin, rows.begin() + end);
    std::vector<SampleKey> batch_keys(keys.begin() + begin, keys.begin() + end);
    std::vector<Trajectory> trajectories = sample(m, batch, batch_keys, so);
    for (std::size_t r = 0; r < trajectories.size(); ++r) {
      GeneratedSample s;
      s.problem = batch_keys[r].problem;
      s.index = batch_keys[r].index;
      s.prompt_ids = batch[r];
      std::vector<tok::TokenId> ids(trajectories[r].tokens.begin(), trajectories[r].tokens.end());
      s.text = tokenizer.decode(ids, /*skip_special_tokens=*/true);
      s.trajectory = std::move(trajectories[r]);
      result.generated_tokens += static_cast<std::int64_t>(s.trajectory.size());
      result.samples.push_back(std::move(s));
    }
  }
  result.sample_seconds = std::chrono::duration<double>(clock::now() - t1).count();
  return result;
}

}  // namespace trafl::sampling
