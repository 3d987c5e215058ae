#pragma once
// A checkpoint's own chat template (src/tokenizer/jinja_*), found where `transformers` looks for it in a model folder:
//   1. chat_template.jinja (what transformers >= 4.43 saves), else
//   2. tokenizer_config.json's "chat_template": a string, or a list of {"name", "template"} of which the one
//      named "default" is used (as apply_chat_template does without a name; no "default" is an error).
// bos_token / eos_token come from tokenizer_config.json (a string or an AddedToken object {"content": ...});
// absent or null they stay undefined, as transformers leaves them.
#include <optional>
#include <string>
#include <vector>

#include "tokenizer/jinja_template.hpp"
#include "tokenizer/jinja_value.hpp"

namespace trafl::chat {

struct CheckpointTemplate {
  std::string origin;  // the file the template text came from
  std::string text;
  Value bos_token, eos_token;
  // "<origin> sha256:<hex of text>", what a run records as the template it used.
  std::string describe() const;
};

// nullopt when the folder has neither file nor a chat_template key. Malformed JSON, or a chat_template of
// another shape, is an InputError naming the file.
std::optional<CheckpointTemplate> find_checkpoint_template(const std::string& model_dir);

struct Turn {
  std::string role, content;
};
// The template's variables for a conversation: messages [{role, content}], add_generation_prompt, bos_token,
// eos_token, tools = None (as apply_chat_template passes without tools).
Value chat_context(const std::vector<Turn>& turns, bool add_generation_prompt, const Value& bos_token,
                   const Value& eos_token);

}  // namespace trafl::chat
