// The LLaDA-8B-Instruct chat template (tokenizer_config.json `chat_template`, docs/engine.md §4), rendered in C++:
//   {% for message in messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'
//   + message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}
//   {% endif %}{{ content }}{% endfor %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
#include "tokenizer/jinja_text.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::tok {

std::string render_llada_chat(const std::vector<ChatMessage>& messages, const std::string& bos_token) {
  std::string out;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i == 0) out += bos_token;
    out += kLladaStartHeader;
    out += messages[i].role;
    out += kLladaEndHeader;
    out += "\n\n";
    out += chat::python_strip(messages[i].content, true, true);  // Jinja's trim is str.strip()
    out += kLladaEot;
  }
  out += kLladaStartHeader;
  out += "assistant";
  out += kLladaEndHeader;
  out += "\n\n";
  return out;
}

std::vector<TokenId> encode_llada_chat(const Tokenizer& tokenizer, const std::vector<ChatMessage>& messages) {
  return tokenizer.encode_ids(render_llada_chat(messages), /*add_special_tokens=*/false);
}

std::vector<TokenId> encode_plain_prompt(const Tokenizer& tokenizer, std::string_view text) {
  return tokenizer.encode_ids(text, /*add_special_tokens=*/true);
}

}  // namespace trafl::tok
