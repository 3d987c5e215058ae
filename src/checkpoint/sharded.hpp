#pragma once
// Hugging Face sharded checkpoints: `model.safetensors.index.json`
//   {"metadata": {"total_size": BYTES}, "weight_map": {tensor_name: "model-00001-of-00006.safetensors", ...}}
// next to the shard files. Reading is done by Checkpoint (checkpoint.hpp); this header holds the
// index reader and the sharding writer.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/safetensors.hpp"

namespace trafl::checkpoint {

inline constexpr const char* kSingleFileName = "model.safetensors";
inline constexpr const char* kIndexFileName = "model.safetensors.index.json";

struct ShardIndex {
  std::optional<std::uint64_t> total_size;        // metadata.total_size when present
  std::map<std::string, std::string> weight_map;  // tensor name -> shard file name (relative to the index)
};
// Reads and validates an index (an object with a "weight_map" object of strings; shard names are
// plain relative paths without ".."). Errors are InputErrors naming the file and the key.
ShardIndex read_shard_index(const std::string& path);

struct ShardingOptions {
  // A new shard starts when adding the next tensor would pass this many data bytes (a tensor larger
  // than the limit gets a shard of its own). 0 = never split.
  std::uint64_t max_shard_bytes = 5'000'000'000ULL;
  // With one shard: false writes model.safetensors (what save_pretrained does); true writes
  // model-00001-of-00001.safetensors plus an index.
  bool always_index = false;
  std::map<std::string, std::string> metadata = {{"format", "pt"}};  // each shard's __metadata__
};

// Writes `tensors` (in the given order) into `dir` (created if needed) as model.safetensors or as
// model-0000K-of-0000N.safetensors shards plus model.safetensors.index.json (written last, after
// every shard, each atomically). Returns the file names written, index last.
std::vector<std::string> write_sharded(const std::string& dir, const std::vector<TensorToWrite>& tensors,
                                       const ShardingOptions& options = {});
std::vector<std::string> write_sharded(const std::string& dir, const std::vector<OwnedTensor>& tensors,
                                       const ShardingOptions& options = {});

}  // namespace trafl::checkpoint
