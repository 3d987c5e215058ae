#include "checkpoint/checkpoint.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/format.h>

#include "checkpoint/sharded.hpp"

namespace trafl::checkpoint {

namespace fs = std::filesystem;

namespace {
std::string join_first(const std::vector<std::string>& items, std::size_t max) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max; ++i) {
    if (i) out += "; ";
    out += items[i];
  }
  if (items.size() > max) out += fmt::format("; … and {} more", items.size() - max);
  return out;
}
}  // namespace

std::string CheckpointMismatch::describe(std::size_t max_per_kind) const {
  std::vector<std::string> parts;
  auto add = [&](const std::vector<std::string>& v, const char* one, const char* many) {
    if (v.empty()) return;
    parts.push_back(fmt::format("{} {}: {}", v.size(), v.size() == 1 ? one : many, join_first(v, max_per_kind)));
  };
  add(missing, "missing tensor", "missing tensors");
  add(wrong_shape, "tensor with the wrong shape", "tensors with the wrong shape");
  add(wrong_dtype, "tensor with an unsupported dtype", "tensors with an unsupported dtype");
  add(unexpected, "unexpected tensor (not a parameter of this model)",
      "unexpected tensors (not parameters of this model)");
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? ". " : "") + parts[i];
  return out;
}

Checkpoint Checkpoint::open(const std::string& path) {
  Checkpoint ck;
  ck.path_ = path;
  std::error_code ec;
  fs::path target(path);
  if (!fs::exists(target, ec)) throw InputError(path, 0, "", "no such file or directory");
  if (fs::is_directory(target, ec)) {
    if (fs::exists(target / kSingleFileName, ec)) {
      target /= kSingleFileName;
    } else if (fs::exists(target / kIndexFileName, ec)) {
      target /= kIndexFileName;
    } else {
      std::string hint;
      if (fs::exists(target / "pytorch_model.bin", ec) || fs::exists(target / "pytorch_model.bin.index.json", ec))
        hint = " (found pytorch_model.bin: PyTorch pickles are not supported; convert the checkpoint to safetensors)";
      throw InputError(path, 0, "",
                       fmt::format("no {} or {} in this directory{}", kSingleFileName, kIndexFileName, hint));
    }
  }
  const std::string file = target.string();
  const bool is_index = target.extension() == ".json";
  if (!is_index) {
    ck.files_.push_back(std::make_shared<SafeTensorsFile>(file));
    for (const TensorInfo& t : ck.files_[0]->tensors()) ck.entries_.emplace(t.name, Entry{0, &t});
    ck.metadata_ = ck.files_[0]->metadata();
    return ck;
  }

  ck.sharded_ = true;
  const ShardIndex index = read_shard_index(file);
  const fs::path base = target.parent_path();
  std::map<std::string, std::size_t> shard_ids;  // shard name -> files_ index, in name order
  for (const auto& [name, shard] : index.weight_map) shard_ids.emplace(shard, 0);
  for (auto& [shard, id] : shard_ids) {
    id = ck.files_.size();
    const std::string shard_path = (base / shard).string();
    if (!fs::exists(shard_path, ec)) {
      const auto it = std::find_if(index.weight_map.begin(), index.weight_map.end(),
                                   [&, &missing = shard](const auto& kv) { return kv.second == missing; });
      throw TensorError(file, it->first, fmt::format("the index maps it to shard '{}', which does not exist", shard));
    }
    ck.files_.push_back(std::make_shared<SafeTensorsFile>(shard_path));
  }
  // Index -> shards: every listed tensor must be in its shard.
  for (const auto& [name, shard] : index.weight_map) {
    const std::size_t id = shard_ids.at(shard);
    const TensorInfo* info = ck.files_[id]->find(name);
    if (!info)
      throw TensorError(file, name,
                        fmt::format("listed in the index for shard '{}' but missing from that shard", shard));
    ck.entries_.emplace(name, Entry{id, info});
  }
  // Shards -> index: every tensor in a shard must be listed, and for that shard.
  for (const auto& [shard, id] : shard_ids) {
    for (const TensorInfo& t : ck.files_[id]->tensors()) {
      auto it = index.weight_map.find(t.name);
      if (it == index.weight_map.end())
        throw TensorError(ck.files_[id]->path(), t.name,
                          fmt::format("present in this shard but not listed in {}", kIndexFileName));
      if (it->second != shard)
        throw TensorError(ck.files_[id]->path(), t.name,
                          fmt::format("present in this shard but {} maps it to '{}'", kIndexFileName, it->second));
    }
  }
  if (!ck.files_.empty()) ck.metadata_ = ck.files_[0]->metadata();
  if (index.total_size && *index.total_size != ck.total_bytes())
    ck.warnings_.push_back(fmt::format("{}: metadata.total_size is {} but the shards hold {} bytes of tensor data",
                                       file, *index.total_size, ck.total_bytes()));
  return ck;
}

