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
  for (std::string_view marker :
       {std::string_view("\nQuestion:"), std::string_view("\nQ:"), std::string_view("\nProblem:")}) {
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

Extraction none(bool truncated, const char* missing);

// An empty box (\boxed{}) or tag is no answer at all, not an empty answer.
Extraction found(std::string answer, const char* extractor, bool truncated = false) {
  if (trim(answer).empty())
    return none(truncated, "the answer found is empty (an empty \\boxed{}, tag or final-answer sentence)");
  Extraction e;
  e.answer = std::move(answer);
  e.extractor = extractor;
  e.truncated = truncated;
  return e;
}

Extraction none(bool truncated, const char* missing) {
  Extraction e;
  e.extractor = "none";
  e.truncated = truncated;
  e.missing = missing;
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
  return none(false, "no '#### N' line (the strict GSM8K rule reads only that)");
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
  return none(truncated, "no number anywhere (no '#### N', \\boxed{}, <answer> tag or 'the answer is' either)");
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
  return none(false, "no 'Final Answer: The final answer is X. I hope it is correct.' and no \\boxed{}");
}

// The last LaTeX math span of the text: $$…$$, \[…\], \(…\) or $…$ (an escaped \$ is a dollar
// sign, not a delimiter). Inline spans ($…$, \(…\)) never cross a line, as in LaTeX; display ones may.
std::optional<std::string> last_math_span(std::string_view t) {
  std::size_t end = 0;
  return last_math_span_at(t, end);
}

std::optional<std::string> last_math_span_at(std::string_view t, std::size_t& last_end) {
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
    if (!b.empty()) {
      last = b;
      last_end = i;
    }
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
// A single unescaped '$' with no other delimiter is a currency sign ("1,000.99$", "2,74 $ a.."),
// not a delimiter.
bool uses_math_delimiters(std::string_view t) {
  int dollars = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '$' && (i == 0 || t[i - 1] != '\\')) ++dollars;
    if (t[i] == '\\' && i + 1 < t.size() && (t[i + 1] == '(' || t[i + 1] == '[')) return true;
  }
  return dollars >= 2;
}

struct NumberAt {
  std::string token;
  std::size_t start = 0;
};

// The last number standing alone (not glued to a preceding letter: "AZYUK2A" holds none; a unit
// may follow: "1,000.99m²"). Digit groups separated by commas or single spaces ("7,425,000",
// "1 000") are one number, never "000"; a comma that is not a thousands separator ("1000,99",
// "2,74") is kept in the token, for the comparison to read as a decimal comma where the gold
// allows it; a fraction of two integers ("2/3") is one token.
std::optional<NumberAt> last_standalone_number(std::string_view t) {
  std::optional<NumberAt> last;
  auto digits_at = [&](std::size_t k, std::size_t n) {
    for (std::size_t m = 0; m < n; ++m)
      if (k + m >= t.size() || !is_digit(t[k + m])) return false;
    return k + n >= t.size() || !is_digit(t[k + n]);
  };
  for (std::size_t i = 0; i < t.size();) {
    if (!is_digit(t[i])) {
      ++i;
      continue;
    }
    std::size_t b = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    bool grouped = false;
    if (i - b <= 3) {
      for (char sep : {',', ' '}) {
        while (i < t.size() && t[i] == sep && digits_at(i + 1, 3)) {
          i += 4;
          grouped = true;
        }
        if (grouped) break;
      }
    }
    if (i + 1 < t.size() && t[i] == '.' && is_digit(t[i + 1])) {
      ++i;
      while (i < t.size() && is_digit(t[i])) ++i;
    } else if (!grouped && i + 1 < t.size() && t[i] == ',' && is_digit(t[i + 1])) {
      ++i;  // a decimal comma, or a list without spaces: decided against the gold
      while (i < t.size() && is_digit(t[i])) ++i;
    } else if (i + 1 < t.size() && t[i] == '/' && is_digit(t[i + 1])) {
      ++i;
      while (i < t.size() && is_digit(t[i])) ++i;
    }
    std::size_t s = b;
    if (s > 0 && t[s - 1] == '.' && (s < 2 || !is_digit(t[s - 2]))) --s;  // ".4" is 0.4, never 4
    if (s > 0 && t[s - 1] == '-') --s;
    if (s > 0 && is_alpha(t[s - 1])) continue;  // part of a word
    std::string token;
    for (char c : t.substr(s, i - s))
      if (c != ' ') token.push_back(c);
    if (!token.empty() && token[0] == '.') token = "0" + token;
    if (token.size() > 1 && token[0] == '-' && token[1] == '.') token = "-0" + token.substr(1);
    last = NumberAt{token, s};
  }
  return last;
}

