#include "checkpoint/prompt_format.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/error.hpp"
#include "core/file_io.hpp"

namespace trafl::checkpoint {

std::optional<bool> recorded_chat(const std::string& model_dir) {
  const std::string path = (std::filesystem::path(model_dir) / "train_config.json").string();
  std::error_code ec;
  if (model_dir.empty() || !std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  const nlohmann::json j = read_json_file(path, "training record");
  if (!j.is_object()) throw InputError(path, 0, "", "expected a JSON object (the settings train recorded)");
  auto it = j.find("chat");
  if (it == j.end()) return std::nullopt;
  if (!it->is_boolean()) throw InputError(path, 0, "chat", "expected true or false");
  return it->get<bool>();
}

std::string prompt_format_name(bool chat) { return chat ? "chat template" : "plain prompts"; }

PromptFormatChoice choose_prompt_format(std::optional<bool> given, const std::string& given_by,
                                        const std::vector<std::string>& model_dirs, bool fallback) {
  PromptFormatChoice out;
  std::vector<std::pair<std::string, bool>> records;  // (file, chat)
  for (const auto& dir : model_dirs)
    if (auto r = recorded_chat(dir))
      records.emplace_back((std::filesystem::path(dir) / "train_config.json").string(), *r);
  if (given) {
    out.chat = *given;
    for (const auto& [file, chat] : records)
      if (chat != *given)
        out.warnings.push_back(
            fmt::format("{} asks for {}, but {} records that the model was trained on {} (\"chat\": {}); "
                        "prompts unlike its training usually get nothing right",
                        given_by, prompt_format_name(*given), file, prompt_format_name(chat), chat ? "true" : "false"));
    return out;
  }
  out.chat = fallback;
  if (records.empty()) return out;
  bool agree = true;
  for (const auto& r : records) agree = agree && r.second == records.front().second;
  if (agree) {
    out.chat = records.front().second;
    out.notes.push_back(
        fmt::format("prompt format: {}, as {} records", prompt_format_name(out.chat), records.front().first));
    return out;
  }
  std::string list;
  for (const auto& [file, chat] : records)
    list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", file, prompt_format_name(chat));
  out.warnings.push_back(
      fmt::format("the models were trained on different prompt formats: {}; using {} for all (choose with "
                  "{} or its negation)",
                  list, prompt_format_name(fallback), given_by));
  return out;
}

}  // namespace trafl::checkpoint
