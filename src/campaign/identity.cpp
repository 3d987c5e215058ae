// Campaign, run and sample identity (see identity.hpp).
#include "campaign/identity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"
#include "sampling/decoding_lengths.hpp"

namespace trafl::campaign {

namespace fs = std::filesystem;

ModelRef parse_model_ref(const std::string& text) {
  ModelRef ref;
  auto eq = text.find('=');
  if (eq == std::string::npos) {
    ref.dir = text;
    fs::path p(text);
    while (!p.empty() && p.filename().empty()) p = p.parent_path();  // "models/tiny/" -> "tiny"
    ref.name = p.filename().string();
  } else {
    ref.name = text.substr(0, eq);
    ref.dir = text.substr(eq + 1);
  }
  if (ref.name.empty() || ref.dir.empty())
    throw UsageError(fmt::format("--model '{}': expected DIR or NAME=DIR with a non-empty name and directory", text));
  return ref;
}

namespace {

std::string read_all(const fs::path& p) { return read_text_file(p.string(), "model file"); }

// name, size, the safetensors header (u64 length + JSON) and 16 evenly spaced 64 KiB chunks.
std::string weights_digest_input(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InputError(p.string(), 0, "", "cannot read weights file");
  const auto size = static_cast<std::uint64_t>(fs::file_size(p));
  std::string out = fmt::format("{}\n{}\n", p.filename().string(), size);
  std::uint64_t header = 0;
  if (size >= 8) {
    unsigned char b[8];
    in.read(reinterpret_cast<char*>(b), 8);
    for (int i = 0; i < 8; ++i) header |= static_cast<std::uint64_t>(b[i]) << (8 * i);
    header = std::min<std::uint64_t>(header, size - 8);
    std::string h(static_cast<std::size_t>(header), '\0');
    in.read(h.data(), static_cast<std::streamsize>(header));
    out += h;
  }
  const std::uint64_t data_begin = std::min<std::uint64_t>(size, 8 + header);
  const std::uint64_t data_size = size - data_begin;
  constexpr std::uint64_t kChunk = 64 * 1024, kChunks = 16;
  std::string buf(kChunk, '\0');
  for (std::uint64_t c = 0; c < kChunks && data_size > 0; ++c) {
    const std::uint64_t span = data_size > kChunk ? data_size - kChunk : 0;
    const std::uint64_t at = data_begin + span * c / (kChunks - 1);
    in.clear();
    in.seekg(static_cast<std::streamoff>(at));
    in.read(buf.data(), static_cast<std::streamsize>(std::min(kChunk, data_size)));
    out.append(buf.data(), static_cast<std::size_t>(in.gcount()));
  }
  return out;
}

}  // namespace

std::string model_fingerprint(const std::string& dir) {
  const fs::path d(dir);
  std::error_code ec;
  if (!fs::is_directory(d, ec)) throw InputError(dir, 0, "", "model directory not found");
  if (!fs::exists(d / "config.json", ec))
    throw InputError((d / "config.json").string(), 0, "", "model directory has no config.json");
  std::string input = "config.json\n" + read_all(d / "config.json");
  if (fs::exists(d / "tokenizer.json", ec)) input += "\ntokenizer.json\n" + read_all(d / "tokenizer.json");
  std::vector<fs::path> weights;
  for (const auto& e : fs::directory_iterator(d)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 12 && name.compare(name.size() - 12, 12, ".safetensors") == 0) weights.push_back(e.path());
  }
  std::sort(weights.begin(), weights.end());
  if (weights.empty()) throw InputError(dir, 0, "", "model directory has no *.safetensors weights");
  if (fs::exists(d / "model.safetensors.index.json", ec))
    input += "\nindex\n" + read_all(d / "model.safetensors.index.json");
  for (const auto& w : weights) input += "\n" + weights_digest_input(w);
  return sha256_hex(input);
}

