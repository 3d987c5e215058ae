#pragma once
// What makes a campaign, a run and a sample what they are (torch-free):
//   * ModelRef "name=DIR" or "DIR" (name = the directory's basename);
//   * model_fingerprint: SHA-256 over config.json, tokenizer.json, each weights file's name, size,
//     safetensors header and 16 evenly spaced 64 KiB chunks of its data (a fingerprint, not a full
//     hash: reading an 8B checkpoint whole per shard job would cost minutes; a fine-tuned or
//     re-initialised checkpoint differs in practically every chunk);
//   * problem_key: the first 8 bytes of SHA-256(problem id), big-endian: the sample's noise follows
//     the problem's id, not its position in the file;
//   * Shard "i/N": problem at 0-based position p (after --limit) belongs to shard p mod N
//     (balanced; stable because the data file's hash is part of the identity);
//   * run_config: the run's config JSON (the keys the diagnose/report stage relies on);
//   * campaign identity: every option that changes which samples exist or what they are.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "benchmarks/task.hpp"

namespace trafl::campaign {

struct ModelRef {
  std::string name;
  std::string dir;
};
// "name=DIR" or "DIR"; UsageError for an empty name or directory.
ModelRef parse_model_ref(const std::string& text);

std::string model_fingerprint(const std::string& dir);  // InputError naming a missing config.json
std::uint64_t problem_key(const std::string& problem_id);

struct Shard {
  std::int64_t index = 0;
  std::int64_t count = 1;
};
Shard parse_shard(const std::string& text);  // "i/N", 0 <= i < N; UsageError otherwise
std::vector<Problem> select_problems(const std::vector<Problem>& all, std::int64_t limit, const Shard& shard);

// One generation length's decoding (steps/block length resolved from the campaign's lists).
struct LengthConfig {
  std::int64_t gen_length = 0, steps = 0, block_length = 0;
};
// steps / block_lengths: empty = defaults, one value = for every length, else one per length.
// UsageError for a mismatch in list sizes or a gen_length / block / steps combination the sampler rejects.
std::vector<LengthConfig> resolve_lengths(const std::vector<std::int64_t>& gen_lengths,
                                          const std::vector<std::int64_t>& steps,
                                          const std::vector<std::int64_t>& block_lengths);

struct DecodingConfig {
  double temperature = 0.0, cfg_scale = 0.0;
  std::string remasking;
  bool chat = false, logits_eos_inf = false, confidence_eos_eot_inf = false;
  std::string dtype;
  bool fast = false;  // Fast-dLLM mode; threshold and prefix_cache matter only then
  double threshold = 0.9;
  bool prefix_cache = true;
  std::string confidence_dtype = "f64";  // "f64" | "model"; recorded only when not f64
};
// {"threshold": .., "prefix_cache": ..}: the "fast" entry of identities and run configs (fast mode only).
nlohmann::json fast_mode_json(const DecodingConfig& decoding);
nlohmann::json run_config(const LengthConfig& length, const DecodingConfig& decoding, const std::string& model_sha256);

// The campaign name when none is given: "c-" + 12 hex digits of SHA-256(identity).
std::string default_campaign_name(const nlohmann::json& identity);

}  // namespace trafl::campaign
