#pragma once
// Small string helpers shared by the grading files (no regex, no allocation surprises).
#include <string>
#include <string_view>

namespace trafl::grading {

void replace_all(std::string& s, std::string_view from, std::string_view to);
std::string trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string to_lower(std::string_view s);
std::string remove_spaces(std::string_view s);
bool is_digit(char c);
bool is_alpha(char c);

// Index of the brace that closes the one at `open` (which must be '{'), honouring \{ \} escapes;
// npos if unbalanced.
std::size_t matching_brace(std::string_view s, std::size_t open);

// `s` with every invalid UTF-8 sequence replaced by U+FFFD, so grades can always be dumped as JSON.
std::string valid_utf8(std::string_view s);

// Replaces every `\cmd{X}` (a whole command, brace-matched argument) with X.
void unwrap_command(std::string& s, std::string_view cmd);

}  // namespace trafl::grading
