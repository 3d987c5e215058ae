#include "tokenizer/chat_format.hpp"

#include <filesystem>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "tokenizer/jinja_checkpoint.hpp"
#include "core/error.hpp"

namespace trafl::tok {

namespace fs = std::filesystem;

std::shared_ptr<const ChatFormat> load_chat_format(const std::string& model_dir) {
  auto f = std::make_shared<ChatFormat>();
  f->description = kBuiltinChatTemplate;
  if (auto t = chat::find_checkpoint_template(model_dir)) {
    f->checkpoint = std::make_shared<const chat::Template>(t->text, t->origin);
    f->bos_token = t->bos_token;
    f->eos_token = t->eos_token;
    f->description = t->describe();
  }
  return f;
}

namespace {
// What a cached format depends on: the two files' modification times (absent = min).
std::string files_stamp(const fs::path& dir) {
  std::string stamp;
  for (const char* name : kChatTemplateFiles) {
    std::error_code ec;
    auto t = fs::last_write_time(dir / name, ec);
    stamp += ec ? "-" : std::to_string(t.time_since_epoch().count());
    stamp += ';';
  }
  return stamp;
}
}  // namespace

std::shared_ptr<const ChatFormat> chat_format_of(const Tokenizer& tokenizer) {
  const fs::path dir = fs::path(tokenizer.source()).parent_path();
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) {
    static const auto builtin = [] {
      auto f = std::make_shared<ChatFormat>();
      f->description = kBuiltinChatTemplate;
      return std::shared_ptr<const ChatFormat>(f);
    }();
    return builtin;
  }
  static std::mutex mu;
  static std::map<std::string, std::pair<std::string, std::shared_ptr<const ChatFormat>>> cache;
  const std::string key = dir.string(), stamp = files_stamp(dir);
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache.find(key);
    if (it != cache.end() && it->second.first == stamp) return it->second.second;
  }
  auto f = load_chat_format(key);
  std::lock_guard<std::mutex> lock(mu);
  cache[key] = {stamp, f};
  return f;
}

std::string render_chat(const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages) {
  const auto f = chat_format_of(tokenizer);
  if (!f->checkpoint) {
    if (!tokenizer.token_to_id(kLladaStartHeader))
      throw InputError(tokenizer.source(), 0, "",
                       fmt::format("--chat: the model folder has no chat template (chat_template.jinja or "
                                   "tokenizer_config.json \"chat_template\"), and the built-in one is LLaDA's, whose "
                                   "{} this tokenizer lacks",
                                   kLladaStartHeader));
    return render_llada_chat(messages);
  }
  std::vector<chat::Turn> turns;
  for (const auto& m : messages) turns.push_back({m.role, m.content});
  return f->checkpoint->render(chat::chat_context(turns, /*add_generation_prompt=*/true, f->bos_token, f->eos_token));
}

std::string chat_turn_end(const Tokenizer& tokenizer) {
  const auto f = chat_format_of(tokenizer);
  if (!f->checkpoint) return kLladaEot;  // render_llada_chat: every turn is header, content, <|eot_id|>
  // A content no template rewrites (no surrounding spaces to trim, no tags to parse).
  static constexpr const char* kContent = "TRAFL_ASSISTANT_CONTENT";
  const std::vector<chat::Turn> asked = {{"user", "TRAFL_USER_CONTENT"}};
  std::vector<chat::Turn> answered = asked;
  answered.push_back({"assistant", kContent});
  const std::string prompt = f->checkpoint->render(chat::chat_context(asked, true, f->bos_token, f->eos_token));
  const std::string full = f->checkpoint->render(chat::chat_context(answered, false, f->bos_token, f->eos_token));
  const std::size_t at = full.find(kContent, prompt.size());
  if (full.compare(0, prompt.size(), prompt) != 0 || at == std::string::npos)
    throw InputError(f->description, 0, "chat_template",
                     "cannot tell where an assistant turn ends: the conversation with the answer does not read as "
                     "the prompt (add_generation_prompt) followed by the answer");
  return full.substr(at + std::string(kContent).size());
}

std::vector<TokenId> encode_chat(const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages) {
  return tokenizer.encode_ids(render_chat(tokenizer, messages), /*add_special_tokens=*/false);
}

}  // namespace trafl::tok