std::vector<std::string> Checkpoint::names() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [name, e] : entries_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

const Checkpoint::Entry& Checkpoint::entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw TensorError(path_, name, "not in the checkpoint");
  return it->second;
}

const TensorInfo& Checkpoint::info(const std::string& name) const { return *entry(name).info; }

const std::string& Checkpoint::file_of(const std::string& name) const { return files_[entry(name).file]->path(); }

std::uint64_t Checkpoint::total_bytes() const {
  std::uint64_t total = 0;
  for (const auto& f : files_)
    for (const TensorInfo& t : f->tensors()) total += t.nbytes();
  return total;
}

TensorView Checkpoint::view(const std::string& name) {
  const Entry& e = entry(name);
  used_.insert(name);
  return files_[e.file]->view(*e.info);
}

TensorView Checkpoint::expect(const std::string& name, DTypeSet dtypes, const Shape& shape) {
  const Entry& e = entry(name);
  const TensorInfo& t = *e.info;
  const std::string& file = files_[e.file]->path();
  if (t.shape != shape)
    throw TensorError(
        file, name, fmt::format("shape {} but the model expects {}", shape_to_string(t.shape), shape_to_string(shape)));
  if (!dtypes.contains(t.dtype))
    throw TensorError(file, name,
                      fmt::format("dtype {} but the model accepts {}", dtype_name(t.dtype), dtypes.to_string()));
  used_.insert(name);
  return files_[e.file]->view(t);
}

CheckpointMismatch Checkpoint::compare(const std::vector<TensorSpec>& specs, DTypeSet dtypes) const {
  CheckpointMismatch m;
  std::set<std::string> expected;
  for (const TensorSpec& s : specs) {
    expected.insert(s.name);
    auto it = entries_.find(s.name);
    if (it == entries_.end()) {
      m.missing.push_back(s.name);
      continue;
    }
    const TensorInfo& t = *it->second.info;
    if (t.shape != s.shape)
      m.wrong_shape.push_back(
          fmt::format("{}: expected {}, found {}", s.name, shape_to_string(s.shape), shape_to_string(t.shape)));
    if (!dtypes.contains(t.dtype))
      m.wrong_dtype.push_back(fmt::format("{}: dtype {} not in {}", s.name, dtype_name(t.dtype), dtypes.to_string()));
  }
  for (const std::string& name : names())
    if (!expected.count(name)) m.unexpected.push_back(name);
  return m;
}

void Checkpoint::check(const std::vector<TensorSpec>& specs, DTypeSet dtypes) const {
  const CheckpointMismatch m = compare(specs, dtypes);
  if (!m.empty()) throw InputError(path_, 0, "", "checkpoint does not match the model config: " + m.describe());
}

std::vector<std::string> Checkpoint::unused() const {
  std::vector<std::string> out;
  for (const auto& [name, e] : entries_)
    if (!used_.count(name)) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

void Checkpoint::reject_unused() const {
  const std::vector<std::string> extra = unused();
  if (extra.empty()) return;
  if (extra.size() == 1)
    throw TensorError(file_of(extra[0]), extra[0], "is in the checkpoint but is not a parameter of this model");
  throw InputError(path_, 0, "",
                   fmt::format("{} tensors are in the checkpoint but are not parameters of this model: {}",
                               extra.size(), join_first(extra, 10)));
}

}  // namespace trafl::checkpoint
