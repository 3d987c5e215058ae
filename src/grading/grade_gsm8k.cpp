// gsm8k-strict / gsm8k-flexible: extraction, then exact number comparison after lm-eval's
// normalisation (drop ',', '$', a trailing '.'), so 2,125 == 2125, 29.00 == 29, -3 == -3.
// Exact rationals, no tolerance: GSM8K golds are integers.
#include "grading/extract.hpp"
#include "grading/grade_modes.hpp"
#include "grading/rational.hpp"
#include "grading/text_util.hpp"

namespace trafl::grading {

namespace {

std::string normalize_number_text(std::string_view s) {
  std::string out;
  for (char c : s)
    if (c != ',' && c != '$' && c != ' ') out.push_back(c);
  while (!out.empty() && out.back() == '.') out.pop_back();
  replace_all(out, "\\", "");
  return out;
}

}  // namespace

Grade grade_gsm8k(std::string_view completion, std::string_view gold, bool strict) {
  const char* mode = strict ? "gsm8k-strict" : "gsm8k-flexible";
  Extraction e = strict ? extract_gsm8k_strict(completion) : extract_gsm8k_flexible(completion);
  Grade g = start_grade(mode, e);
  // The gold may be the dataset's whole worked answer ("... #### 2,125") or just the number.
  std::string gold_text(gold);
  if (gold_text.find("####") != std::string::npos) {
    Extraction ge = extract_gsm8k_strict(gold_text);
    if (ge.answer) gold_text = *ge.answer;
  }
  std::string gn = normalize_number_text(trim(gold_text));
  g.details["gold_normalized"] = gn;
  if (!e.answer) {
    g.details["path"] = "no_answer";
    return g;
  }
  std::string pn = normalize_number_text(*e.answer);
  g.details["pred_normalized"] = pn;
  auto gv = parse_decimal(gn), pv = parse_decimal(pn);
  if (gv && pv) {
    g.details["path"] = "exact_number";
    finish_grade(g, *gv == *pv);
    if (!g.correct) g.details["reason"] = "the number " + pn + " is not the gold " + gn + " (compared exactly)";
  } else {
    g.details["path"] = "string";  // not numbers (or beyond 128 bits): compare the text
    finish_grade(g, gn == pn);
    if (!g.correct)
      g.details["reason"] = "'" + pn + "' and the gold '" + gn + "' are not both numbers, and as text they differ";
  }
  return g;
}

}  // namespace trafl::grading
