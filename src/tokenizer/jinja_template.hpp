#pragma once
// A parsed Jinja chat template (src/tokenizer/jinja_*), rendered as Hugging Face renders chat templates: Python Jinja with
// trim_blocks and lstrip_blocks, the globals `raise_exception(msg)` and `namespace(...)` (and `range`), and the
// subset of Jinja that real chat templates use (jinja_parser.hpp, jinja_builtins.hpp). Every construct outside the subset is
// a TemplateError naming it with the template's line and column: at parse time for statements and syntax, at
// render time for filters, tests, methods and functions (their names are only known once values are).
#include <memory>
#include <string>

#include "tokenizer/jinja_ast.hpp"
#include "tokenizer/jinja_lexer.hpp"
#include "tokenizer/jinja_value.hpp"

namespace trafl::chat {

class Template {
 public:
  // `source_name` is what errors name (e.g. "model/tokenizer_config.json"). Throws TemplateError.
  // `ws`: transformers' whitespace rules by default; Whitespace::jinja2_defaults() for lm-eval's prompts.
  Template(std::string source, std::string source_name, Whitespace ws = {});

  // `context` is an object of the template's variables (messages, add_generation_prompt, bos_token, ...).
  // Throws TemplateError, including for `raise_exception(msg)` ("the template raised: msg").
  // strict_undefined: jinja2's StrictUndefined (lm-eval renders doc_to_text so): a missing variable or dict key
  // is an error naming it, except under `is defined`; otherwise it renders as "" (transformers' chat templates).
  std::string render(const Value& context, bool strict_undefined = false) const;

  const std::string& source() const { return *source_; }
  const std::string& source_name() const { return *name_; }

 private:
  std::shared_ptr<const std::string> source_, name_;
  std::shared_ptr<const Body> body_;
};

}  // namespace trafl::chat
