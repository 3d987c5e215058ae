#include "checkpoint/sharded.hpp"

#include <filesystem>
#include <fstream>
#include <set>
#include <string_view>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/file_io.hpp"

namespace trafl::checkpoint {

namespace fs = std::filesystem;

ShardIndex read_shard_index(const std::string& path) {
  const nlohmann::json j = read_json_file(path, "checkpoint index");
  if (!j.is_object()) throw InputError(path, 0, "", "the index must be a JSON object");
  ShardIndex out;
  if (auto m = j.find("metadata"); m != j.end() && !m->is_null()) {
    if (!m->is_object()) throw InputError(path, 0, "metadata", "must be an object");
    if (auto ts = m->find("total_size"); ts != m->end() && !ts->is_null()) {
      if (ts->is_number_unsigned())
        out.total_size = ts->get<std::uint64_t>();
      else if (ts->is_number_float() && ts->get<double>() >= 0)
        out.total_size = static_cast<std::uint64_t>(ts->get<double>());
      else
        throw InputError(path, 0, "metadata.total_size", "must be a non-negative number");
    }
  }
  auto wm = j.find("weight_map");
  if (wm == j.end()) throw InputError(path, 0, "weight_map", "missing (not a safetensors index?)");
  if (!wm->is_object()) throw InputError(path, 0, "weight_map", "must be an object {tensor name: shard file}");
  for (auto it = wm->begin(); it != wm->end(); ++it) {
    const std::string field = "weight_map." + it.key();
    if (!it.value().is_string()) throw InputError(path, 0, field, "shard file name must be a string");
    const std::string shard = it.value().get<std::string>();
    const fs::path p(shard);
    bool bad = shard.empty() || p.is_absolute();
    for (const auto& part : p)
      if (part == "..") bad = true;
    if (bad)
      throw InputError(path, 0, field,
                       fmt::format("shard file name \"{}\" must be a relative path inside the checkpoint", shard));
    out.weight_map.emplace(it.key(), shard);
  }
  return out;
}

std::vector<std::string> write_sharded(const std::string& dir, const std::vector<TensorToWrite>& tensors,
                                       const ShardingOptions& options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir, 0, "", fmt::format("cannot create directory: {}", ec.message()));
  std::set<std::string_view> names;
  for (const TensorToWrite& t : tensors)
    if (!names.insert(t.name).second)
      throw TensorError(dir, t.name, "given twice (tensor names must be unique across shards)");
  // Group in the given order.
  std::vector<std::vector<TensorToWrite>> shards;
  std::uint64_t current = 0;
  for (const TensorToWrite& t : tensors) {
    if (shards.empty() ||
        (options.max_shard_bytes > 0 && !shards.back().empty() && current + t.nbytes > options.max_shard_bytes)) {
      shards.emplace_back();
      current = 0;
    }
    shards.back().push_back(t);
    current += t.nbytes;
  }
  if (shards.empty()) shards.emplace_back();
  std::vector<std::string> written;
  if (shards.size() == 1 && !options.always_index) {
    write_safetensors((fs::path(dir) / kSingleFileName).string(), shards[0], options.metadata);
    written.push_back(kSingleFileName);
    return written;
  }
  nlohmann::json weight_map = nlohmann::json::object();
  std::uint64_t total = 0;
  const std::size_t n = shards.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::string name = fmt::format("model-{:05d}-of-{:05d}.safetensors", k + 1, n);
    write_safetensors((fs::path(dir) / name).string(), shards[k], options.metadata);
    for (const TensorToWrite& t : shards[k]) {
      weight_map[t.name] = name;
      total += t.nbytes;
    }
    written.push_back(name);
  }
  nlohmann::json index = {{"metadata", {{"total_size", total}}}, {"weight_map", std::move(weight_map)}};
  const std::string text = index.dump(2) + "\n";
  write_file_atomic((fs::path(dir) / kIndexFileName).string(), {{text.data(), text.size()}});
  written.push_back(kIndexFileName);
  return written;
}

std::vector<std::string> write_sharded(const std::string& dir, const std::vector<OwnedTensor>& tensors,
                                       const ShardingOptions& options) {
  std::vector<TensorToWrite> refs;
  refs.reserve(tensors.size());
  for (const OwnedTensor& t : tensors) refs.push_back(t.ref());
  return write_sharded(dir, refs, options);
}

}  // namespace trafl::checkpoint
