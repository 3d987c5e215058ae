// d1 / wd1 reward terms (see rewards_d1.hpp for the source and the Python semantics kept).
#include "training/rewards_d1.hpp"

#include <cstddef>
#include <vector>

namespace trafl::training::d1 {
namespace {

// Python's str.split(sep) for a non-empty separator.
std::vector<std::string_view> split(std::string_view s, std::string_view sep) {
  std::vector<std::string_view> parts;
  std::size_t from = 0;
  for (std::size_t at; (at = s.find(sep, from)) != std::string_view::npos; from = at + sep.size())
    parts.push_back(s.substr(from, at - from));
  parts.push_back(s.substr(from));
  return parts;
}

// Python's str.count(sub): non-overlapping occurrences.
std::size_t count(std::string_view s, std::string_view sub) { return split(s, sub).size() - 1; }

// Python's len() of the decoded str: code points (UTF-8 continuation bytes are not counted).
double code_points(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return static_cast<double>(n);
}

// str.strip()'s ASCII whitespace (Python also strips \x1c-\x1f; they do not occur in model text).
bool py_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view strip_view(std::string_view s) {
  while (!s.empty() && py_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && py_space(s.back())) s.remove_suffix(1);
  return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

std::string strip(std::string_view text) { return std::string(strip_view(text)); }

std::string extract_xml_answer(std::string_view text) {
  const std::string_view after = split(text, "<answer>").back();
  return strip(split(after, "</answer>").front());
}

double xml_count(std::string_view text) {
  double c = 0.0;
  if (count(text, "<reasoning>\n") == 1) c += 0.125;
  if (count(text, "\n</reasoning>\n") == 1) c += 0.125;
  if (count(text, "\n<answer>\n") == 1) {
    c += 0.125;
    c -= code_points(split(text, "\n</answer>\n").back()) * 0.001;
  }
  if (count(text, "\n</answer>") == 1) {
    c += 0.125;
    c -= (code_points(split(text, "\n</answer>").back()) - 1) * 0.001;
  }
  return c;
}

double soft_format(std::string_view text) {
  // re.match(r"<reasoning>.*?</reasoning>\s*<answer>.*?</answer>") without DOTALL. The lazy `.*?`
  // backtracks over every "</reasoning>" on the first line; \s* is greedy but cannot eat the '<'
  // of "<answer>", so one skip of whitespace decides; then a "</answer>" must close on that line.
  constexpr std::string_view open = "<reasoning>", close = "</reasoning>", a_open = "<answer>", a_close = "</answer>";
  if (!starts_with(text, open)) return 0.0;
  const std::size_t line_end = text.find('\n', open.size());
  for (std::size_t p = text.find(close, open.size()); p != std::string_view::npos && p < line_end;
       p = text.find(close, p + 1)) {
    std::size_t q = p + close.size();
    while (q < text.size() && py_space(text[q])) ++q;
    if (!starts_with(text.substr(q), a_open)) continue;
    const std::size_t body = q + a_open.size();
    const std::size_t end = text.find(a_close, body);
    if (end != std::string_view::npos && text.substr(body, end - body).find('\n') == std::string_view::npos) return 0.5;
  }
  return 0.0;
}

double strict_format(std::string_view text) {
  // ^<reasoning>\n R \n</reasoning>\n<answer>\n A \n</answer>\n$ with R and A free of newlines (no
  // DOTALL): split on "\n" that is exactly these 7 lines, the last empty; `$` before a final "\n"
  // allows one more empty line.
  const std::vector<std::string_view> lines = split(text, "\n");
  if (lines.size() != 7 && lines.size() != 8) return 0.0;
  if (lines.size() == 8 && !lines[7].empty()) return 0.0;
  const bool ok = lines[0] == "<reasoning>" && lines[2] == "</reasoning>" && lines[3] == "<answer>" &&
                  lines[5] == "</answer>" && lines[6].empty();
  return ok ? 0.5 : 0.0;
}

double integer_answer(std::string_view text) {
  const std::string a = extract_xml_answer(text);
  if (a.empty()) return 0.0;
  for (char c : a)
    if (c < '0' || c > '9') return 0.0;
  return 0.5;
}

double gsm8k_correctness(std::string_view text, std::string_view gold) {
  return extract_xml_answer(text) == strip_view(gold) ? 2.0 : 0.0;
}

double gsm8k_reward(std::string_view text, std::string_view gold) {
  return xml_count(text) + soft_format(text) + strict_format(text) + integer_answer(text) +
         gsm8k_correctness(text, gold);
}

double boxed_in_answer(std::string_view text) {
  double r = 0.0;
  std::string_view answer = text;
  const std::vector<std::string_view> parts = split(text, "<answer>");
  if (parts.size() > 1) {
    answer = split(parts[1], "</answer>").front();
    r += 1.0;
  }
  r += answer.find("\\boxed") != std::string_view::npos ? 1.0 : 0.5;
  return 0.5 * r;
}

}  // namespace trafl::training::d1