// A completion that is nothing but an answer ("\frac{10}{9}", "1 000", "x = 5", "5 cm"): one
// short line without words and without delimiters. Outside LaTeX commands, no run of three
// letters and at most one run of two ("so it is .4" is a sentence, not an answer).
bool is_bare_answer(std::string_view t) {
  std::string s = trim(t);
  if (s.empty() || s.size() > 160 || s.find('\n') != std::string::npos) return false;
  int run = 0, pairs = 0;
  bool in_command = false;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    char c = i < s.size() ? s[i] : ' ';
    if (c == '\\') {
      in_command = true;
      run = 0;
      continue;
    }
    if (is_alpha(c)) {
      if (!in_command && ++run >= 3) return false;
      continue;
    }
    if (run == 2 && !in_command && ++pairs > 1) return false;
    in_command = false;
    run = 0;
  }
  return true;
}

// "Final Answer: <sentence>" in free form (the exact Minerva sentence is handled before): the
// sentence up to "I hope it is correct" or the end of its line, and in it whichever comes last,
// a math span or a number ("The volume of $ABCDEFGH$ is 120." gives 120; "is $x = 5$." gives x = 5).
std::optional<std::string> final_answer_sentence(std::string_view text) {
  std::string_view rest;
  // The last "Final Answer" followed by a colon, among the last few (a hostile text repeating the
  // phrase must not make this quadratic).
  for (std::size_t limit = text.size(), tries = 0;; ++tries) {
    if (tries >= 8) return std::nullopt;
    std::size_t p = rfind_ci(text.substr(0, limit), "final answer");
    if (p == std::string_view::npos) return std::nullopt;
    std::string_view r = text.substr(p + 12);
    std::size_t k = 0;
    while (k < r.size() && (r[k] == ':' || r[k] == '*' || r[k] == ' ')) ++k;
    if (r.substr(0, k).find(':') != std::string_view::npos) {
      rest = r.substr(k);
      break;
    }
    limit = p + 11;
  }
  std::size_t end = rest.find('\n');
  std::size_t hope = rfind_ci(rest.substr(0, end), "i hope it is correct");
  if (hope != std::string_view::npos) end = hope;
  std::string_view sentence = rest.substr(0, end);
  std::optional<std::string> span;
  std::size_t span_end = 0;
  for (std::size_t i = 0; i < sentence.size(); ++i) {  // end of the last math span
    if (sentence[i] == '$' && (i == 0 || sentence[i - 1] != '\\')) span_end = i + 1;
  }
  span = last_math_span(sentence);
  auto num = last_standalone_number(sentence);
  if (num && (!span || num->start >= span_end)) return num->token;
  return span;
}

Extraction math_on(std::string_view text, bool truncated) {
  // The last stated answer wins: a "Final Answer: The final answer is X." written after the last
  // box replaces it (boxes of intermediate results, then the final sentence).
  std::size_t box_at = text.rfind("\\boxed");
  std::size_t final_at = text.rfind("Final Answer: The final answer is");
  bool final_after_box = final_at != std::string_view::npos && (box_at == std::string_view::npos || final_at > box_at);
  if (final_after_box)
    if (auto a = minerva_final_answer(text)) return found(*a, "minerva_final_answer", truncated);
  std::vector<std::string> boxes;
  if (auto b = last_boxed_group(text, &boxes)) {
    Extraction e = found(*b, "boxed", truncated);
    if (boxes.size() > 1) e.boxes = boxes;
    return e;
  }
  if (auto a = minerva_final_answer(text)) return found(*a, "minerva_final_answer", truncated);
  if (auto a = answer_tag(text)) return found(*a, "answer_tag", truncated);
  if (auto a = answer_is(text)) return found(*a, "answer_is", truncated);
  if (auto a = final_answer_sentence(text)) return found(*a, "final_answer_sentence", truncated);
  // No marked answer: as Math-Verify, the last LaTeX span, the whole text when it is only an
  // answer, else the last number of the text.
  std::size_t span_end = 0;
  if (auto m = last_math_span_at(text, span_end)) {
    // A number written after the last span is the later statement ("... $$\frac{a}{b}$$ ...
    // Therefore, the error increases by 100%."), as Math-Verify takes the last match.
    if (auto n = last_standalone_number(text.substr(span_end))) return found(n->token, "last_number", truncated);
    return found(*m, "last_latex", truncated);
  }
  if (uses_math_delimiters(text))
    return none(truncated,
                "no \\boxed{}, 'Final Answer' sentence, <answer> tag, 'the answer is' or complete math span; a bare "
                "number is not taken from text written with math delimiters");
  if (is_bare_answer(text)) return found(trim(text), "bare_answer", truncated);
  if (auto n = last_standalone_number(text)) return found(n->token, "last_number", truncated);
  return none(truncated,
              "no \\boxed{}, 'Final Answer' sentence, <answer> tag, 'the answer is', math span or number found");
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
  return none(false, "no \\boxed{} or \\fbox{} (this mode reads only the last box)");
}

}  // namespace trafl::grading
