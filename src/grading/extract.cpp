#include "grading/extract.hpp"

#include <vector>

#include "grading/boxed.hpp"
#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

// Case-insensitive rfind (ASCII).
std::size_t rfind_ci(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return std::string_view::npos;
  for (std::size_t i = hay.size() - needle.size() + 1; i-- > 0;) {
    bool ok = true;
    for (std::size_t k = 0; k < needle.size() && ok; ++k)
      ok = std::tolower(static_cast<unsigned char>(hay[i + k])) == std::tolower(static_cast<unsigned char>(needle[k]));
    if (ok) return i;
  }
  return std::string_view::npos;
}

// Cuts a completion where a few-shot continuation starts (a new question after the answer).
std::string_view cut_run_on(std::string_view text, bool& truncated, bool math) {
  std::size_t cut = std::string_view::npos;
  for (std::string_view marker : {std::string_view("\nQuestion:"), std::string_view("\nQ:"),
                                  std::string_view("\nProblem:")}) {
    if (!math && marker == "\nProblem:") continue;
    if (math && marker != "\nProblem:") continue;
    std::size_t p = text.find(marker);
    if (p != std::string_view::npos && p < cut) cut = p;
  }
  truncated = cut != std::string_view::npos;
  return truncated ? text.substr(0, cut) : text;
}

std::optional<std::string> answer_tag(std::string_view text) {
  std::size_t close = text.rfind("</answer>");
  if (close == std::string_view::npos) return std::nullopt;
  std::size_t open = text.rfind("<answer>", close);
  if (open == std::string_view::npos) return std::nullopt;
  std::string inner = trim(text.substr(open + 8, close - open - 8));
  if (inner.empty()) return std::nullopt;
  return inner;
}

