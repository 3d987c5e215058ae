#pragma once
// Jinja parser (src/tokenizer/jinja_*): tokens → syntax tree, for the statements chat templates use (if/elif/else, for with
// tuple targets, set with `name.attr` targets) and Jinja2's expression grammar and precedence. A statement or
// construct outside that subset (macro, call, filter blocks, block set, for-else, for-if, chained comparisons,
// ...) is a TemplateError naming it and its position, never skipped.
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/jinja_ast.hpp"
#include "tokenizer/jinja_lexer.hpp"

namespace trafl::chat {

Body parse(const std::vector<Token>& tokens, std::string_view source, const std::string& source_name);

}  // namespace trafl::chat
