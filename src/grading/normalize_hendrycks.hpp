#pragma once
// Hendrycks MATH's is_equiv (hendrycks/math@985bdc1 modeling/math_equivalence.py), ported with
// its quirks on purpose, so scores in "hendrycks" mode are comparable with published ones:
//   - "\\left" is removed even inside \leftarrow; "k=" is dropped only when the left side has at
//     most 2 characters; only the literal 0.5 becomes \frac{1}{2}; a/b only for canonical ints;
//   - "\text{ " (with the space) marks units: more than one occurrence raises in the original;
//     an exception anywhere (also \sqrt or \frac at the very end) makes is_equiv fall back to raw
//     string equality — we reproduce that with a flag instead of exceptions.
#include <optional>
#include <string>
#include <string_view>

namespace trafl::grading {

// strip_string(s), or nullopt where the Python original raises.
std::optional<std::string> hendrycks_strip_string(std::string_view s);

struct HendrycksResult {
  bool equal = false;
  bool raised = false;  // the original would have raised: raw equality decided
  std::string gold_stripped, pred_stripped;
};
HendrycksResult hendrycks_is_equiv(std::string_view gold, std::string_view pred);

}  // namespace trafl::grading
