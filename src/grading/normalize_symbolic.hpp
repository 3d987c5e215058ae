#pragma once
// String normalisation for the "symbolic" mode, applied to gold and prediction alike before the
// structural/symbolic comparison: it removes presentation only (never changes a value):
// $ and \( \) \[ \] delimiters, \dfrac/\tfrac → \frac, \left/\right, spacing (\! \, \; ~),
// degrees (^\circ), percent (\%), dollar signs, \text{} units at the end, bare unit words at the
// end, \text{and} → comma, \mbox/\textbf/\mathrm → \text, thousands separators written ,\! or {,},
// "x \in" prefixes, a trailing period.
#include <string>
#include <string_view>

namespace trafl::grading {

std::string normalize_symbolic(std::string_view answer);

// A percent sign or word ("%", "percent", "pct", any case) in a raw answer: normalize_symbolic drops it
// as presentation, so the places that must know it was there ask the raw text.
bool has_percent(std::string_view raw);

}  // namespace trafl::grading
