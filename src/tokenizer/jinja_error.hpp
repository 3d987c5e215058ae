#pragma once
// The one error a chat template raises (src/tokenizer/jinja_*): an InputError naming the file the template came from,
// the field `chat_template` and the template's own line and column, so a user can find the construct.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace trafl::chat {

class TemplateError : public InputError {
 public:
  TemplateError(const std::string& source_name, std::string_view source, std::size_t pos, const std::string& message);
};

// "line L, column C" (1-based; columns count bytes) of a byte offset.
std::string describe_position(std::string_view source, std::size_t pos);

}  // namespace trafl::chat
