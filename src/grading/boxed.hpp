#pragma once
// \boxed{...} / \fbox{...} extraction with brace matching, as MATH's last_boxed_only_string:
// the LAST box wins (90 MATH solutions have several), nested braces are matched, and the
// brace-less form "\boxed 5" (up to '$' or end of line) is accepted.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trafl {

// Content of the last \boxed{…} or \fbox{…} in `text`, or nullopt if there is none (or it is unclosed).
// A box left unclosed only because its content ends in a backslash (`\boxed{185\}`) is read as the
// original MATH code reads it, counting braces without escapes.
std::optional<std::string> last_boxed_content(std::string_view text);

// The last box together with the boxes just before it that only connectives separate from it
// ("\boxed{-2} and \boxed{1}", "$\boxed{1}\boxed{2}$", "\boxed{3} \quad \text{or} \quad \boxed{4}"),
// joined with ", " so that they read as one list answer (Math-Verify reads several boxes so). Boxes
// with any other text between them are separate (intermediate results, then the answer): only the
// last counts. `parts` receives the joined boxes' contents, in order.
std::optional<std::string> last_boxed_group(std::string_view text, std::vector<std::string>* parts = nullptr);

}  // namespace trafl
