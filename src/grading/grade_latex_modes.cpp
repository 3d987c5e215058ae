// The LaTeX answer modes: symbolic (ours), hendrycks (original strip_string), minerva
// (lm-eval's normalize_final_answer + expression comparison with a string shortcut).
#include "grading/boxed.hpp"
#include "grading/equivalence.hpp"
#include "grading/extract.hpp"
#include "grading/grade_modes.hpp"
#include "grading/normalize_hendrycks.hpp"
#include "grading/normalize_minerva.hpp"

namespace trafl::grading {

namespace {

// A gold that is a whole worked solution is reduced to its last box, as MATH graders do.
std::string gold_answer(std::string_view gold) {
  if (gold.find("\\boxed") != std::string_view::npos || gold.find("\\fbox") != std::string_view::npos) {
    if (auto b = last_boxed_content(gold)) return *b;
  }
  return std::string(gold);
}

// The symbolic mode also reads a gold written in math delimiters ("$\frac{1}{3}$", "$125$ miles"),
// and a gold of adjacent boxes ("$\boxed{1}\boxed{2}$") as the list of their contents.
std::string symbolic_gold_answer(std::string_view gold) {
  std::string g = gold_answer(gold);
  if (gold.find("\\boxed") != std::string_view::npos || gold.find("\\fbox") != std::string_view::npos)
    if (auto b = last_boxed_group(gold)) g = *b;
  if (g.find('$') != std::string::npos || g.find("\\(") != std::string::npos || g.find("\\[") != std::string::npos)
    if (auto m = last_math_span(g)) return *m;
  return g;
}

void record(Grade& g, const Equivalence& e) {
  g.details["gold_normalized"] = e.gold_normalized;
  g.details["pred_normalized"] = e.pred_normalized;
  g.details["path"] = e.path;
  if (!e.gold_structure.empty()) g.details["gold_structure"] = e.gold_structure;
  if (!e.pred_structure.empty()) g.details["pred_structure"] = e.pred_structure;
  if (!e.notes.empty()) g.details["notes"] = e.notes;
  if (e.budget_exceeded) {
    g.details["budget"] = "budget_exceeded";
    g.details["budget_reason"] = e.budget_reason;
  }
  if (!e.equal) g.details["reason"] = e.reason.empty() ? "not equal (decided by " + e.path + ")" : e.reason;
}

}  // namespace

Grade grade_symbolic(std::string_view completion, std::string_view gold) {
  Extraction e = extract_math(completion);
  Grade g = start_grade("symbolic", e);
  std::string gold_text = symbolic_gold_answer(gold);
  if (!e.answer) {
    g.details["gold_normalized"] = gold_text;
    g.details["path"] = "no_answer";
    return g;
  }
  Equivalence eq = symbolic_equivalent(gold_text, *e.answer);
  // Adjacent boxes read as one list that misses the gold: the last box decides, as it did before
  // boxes were joined. A solution that names the candidates and then the answer ("\boxed{-2} and
  // \boxed{1}" against gold 1) stays right, as MATH's own reference solutions 414, 2703, 2716, 2912
  // and 4860 need (tests/test_real_data.cpp); one value in several forms ("\boxed{15\frac{39}{40}},
  // or \boxed{\frac{639}{40}}") is the case where every box equals the gold, recorded as such.
  if (!eq.equal && e.boxes.size() > 1) {
    Equivalence last = symbolic_equivalent(gold_text, e.boxes.back());
    if (last.equal) {
      bool all = true;
      for (std::size_t i = 0; all && i + 1 < e.boxes.size(); ++i)
        all = symbolic_equivalent(gold_text, e.boxes[i]).equal;
      if (all) {
        eq.equal = true;
        eq.path = "every_box_equals_gold";
      } else {
        eq = last;
        eq.path = "last_box";
      }
    }
  }
  record(g, eq);
  finish_grade(g, eq.equal);
  return g;
}

Grade grade_hendrycks(std::string_view completion, std::string_view gold) {
  Extraction e = extract_boxed_only(completion);
  Grade g = start_grade("hendrycks", e);
  std::string gold_text = gold_answer(gold);
  if (!e.answer) {
    g.details["gold_normalized"] = hendrycks_strip_string(gold_text).value_or(gold_text);
    g.details["path"] = "no_answer";
    return g;
  }
  HendrycksResult r = hendrycks_is_equiv(gold_text, *e.answer);
  g.details["gold_normalized"] = r.gold_stripped;
  g.details["pred_normalized"] = r.pred_stripped;
  g.details["path"] = r.raised ? "raw_string (strip_string raised)" : "strip_string_equality";
  if (!r.equal)
    g.details["reason"] = "the normalised strings differ: gold '" + r.gold_stripped + "', answer '" + r.pred_stripped +
                          "' (this mode compares strings after hendrycks' strip_string, never values)";
  finish_grade(g, r.equal);
  return g;
}

Grade grade_minerva(std::string_view completion, std::string_view gold) {
  Extraction e = extract_minerva(completion);
  Grade g = start_grade("minerva", e);
  std::string gold_norm = minerva_normalize_final_answer(gold_answer(gold));
  if (!e.answer) {
    g.details["gold_normalized"] = gold_norm;
    g.details["path"] = "no_answer";
    return g;
  }
  std::string pred_norm = minerva_normalize_final_answer(*e.answer);
  Equivalence eq = expression_equivalent(gold_norm, pred_norm);
  record(g, eq);
  finish_grade(g, eq.equal);
  return g;
}

}  // namespace trafl::grading