// Text after the last "the answer is" up to the end of its line (or the $…$ right after it).
std::optional<std::string> answer_is(std::string_view text) {
  std::size_t p = rfind_ci(text, "answer is");
  if (p == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(p + 9);
  std::size_t nl = rest.find('\n');
  if (nl != std::string_view::npos) rest = rest.substr(0, nl);
  std::string r = trim(rest);
  while (!r.empty() && (r[0] == ':' || r[0] == ' ')) r.erase(0, 1);
  if (!r.empty() && r[0] == '$') {
    std::size_t end = r.find('$', 1);
    if (end != std::string::npos) r = r.substr(1, end - 1);
  }
  while (!r.empty() && (r.back() == '.' || r.back() == ' ' || r.back() == '$')) r.pop_back();
  if (r.empty()) return std::nullopt;
  return r;
}

// The first number in text (for "the answer is 42 apples").
std::optional<std::string> first_number(std::string_view text);

struct NumberScan {
  std::size_t start;
  std::string token;
};

// Numbers as a grader of arithmetic answers sees them: optional sign, optional '$', digits with
// thousands groups, an optional decimal part (a trailing sentence period is not part of it).
std::vector<NumberScan> scan_numbers(std::string_view t) {
  std::vector<NumberScan> out;
  std::size_t i = 0;
  while (i < t.size()) {
    if (!is_digit(t[i])) {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    while (i + 3 < t.size() + 0 && t[i] == ',' && is_digit(t[i + 1]) && is_digit(t[i + 2]) && is_digit(t[i + 3]) &&
           (i + 4 >= t.size() || !is_digit(t[i + 4]))) {
      i += 4;
    }
    if (i + 1 < t.size() && t[i] == '.' && is_digit(t[i + 1])) {
      ++i;
      while (i < t.size() && is_digit(t[i])) ++i;
    }
    std::string token(t.substr(start, i - start));
    // A sign belongs to the number when it is not a binary minus ("5-3" is 3, "= -3" is -3).
    std::size_t s = start;
    if (s > 0 && t[s - 1] == '$') --s;
    bool neg = false;
    if (s > 0 && (t[s - 1] == '-')) {
      bool binary = s >= 2 && (is_digit(t[s - 2]) || is_alpha(t[s - 2]) || t[s - 2] == ')');
      neg = !binary;
    } else if (s >= 3 && t.compare(s - 3, 3, "\xE2\x88\x92") == 0) {  // U+2212 minus sign
      neg = true;
    }
    if (start > 0 && t[start - 1] == '.' && (start < 2 || !is_digit(t[start - 2]))) token = "0." + token;  // ".5"
    out.push_back(NumberScan{start, neg ? "-" + token : token});
  }
  return out;
}

std::optional<std::string> first_number(std::string_view text) {
  auto nums = scan_numbers(text);
  if (nums.empty()) return std::nullopt;
  return nums.front().token;
}

Extraction none(bool truncated);

// An empty box (\boxed{}) or tag is no answer at all, not an empty answer.
Extraction found(std::string answer, const char* extractor, bool truncated = false) {
  if (trim(answer).empty()) return none(truncated);
  Extraction e;
  e.answer = std::move(answer);
  e.extractor = extractor;
  e.truncated = truncated;
  return e;
}

Extraction none(bool truncated) {
  Extraction e;
  e.extractor = "none";
  e.truncated = truncated;
  return e;
}

}  // namespace

std::optional<std::string> last_number(std::string_view text) {
  auto nums = scan_numbers(text);
  if (nums.empty()) return std::nullopt;
  return nums.back().token;
}

Extraction extract_gsm8k_strict(std::string_view text) {
  std::size_t pos = 0;
  while ((pos = text.find("#### ", pos)) != std::string_view::npos) {
    std::size_t i = pos + 5, start = i;
    if (i < text.size() && text[i] == '-') ++i;
    std::size_t body = i;
    while (i < text.size() && (is_digit(text[i]) || text[i] == '.' || text[i] == ',')) ++i;
    if (i > body) return found(std::string(text.substr(start, i - start)), "gsm8k_strict");
    pos += 5;
  }
  return none(false);
}

namespace {
Extraction gsm8k_flexible_on(std::string_view text, bool truncated) {
  if (auto b = last_boxed_content(text)) {
    if (auto n = last_number(*b)) return found(*n, "boxed", truncated);
  }
  if (auto a = answer_tag(text)) {
    if (auto n = last_number(*a)) return found(*n, "answer_tag", truncated);
  }
  if (auto a = answer_is(text)) {
    if (auto n = first_number(*a)) return found(*n, "answer_is", truncated);
  }
  if (auto n = last_number(text)) return found(*n, "last_number", truncated);
  return none(truncated);
}
}  // namespace

Extraction extract_gsm8k_flexible(std::string_view full) {
  Extraction strict = extract_gsm8k_strict(full);
  if (strict.answer) return strict;
  bool truncated = false;
  std::string_view text = cut_run_on(full, truncated, false);
  Extraction e = gsm8k_flexible_on(text, truncated);
  if (!e.answer && truncated) e = gsm8k_flexible_on(full, false);  // the "run-on" held everything
  return e;
}

std::optional<std::string> minerva_final_answer(std::string_view text) {
  static const std::string_view kPrefix = "Final Answer: The final answer is";
  static const std::string_view kHope = " I hope it is correct";
  std::string t(text);
  t += "I hope it is correct.";  // as lm-eval: the suffix makes an unterminated last line match
  std::size_t p = 0;
  while ((p = t.find(kPrefix, p)) != std::string::npos) {
    std::size_t start = p + kPrefix.size();
    // (.*?). I hope it is correct.  — lazy group, then any char, the phrase, any char; one line.
    for (std::size_t k = start; k < t.size() && t[k] != '\n'; ++k) {
      std::size_t h = k + 1;
      if (t.compare(h, kHope.size(), kHope) == 0 && h + kHope.size() < t.size() && t[h + kHope.size()] != '\n')
        return trim(std::string_view(t).substr(start, k - start));
    }
    // No match on this line: later prefixes on the same line search a suffix of it, so skip it.
    std::size_t nl = t.find('\n', start);
    if (nl == std::string::npos) break;
    p = nl;
  }
  return std::nullopt;
}

Extraction extract_minerva(std::string_view text) {
  if (auto a = minerva_final_answer(text)) return found(*a, "minerva_final_answer");
  if (auto b = last_boxed_content(text)) return found(*b, "boxed");
  return none(false);
}

// The last LaTeX math span of the text: $$…$$, \[…\], \(…\) or $…$ (an escaped \$ is a dollar
// sign, not a delimiter). Inline spans ($…$, \(…\)) never cross a line, as in LaTeX; display ones may.
std::optional<std::string> last_math_span(std::string_view t) {
  std::optional<std::string> last;
  std::size_t i = 0;
  auto take = [&](std::size_t open_len, std::string_view close, bool inline_span) {
    std::size_t start = i + open_len;
    std::size_t end = start;
    while (true) {
      end = t.find(close, end);
      if (end == std::string_view::npos) return false;
      if (close == "$" && end > 0 && t[end - 1] == '\\') {  // \$ inside a span is a dollar sign
        ++end;
        continue;
      }
      break;
    }
    std::string_view body = t.substr(start, end - start);
    i = end + close.size();
    if (inline_span && body.find('\n') != std::string_view::npos) return true;
    std::string b = trim(body);
    if (!b.empty()) last = b;
    return true;
  };
  while (i < t.size()) {
    bool escaped = i > 0 && t[i - 1] == '\\';
    if (t.compare(i, 2, "$$") == 0 && !escaped) {
      if (!take(2, "$$", false)) break;
    } else if (t.compare(i, 2, "\\[") == 0) {
      if (!take(2, "\\]", false)) break;
    } else if (t.compare(i, 2, "\\(") == 0) {
      if (!take(2, "\\)", true)) break;
    } else if (t[i] == '$' && !escaped) {
      if (!take(1, "$", true)) break;
    } else {
      ++i;
    }
  }
  return last;
}

namespace {
// Text written with LaTeX math delimiters keeps its answer inside them: no bare-number fallback.
bool uses_math_delimiters(std::string_view t) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '$' && (i == 0 || t[i - 1] != '\\')) return true;
    if (t[i] == '\\' && i + 1 < t.size() && (t[i + 1] == '(' || t[i + 1] == '[')) return true;
  }
  return false;
}

