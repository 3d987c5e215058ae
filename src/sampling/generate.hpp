#pragma once
// `trafl-eval generate` as a torch-free entry point: load a model directory (config.json,
// safetensors, tokenizer.json), encode prompts, sample, decode.
#include <cstdint>
#include <string>
#include <vector>

#include "sampling/trajectory.hpp"

namespace trafl::sampling {

struct GenerateOptions {
  std::string model_dir;
  std::vector<std::string> prompts;  // one problem each
  bool chat = false;                 // chat template (one user turn) instead of the plain text: the
                                     // checkpoint's own (LLaDA, Dream), else the built-in LLaDA one
  std::int64_t n = 1;                // samples per prompt
  std::int64_t gen_length = 128;
  std::int64_t steps = 0;         // 0: = gen_length; rules shared with `sample` (decoding_lengths.hpp)
  std::int64_t block_length = 0;  // 0: 32 when it divides gen_length, else gen_length
  double temperature = 0.0;
  double cfg_scale = 0.0;
  std::string remasking = "low_confidence";
  std::string confidence_dtype = "f64";  // "f64" | "model" (llada_sampler.hpp: the low-confidence softmax's dtype)
  bool logits_eos_inf = false;
  bool confidence_eos_eot_inf = false;
  std::uint64_t seed = 0;
  bool fast = false;         // Fast-dLLM mode (llada_sampler.hpp): threshold decoding + prefix KV cache
  double threshold = 0.9;    // fast mode: also commit every masked position of the block with p > threshold
  bool prefix_cache = true;  // fast mode: reuse the prefix keys/values within a block
  std::string device = "cpu";
  std::string dtype = "f32";
  std::int64_t batch_size = 16;  // rows per forward (any value gives the same samples)
  int threads = 0;               // torch intra-op threads; 0 = leave the default
};

struct GeneratedSample {
  std::size_t problem = 0;  // index into prompts
  std::size_t index = 0;    // sample index within the problem
  std::vector<std::int64_t> prompt_ids;
  std::string text;       // generated tokens decoded with skip_special_tokens (as the reference)
  Trajectory trajectory;  // tokens, commit step, confidence
};

struct GenerateResult {
  std::vector<GeneratedSample> samples;  // problem-major, then index
  double load_seconds = 0.0;
  double sample_seconds = 0.0;
  std::int64_t generated_tokens = 0;
  std::string chat_template;  // with --chat: which template wrapped the prompts (tok::ChatFormat::description)
};

GenerateResult generate(const GenerateOptions& options);

}  // namespace trafl::sampling
