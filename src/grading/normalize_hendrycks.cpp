#include "grading/normalize_hendrycks.hpp"

#include <vector>

#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

struct Raise {};

std::vector<std::string> split(const std::string& s, std::string_view sep) {  // Python str.split(sep)
  std::vector<std::string> out;
  std::size_t last = 0, pos;
  while ((pos = s.find(sep, last)) != std::string::npos) {
    out.push_back(s.substr(last, pos - last));
    last = pos + sep.size();
  }
  out.push_back(s.substr(last));
  return out;
}

std::string fix_fracs(const std::string& string) {
  std::vector<std::string> substrs = split(string, "\\frac");
  std::string new_str = substrs[0];
  for (std::size_t k = 1; k < substrs.size(); ++k) {
    const std::string& substr = substrs[k];
    new_str += "\\frac";
    if (substr.empty()) throw Raise{};  // substr[0] → IndexError in the original
    if (substr[0] == '{') {
      new_str += substr;
    } else {
      if (substr.size() < 2) return string;  // the original's `assert len(substr) >= 2` → return string
      char a = substr[0], b = substr[1];
      if (b != '{') {
        new_str += std::string("{") + a + "}{" + b + "}" + substr.substr(2);
      } else {
        new_str += std::string("{") + a + "}" + b + substr.substr(2);
      }
    }
  }
  return new_str;
}

bool canonical_int(const std::string& s) {  // str(int(s)) == s
  std::size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i == s.size()) return false;
  for (std::size_t k = i; k < s.size(); ++k)
    if (!is_digit(s[k])) return false;
  if (s[i] == '0' && s.size() - i > 1) return false;
  if (s == "-0") return false;
  return true;
}

std::string fix_a_slash_b(const std::string& string) {
  std::vector<std::string> parts = split(string, "/");
  if (parts.size() != 2) return string;
  // int(a), int(b) and the assert that "a/b" is canonical: any failure returns the input.
  if (!canonical_int(parts[0]) || !canonical_int(parts[1])) return string;
  return "\\frac{" + parts[0] + "}{" + parts[1] + "}";
}

std::string remove_right_units(const std::string& string) {
  if (string.find("\\text{ ") != std::string::npos) {
    std::vector<std::string> splits = split(string, "\\text{ ");
    if (splits.size() != 2) throw Raise{};  // assert len(splits) == 2
    return splits[0];
  }
  return string;
}

std::string fix_sqrt(const std::string& string) {
  if (string.find("\\sqrt") == std::string::npos) return string;
  std::vector<std::string> splits = split(string, "\\sqrt");
  std::string new_string = splits[0];
  for (std::size_t k = 1; k < splits.size(); ++k) {
    const std::string& sp = splits[k];
    if (sp.empty()) throw Raise{};  // split[0] → IndexError
    if (sp[0] != '{')
      new_string += "\\sqrt{" + std::string(1, sp[0]) + "}" + sp.substr(1);
    else
      new_string += "\\sqrt" + sp;
  }
  return new_string;
}

}  // namespace

std::optional<std::string> hendrycks_strip_string(std::string_view in) {
  try {
    std::string s(in);
    replace_all(s, "\n", "");
    replace_all(s, "\\!", "");
    replace_all(s, "\\\\", "\\");
    replace_all(s, "tfrac", "frac");
    replace_all(s, "dfrac", "frac");
    replace_all(s, "\\left", "");
    replace_all(s, "\\right", "");
    replace_all(s, "^{\\circ}", "");
    replace_all(s, "^\\circ", "");
    replace_all(s, "\\$", "");
    s = remove_right_units(s);
    replace_all(s, "\\%", "");  // the original does this twice ("\\%" and "\%" are the same string)
    replace_all(s, " .", " 0.");
    replace_all(s, "{.", "{0.");
    if (s.empty()) return s;
    if (s[0] == '.') s = "0" + s;
    std::vector<std::string> eq = split(s, "=");
    if (eq.size() == 2 && eq[0].size() <= 2) s = eq[1];
    s = fix_sqrt(s);
    replace_all(s, " ", "");
    s = fix_fracs(s);
    if (s == "0.5") s = "\\frac{1}{2}";
    s = fix_a_slash_b(s);
    return s;
  } catch (const Raise&) {
    return std::nullopt;
  }
}

HendrycksResult hendrycks_is_equiv(std::string_view gold, std::string_view pred) {
  HendrycksResult r;
  auto g = hendrycks_strip_string(gold);
  auto p = hendrycks_strip_string(pred);
  if (!g || !p) {
    r.raised = true;
    r.gold_stripped = std::string(gold);
    r.pred_stripped = std::string(pred);
    r.equal = gold == pred;
    return r;
  }
  r.gold_stripped = *g;
  r.pred_stripped = *p;
  r.equal = *g == *p;
  return r;
}

}  // namespace trafl::grading
