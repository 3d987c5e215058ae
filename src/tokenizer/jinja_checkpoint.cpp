#include "tokenizer/jinja_checkpoint.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/hash.hpp"

namespace trafl::chat {

namespace {
Value special_token(const nlohmann::json& config, const char* key, const std::string& file) {
  auto it = config.find(key);
  if (it == config.end() || it->is_null()) return Value();
  if (it->is_string()) return Value::string(it->get<std::string>());
  if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
    return Value::string((*it)["content"].get<std::string>());
  throw InputError(file, 0, key, "expected a string, null or an object with a string \"content\"");
}
}  // namespace

std::string CheckpointTemplate::describe() const { return fmt::format("{} sha256:{}", origin, sha256_hex(text)); }

std::optional<CheckpointTemplate> find_checkpoint_template(const std::string& model_dir) {
  namespace fs = std::filesystem;
  const std::string config_path = (fs::path(model_dir) / "tokenizer_config.json").string();
  const std::string jinja_path = (fs::path(model_dir) / "chat_template.jinja").string();
  std::error_code ec;
  const bool have_config = fs::exists(config_path, ec), have_jinja = fs::exists(jinja_path, ec);
  if (!have_config && !have_jinja) return std::nullopt;
  CheckpointTemplate t;
  nlohmann::json config = nlohmann::json::object();
  if (have_config) {
    config = read_json_file(config_path, "tokenizer config");
    if (!config.is_object()) throw InputError(config_path, 0, "", "expected a JSON object");
    t.bos_token = special_token(config, "bos_token", config_path);
    t.eos_token = special_token(config, "eos_token", config_path);
  }
  if (have_jinja) {
    t.origin = jinja_path;
    t.text = read_text_file(jinja_path, "chat template");
    return t;
  }
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) return std::nullopt;
  t.origin = config_path;
  if (it->is_string()) {
    t.text = it->get<std::string>();
    return t;
  }
  if (it->is_array()) {
    std::string names;
    for (const auto& e : *it) {
      if (!e.is_object() || !e.contains("name") || !e.contains("template") || !e["name"].is_string() ||
          !e["template"].is_string())
        throw InputError(config_path, 0, "chat_template",
                         "a list entry is not {\"name\": string, \"template\": string}");
      if (e["name"] == "default") {
        t.text = e["template"].get<std::string>();
        return t;
      }
      names += (names.empty() ? "" : ", ") + e["name"].get<std::string>();
    }
    throw InputError(
        config_path, 0, "chat_template",
        fmt::format("named templates ({}) but none named \"default\", which is the one a chat prompt uses", names));
  }
  throw InputError(config_path, 0, "chat_template", "expected a string or a list of named templates");
}

Value chat_context(const std::vector<Turn>& turns, bool add_generation_prompt, const Value& bos_token,
                   const Value& eos_token) {
  Array messages;
  for (const auto& t : turns)
    messages.push_back(Value::object({{"role", Value::string(t.role)}, {"content", Value::string(t.content)}}));
  Object ctx = {{"messages", Value::array(std::move(messages))},
                {"add_generation_prompt", Value::boolean(add_generation_prompt)},
                {"tools", Value::none()}};
  if (!bos_token.is_undefined()) ctx.emplace_back("bos_token", bos_token);
  if (!eos_token.is_undefined()) ctx.emplace_back("eos_token", eos_token);
  return Value::object(std::move(ctx));
}

}  // namespace trafl::chat
