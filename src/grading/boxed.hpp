#pragma once
// \boxed{...} / \fbox{...} extraction with brace matching, as MATH's last_boxed_only_string:
// the LAST box wins (90 MATH solutions have several), nested braces are matched, and the
// brace-less form "\boxed 5" (up to '$' or end of line) is accepted.
#include <optional>
#include <string>
#include <string_view>

namespace trafl {

// Content of the last \boxed{…} or \fbox{…} in `text`, or nullopt if there is none (or it is unclosed).
std::optional<std::string> last_boxed_content(std::string_view text);

}  // namespace trafl
