#pragma once
// A checkpoint directory (or file) as one name -> tensor map, whatever its layout:
//   DIR/model.safetensors                      single file (preferred when both exist, as transformers does)
//   DIR/model.safetensors.index.json + shards  sharded
//   a .safetensors file or an index .json file given directly.
// Every shard is memory-mapped and validated on open; the index and the shards must agree exactly
// (a tensor in the index but missing from its shard, or in a shard but not in the index, is an error
// naming the tensor).
//
// The model loader uses it as: for every parameter `expect(name, dtypes, shape)` (or `check(specs)`
// first to get every problem in one message), then `reject_unused()` so that extra tensors are an
// error, never silently ignored.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "checkpoint/safetensors.hpp"

namespace trafl::checkpoint {

struct TensorSpec {
  std::string name;
  Shape shape;
};

// Everything that differs between a checkpoint and what a model expects.
struct CheckpointMismatch {
  std::vector<std::string> missing;      // expected, not in the checkpoint
  std::vector<std::string> wrong_shape;  // "name: expected [..], found [..]"
  std::vector<std::string> wrong_dtype;  // "name: dtype F64 not in {BF16, F32}"
  std::vector<std::string> unexpected;   // in the checkpoint, not expected
  bool empty() const { return missing.empty() && wrong_shape.empty() && wrong_dtype.empty() && unexpected.empty(); }
  std::string describe(std::size_t max_per_kind = 10) const;  // one paragraph, counts + first names
};

class Checkpoint {
 public:
  // Opens a directory, a .safetensors file or an index .json. InputError when nothing loadable is
  // found (a pytorch_model.bin-only directory gets a "convert to safetensors" hint).
  static Checkpoint open(const std::string& path);

  const std::string& path() const { return path_; }  // as given
  bool sharded() const { return sharded_; }
  std::size_t size() const { return entries_.size(); }
  std::vector<std::string> names() const;  // sorted
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  // Header facts (no data access). TensorError naming the tensor when absent.
  const TensorInfo& info(const std::string& name) const;
  const std::string& file_of(const std::string& name) const;                        // the .safetensors path holding it
  std::uint64_t total_bytes() const;                                                // sum of tensor byte sizes
  const std::map<std::string, std::string>& metadata() const { return metadata_; }  // first file's
  const std::vector<std::string>& warnings() const { return warnings_; }            // e.g. index total_size mismatch
  const std::vector<std::shared_ptr<SafeTensorsFile>>& files() const { return files_; }

  // The tensor's bytes; marks it used. TensorError naming the tensor (and the checkpoint) when absent.
  TensorView view(const std::string& name);
  // view() plus checks: dtype in `dtypes`, shape == `shape`. Marks it used.
  TensorView expect(const std::string& name, DTypeSet dtypes, const Shape& shape);
  // Compares against a full parameter list (nothing is marked used).
  CheckpointMismatch compare(const std::vector<TensorSpec>& specs, DTypeSet dtypes) const;
  // compare() and throw one InputError describing every problem when there is any.
  void check(const std::vector<TensorSpec>& specs, DTypeSet dtypes) const;
  // Tensors never returned by view()/expect(), sorted; reject_unused() throws naming them.
  std::vector<std::string> unused() const;
  void reject_unused() const;

 private:
  struct Entry {
    std::size_t file = 0;  // index into files_
    const TensorInfo* info = nullptr;
  };
  Checkpoint() = default;
  const Entry& entry(const std::string& name) const;
  std::string path_;
  bool sharded_ = false;
  std::vector<std::shared_ptr<SafeTensorsFile>> files_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_set<std::string> used_;
  std::map<std::string, std::string> metadata_;
  std::vector<std::string> warnings_;
};

}  // namespace trafl::checkpoint
