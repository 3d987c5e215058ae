#pragma once
// Jinja lexer (src/tokenizer/jinja_*): template text → tokens, with the whitespace control `transformers` and
// @huggingface/jinja apply to chat templates:
//   - one trailing newline of the template is dropped (Jinja's keep_trailing_newline=False);
//   - trim_blocks: the first newline after a `%}` or `#}` is dropped;
//   - lstrip_blocks: spaces and tabs from the start of a line up to a `{%` or `{#` are dropped;
//   - `{%-` / `{{-` / `{#-` strip the whitespace before the tag, `-%}` / `-}}` / `-#}` the whitespace after.
// Every token keeps its byte offset in the template so errors can name line and column.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace trafl::chat {

enum class Tok { kText, kOpenStmt, kCloseStmt, kOpenExpr, kCloseExpr, kName, kString, kInt, kFloat, kOp, kEnd };

struct Token {
  Tok type;
  std::string value;    // the text, the name, the decoded string literal, the digits or the operator
  std::size_t pos = 0;  // byte offset in the template
};

// The whitespace rules above are transformers' for chat templates; jinja2's own defaults (what lm-eval renders
// doc_to_text with: keep_trailing_newline=True, no trim_blocks, no lstrip_blocks) are `jinja2_defaults`.
struct Whitespace {
  bool trim_blocks = true, lstrip_blocks = true, keep_trailing_newline = false;
  static Whitespace jinja2_defaults() { return {false, false, true}; }
};

// Throws TemplateError (jinja_error.hpp) on an unterminated tag, string or comment, or an unknown character.
std::vector<Token> tokenize(std::string_view source, const std::string& source_name, Whitespace ws = {});

}  // namespace trafl::chat
