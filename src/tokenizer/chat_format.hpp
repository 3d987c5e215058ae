#pragma once
// Which chat template `--chat` wraps prompts in (docs/engine.md §4): the checkpoint's own when its folder has one
// (chat_template.jinja or tokenizer_config.json's "chat_template", rendered by src/tokenizer/jinja_*), else the built-in
// LLaDA-8B-Instruct template (chat_template.cpp) — and that only for a tokenizer with LLaDA's chat tokens, so a
// Dream or Qwen checkpoint without a template is an error, never a LLaDA-shaped prompt.
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/jinja_template.hpp"
#include "tokenizer/jinja_value.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::tok {

struct ChatFormat {
  std::shared_ptr<const chat::Template> checkpoint;  // null: the built-in LLaDA template
  chat::Value bos_token, eos_token;                  // the checkpoint's (tokenizer_config.json)
  // What a run records as "chat_template": "<file> sha256:<hex of the template>" or kBuiltinChatTemplate.
  std::string description;
};
inline constexpr const char* kBuiltinChatTemplate = "built-in LLaDA-8B-Instruct template";
// The files beside tokenizer.json a checkpoint's chat template is read from (load_chat_format): whatever
// copies a tokenizer copies these with it.
inline constexpr const char* kChatTemplateFiles[] = {"tokenizer_config.json", "chat_template.jinja"};

// The chat format of a model folder. The checkpoint's template is parsed here, so a template using a statement
// or syntax we do not render fails before any sampling (TemplateError naming the file, line and column).
std::shared_ptr<const ChatFormat> load_chat_format(const std::string& model_dir);
// The same for the folder of `tokenizer`'s tokenizer.json (cached per folder while the files are unchanged);
// a tokenizer not read from a file gets the built-in template.
std::shared_ptr<const ChatFormat> chat_format_of(const Tokenizer& tokenizer);

// The conversation rendered with add_generation_prompt = true (the model writes the next assistant turn).
// The built-in template needs the tokenizer to have LLaDA's chat tokens (InputError naming the folder otherwise).
std::string render_chat(const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages);
// render_chat encoded with add_special_tokens = false, as apply_chat_template(tokenize=True) does: the
// template writes any BOS itself.
std::vector<TokenId> encode_chat(const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages);

// What the chat format writes after an assistant message's content to end the turn: "<|eot_id|>" for
// the built-in LLaDA template, "<|im_end|>\n" for a Qwen/Dream-style one. Read off the template itself,
// as the difference between a conversation ending in an assistant message and the same conversation
// before it (add_generation_prompt = true), so SFT targets and rollout stops follow the checkpoint's
// template, not LLaDA's. InputError naming the template when that difference is not "prompt, then the
// content, then the end" (a template that rewrites earlier turns or the content itself).
std::string chat_turn_end(const Tokenizer& tokenizer);

}  // namespace trafl::tok