// The last number standing alone (not part of a word: "AZYUK2A" holds none).
std::optional<std::string> last_standalone_number(std::string_view t) {
  std::optional<std::string> last;
  for (std::size_t i = 0; i < t.size();) {
    if (!is_digit(t[i])) {
      ++i;
      continue;
    }
    std::size_t b = i;
    while (i < t.size() && (is_digit(t[i]) || t[i] == '.' || t[i] == ',')) ++i;
    if (b > 0 && t[b - 1] == '.') --b;  // ".4" is 0.4, never 4
    if (b > 0 && t[b - 1] == '-') --b;
    bool word = (b > 0 && is_alpha(t[b - 1])) || (i < t.size() && is_alpha(t[i]));
    if (!word)
      if (auto n = last_number(t.substr(b, i - b))) last = n;
  }
  return last;
}

Extraction math_on(std::string_view text, bool truncated) {
  if (auto b = last_boxed_content(text)) return found(*b, "boxed", truncated);
  if (auto a = minerva_final_answer(text)) return found(*a, "minerva_final_answer", truncated);
  if (auto a = answer_tag(text)) return found(*a, "answer_tag", truncated);
  if (auto a = answer_is(text)) return found(*a, "answer_is", truncated);
  // No marked answer: as Math-Verify, the last LaTeX span, else the last number of the text.
  if (auto m = last_math_span(text)) return found(*m, "last_latex", truncated);
  if (uses_math_delimiters(text)) return none(truncated);
  if (auto n = last_standalone_number(text)) return found(*n, "last_number", truncated);
  return none(truncated);
}
}  // namespace

Extraction extract_math(std::string_view full) {
  bool truncated = false;
  std::string_view text = cut_run_on(full, truncated, true);
  Extraction e = math_on(text, truncated);
  if (!e.answer && truncated) e = math_on(full, false);
  return e;
}

Extraction extract_boxed_only(std::string_view text) {
  if (auto b = last_boxed_content(text)) return found(*b, "boxed");
  return none(false);
}

}  // namespace trafl::grading
