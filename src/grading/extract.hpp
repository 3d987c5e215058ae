#pragma once
// Answer extraction from a completion. Each extractor says which rule fired, for the grade's
// details. None of them throws, and all are linear-ish in the completion length.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trafl::grading {

struct Extraction {
  std::optional<std::string> answer;  // un-normalised, as found
  std::string extractor;              // e.g. "gsm8k_strict", "boxed", "last_number", "none"
  bool truncated = false;             // a few-shot run-on ("\n\nQuestion:") was cut off first
  std::vector<std::string> boxes;     // "boxed" from several adjacent boxes: each one's content
  const char* missing = "";           // no answer: what the extractor looked for, for a person
};

// lm-eval gsm8k strict-match: first `#### (\-?[0-9\.\,]+)`.
Extraction extract_gsm8k_strict(std::string_view text);
// #### N, then last \boxed{} / <answer>…</answer> / "the answer is N" (number inside), then the
// last number. Few-shot run-ons (a new "Question:"/"Q:" after the answer) are cut off first.
Extraction extract_gsm8k_flexible(std::string_view text);
// MATH: last \boxed{}/\fbox{}, then Minerva's "Final Answer: The final answer is X. I hope it is
// correct.", then <answer>…</answer>, then "the answer is X", then (as Math-Verify) the last LaTeX
// math span, then — only in text without math delimiters — the last number.
Extraction extract_math(std::string_view text);
// lm-eval minerva_math get_unnormalized_answer, then the last \boxed{} as a fallback.
Extraction extract_minerva(std::string_view text);
// Hendrycks' original: last \boxed{} only.
Extraction extract_boxed_only(std::string_view text);

// The last number in text ("-1,234.50" → "-1,234.50"; "$18." → "18"), or nullopt.
std::optional<std::string> last_number(std::string_view text);
// The last LaTeX math span ($$…$$, \[…\], \(…\), $…$; inline ones within one line), trimmed.
std::optional<std::string> last_math_span(std::string_view text);
// The same, with the position just after the span's closing delimiter in `end`.
std::optional<std::string> last_math_span_at(std::string_view text, std::size_t& end);
// lm-eval's Minerva regex alone.
std::optional<std::string> minerva_final_answer(std::string_view text);

}  // namespace trafl::grading
