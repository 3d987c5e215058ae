// The LLaDA-8B-Instruct chat template (tokenizer_config.json `chat_template`, docs/engine.md §4), rendered in C++:
//   {% for message in messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'
//   + message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}
//   {% endif %}{{ content }}{% endfor %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}
#include "tokenizer/internal.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::tok {

namespace {
// Python's str.isspace() set (Jinja's `trim` is str.strip()).
bool python_space(std::uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

std::string python_strip(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e) {
    std::uint32_t cp;
    std::size_t len = detail::utf8_decode(s, b, &cp);
    if (!python_space(cp)) break;
    b += len;
  }
  while (e > b) {
    std::size_t k = e - 1;
    while (k > b && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80) --k;
    std::uint32_t cp;
    detail::utf8_decode(s, k, &cp);
    if (!python_space(cp)) break;
    e = k;
  }
  return s.substr(b, e - b);
}
}  // namespace

std::string render_llada_chat(const std::vector<ChatMessage>& messages, const std::string& bos_token) {
  std::string out;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (i == 0) out += bos_token;
    out += kLladaStartHeader;
    out += messages[i].role;
    out += kLladaEndHeader;
    out += "\n\n";
    out += python_strip(messages[i].content);
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
