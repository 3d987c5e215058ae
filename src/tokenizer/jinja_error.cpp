#include "tokenizer/jinja_error.hpp"

#include <fmt/format.h>

namespace trafl::chat {

std::string describe_position(std::string_view source, std::size_t pos) {
  std::size_t line = 1, col = 1;
  for (std::size_t i = 0; i < pos && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return fmt::format("line {}, column {}", line, col);
}

TemplateError::TemplateError(const std::string& source_name, std::string_view source, std::size_t pos,
                             const std::string& message)
    : InputError(source_name, 0, "chat_template", fmt::format("{}: {}", describe_position(source, pos), message)) {}

}  // namespace trafl::chat
