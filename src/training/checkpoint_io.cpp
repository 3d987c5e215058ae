// Training checkpoints (see checkpoint_io.hpp).
#include "training/checkpoint_io.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "tokenizer/chat_format.hpp"

namespace trafl::training {
namespace fs = std::filesystem;

void write_text_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp);
  }
  fs::rename(tmp, path);
}

void save_tensors(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  torch::serialize::OutputArchive archive;
  for (const auto& [name, t] : tensors) archive.write(name, t.detach());
  archive.save_to(path);
}

std::map<std::string, torch::Tensor> load_tensors(const std::string& path, const std::vector<std::string>& names) {
  torch::serialize::InputArchive archive;
  archive.load_from(path);
  std::map<std::string, torch::Tensor> out;
  for (const std::string& name : names) {
    torch::Tensor t;
    if (!archive.try_read(name, t)) throw InputError(path, 0, name, "tensor missing from the training checkpoint");
    out[name] = t;
  }
  return out;
}

void load_tensors_into(const std::string& path, const std::vector<std::pair<std::string, torch::Tensor>>& into) {
  std::vector<std::string> names;
  for (const auto& [name, t] : into) names.push_back(name);
  const std::map<std::string, torch::Tensor> loaded = load_tensors(path, names);
  torch::NoGradGuard no_grad;
  for (const auto& [name, t] : into) {
    const torch::Tensor& src = loaded.at(name);
    if (src.sizes() != t.sizes())
      throw InputError(path, 0, name,
                       fmt::format("shape {} does not match the model's {}", fmt::join(src.sizes(), "x"),
                                   fmt::join(t.sizes(), "x")));
    torch::Tensor dst = t;
    dst.copy_(src);
  }
}

std::optional<std::string> latest_checkpoint(const std::string& out_dir) {
  std::ifstream in(fs::path(out_dir) / "latest");
  std::string name;
  if (!in || !std::getline(in, name) || name.empty()) return std::nullopt;
  const fs::path dir = fs::path(out_dir) / name;
  if (!fs::is_directory(dir))
    throw InputError((fs::path(out_dir) / "latest").string(), 1, "", "names a missing checkpoint " + name);
  return dir.string();
}

void copy_tokenizer_files(const std::string& tokenizer_path, const std::string& to_dir) {
  auto copy = [&](const fs::path& from, const fs::path& to) {
    if (fs::exists(to) && fs::equivalent(from, to)) return;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  };
  copy(tokenizer_path, fs::path(to_dir) / "tokenizer.json");
  for (const char* name : tok::kChatTemplateFiles) {
    const fs::path from = fs::path(tokenizer_path).parent_path() / name;
    if (fs::exists(from)) copy(from, fs::path(to_dir) / name);
  }
}

std::string save_checkpoint(const std::string& out_dir, const CheckpointContents& c, std::int64_t keep) {
  const fs::path out(out_dir);
  fs::create_directories(out);
  for (const auto& entry : fs::directory_iterator(out))  // leftovers of a save that was killed
    if (entry.is_directory() && entry.path().filename().string().rfind(".step-", 0) == 0) fs::remove_all(entry.path());

  const std::string name = fmt::format("step-{:08d}", c.step);
  const fs::path tmp = out / ("." + name + ".tmp");
  fs::create_directories(tmp);
  if (c.write_model) c.write_model(tmp.string());
  if (!c.adapter.empty()) save_tensors((tmp / "adapter.pt").string(), c.adapter);
  // With the chat template: without it, `sample --chat` on a step checkpoint fell back to the built-in
  // LLaDA template, silently, where the starting model had its own.
  if (!c.tokenizer_path.empty()) copy_tokenizer_files(c.tokenizer_path, tmp.string());
  {
    std::ofstream(tmp / "train_config.json") << c.train_config.dump(2) << "\n";
    nlohmann::json state = c.trainer_state;
    state["step"] = c.step;
    std::ofstream(tmp / "trainer_state.json") << state.dump(2) << "\n";
  }
  if (c.optimizer) torch::save(*c.optimizer, (tmp / "optimizer.pt").string());
  if (!c.objective_state.empty()) {
    std::vector<std::pair<std::string, torch::Tensor>> v(c.objective_state.begin(), c.objective_state.end());
    save_tensors((tmp / "objective_state.pt").string(), v);
  }
  const fs::path final_dir = out / name;
  fs::remove_all(final_dir);  // a re-save of the same step (after a resume) replaces it whole
  fs::rename(tmp, final_dir);
  write_text_atomic((out / "latest").string(), name + "\n");

  // Keep the newest `keep` checkpoints (names sort by step).
  std::vector<fs::path> steps;
  for (const auto& entry : fs::directory_iterator(out))
    if (entry.is_directory() && entry.path().filename().string().rfind("step-", 0) == 0) steps.push_back(entry.path());
  std::sort(steps.begin(), steps.end());
  for (std::size_t i = 0; i + static_cast<std::size_t>(keep) < steps.size(); ++i)
    if (steps[i] != final_dir) fs::remove_all(steps[i]);
  return final_dir.string();
}

}  // namespace trafl::training