std::uint64_t problem_key(const std::string& problem_id) {
  const std::string hex = sha256_hex(problem_id);
  return std::stoull(hex.substr(0, 16), nullptr, 16);
}

Shard parse_shard(const std::string& text) {
  Shard s;
  auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    std::size_t used = 0;
    s.index = std::stoll(text.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument("trailing");
    s.count = std::stoll(text.substr(slash + 1), &used);
    if (used != text.size() - slash - 1) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    throw UsageError(fmt::format("--shard '{}': expected i/N, e.g. 0/8", text));
  }
  if (s.count < 1 || s.index < 0 || s.index >= s.count)
    throw UsageError(fmt::format("--shard '{}': need 0 <= i < N", text));
  return s;
}

std::vector<Problem> select_problems(const std::vector<Problem>& all, std::int64_t limit, const Shard& shard) {
  const std::size_t take = limit > 0 ? std::min(all.size(), static_cast<std::size_t>(limit)) : all.size();
  std::vector<Problem> out;
  for (std::size_t p = 0; p < take; ++p)
    if (static_cast<std::int64_t>(p % static_cast<std::size_t>(shard.count)) == shard.index) out.push_back(all[p]);
  return out;
}

std::vector<LengthConfig> resolve_lengths(const std::vector<std::int64_t>& gen_lengths,
                                          const std::vector<std::int64_t>& steps,
                                          const std::vector<std::int64_t>& block_lengths) {
  if (gen_lengths.empty()) throw UsageError("--gen-length: give at least one length");
  auto pick = [&](const std::vector<std::int64_t>& list, std::size_t i, const char* flag) -> std::int64_t {
    if (list.empty()) return 0;
    if (list.size() == 1) return list[0];
    if (list.size() != gen_lengths.size())
      throw UsageError(
          fmt::format("{}: give one value, or one per --gen-length ({} values)", flag, gen_lengths.size()));
    return list[i];
  };
  std::vector<LengthConfig> out;
  for (std::size_t i = 0; i < gen_lengths.size(); ++i) {
    LengthConfig c;
    c.gen_length = gen_lengths[i];
    if (c.gen_length <= 0) throw UsageError(fmt::format("--gen-length {}: must be positive", c.gen_length));
    for (std::size_t j = 0; j < i; ++j)
      if (gen_lengths[j] == c.gen_length) throw UsageError(fmt::format("--gen-length {} given twice", c.gen_length));
    // The rule generate uses too (sampling/decoding_lengths.hpp).
    const auto d = sampling::resolve_decoding_lengths(c.gen_length, pick(steps, i, "--steps"),
                                                      pick(block_lengths, i, "--block-length"));
    c.steps = d.steps;
    c.block_length = d.block_length;
    out.push_back(c);
  }
  return out;
}

nlohmann::json fast_mode_json(const DecodingConfig& d) {
  return {{"threshold", d.threshold}, {"prefix_cache", d.prefix_cache}};
}

nlohmann::json run_config(const LengthConfig& length, const DecodingConfig& d, const std::string& model_sha256) {
  nlohmann::json j{{"sampler", "llada"},
                   {"gen_length", length.gen_length},
                   {"steps", length.steps},
                   {"block_length", length.block_length},
                   {"temperature", d.temperature},
                   {"remasking", d.remasking},
                   {"cfg_scale", d.cfg_scale},
                   {"chat", d.chat},
                   {"logits_eos_inf", d.logits_eos_inf},
                   {"confidence_eos_eot_inf", d.confidence_eos_eot_inf},
                   {"dtype", d.dtype},
                   {"prompt", "task"},
                   {"model_sha256", model_sha256}};
  if (d.fast) j["fast"] = fast_mode_json(d);
  if (d.confidence_dtype != "f64") j["confidence_dtype"] = d.confidence_dtype;
  return j;
}

std::string default_campaign_name(const nlohmann::json& identity) {
  return "c-" + sha256_hex(identity.dump()).substr(0, 12);
}

}  // namespace trafl::campaign
