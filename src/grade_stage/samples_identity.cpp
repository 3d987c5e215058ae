#include "grade_stage/samples_identity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "grading/boxed.hpp"
#include "grading/normalize_minerva.hpp"

namespace trafl {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The start of a long text, on one line, for an error message.
std::string excerpt(std::string_view text) {
  std::string s = collapse_whitespace(text);
  if (s.size() > 70) s = s.substr(0, 67) + "...";
  return s;
}

}  // namespace

std::string collapse_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (char c : trim(text)) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

bool gold_agrees(const Problem& problem, std::string_view claimed) {
  std::string_view t = trim(claimed), g = trim(problem.gold);
  if (t == g) return true;
  if (auto hash = t.rfind("####"); hash != std::string_view::npos) {
    std::string tail(trim(t.substr(hash + 4)));
    tail.erase(std::remove(tail.begin(), tail.end(), ','), tail.end());
    if (tail == g) return true;
  }
  std::string norm = grading::minerva_normalize_final_answer(t);
  if (norm == grading::minerva_normalize_final_answer(g)) return true;
  if (auto box = last_boxed_content(problem.reference); box && norm == grading::minerva_normalize_final_answer(*box))
    return true;
  return false;
}

ProblemCatalog::ProblemCatalog(const std::vector<Problem>& problems, bool golds_are_answers)
    : problems_(&problems), golds_are_answers_(golds_are_answers) {
  by_id_.reserve(problems.size());
  for (std::size_t i = 0; i < problems.size(); ++i) {
    by_id_.emplace(problems[i].id, i);
    if (!problems[i].question.empty()) by_question_[collapse_whitespace(problems[i].question)].push_back(i);
  }
}

std::optional<std::size_t> ProblemCatalog::find_id(const std::string& id) const {
  if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  // EvalPlus names MBPP task N "Mbpp/N"; the MBPP files number it N.
  if (id.rfind("Mbpp/", 0) == 0)
    if (auto it = by_id_.find(id.substr(5)); it != by_id_.end()) return it->second;
  return std::nullopt;
}

Resolution ProblemCatalog::resolve(const std::string& path, std::size_t line, const SampleClaims& claims) const {
  const auto& problems = *problems_;
  Resolution r;
  bool by_text = false;
  if (claims.stable_id) {
    auto pos = find_id(*claims.stable_id);
    if (!pos)
      throw InputError(path, line, claims.stable_id_field,
                       fmt::format("problem '{}' is not in the task's data file", *claims.stable_id));
    r.position = *pos;
  } else if (claims.question) {
    auto it = by_question_.find(collapse_whitespace(*claims.question));
    if (it == by_question_.end())
      throw InputError(path, line, claims.question_field,
                       fmt::format("no problem of the task's data file has this text (\"{}\"); the samples come from "
                                   "another data file or task",
                                   excerpt(*claims.question)));
    std::vector<std::size_t> candidates = it->second;
    if (candidates.size() > 1) {
      // The same text twice in the data file: the line's own id decides, else its gold.
      auto own = find_id(claims.id);
      if (own && std::find(candidates.begin(), candidates.end(), *own) != candidates.end()) {
        candidates = {*own};
      } else if (claims.gold && golds_are_answers_) {
        candidates.erase(std::remove_if(candidates.begin(), candidates.end(),
                                        [&](std::size_t i) { return !gold_agrees(problems[i], *claims.gold); }),
                         candidates.end());
      }
      if (candidates.size() != 1)
        throw InputError(
            path, line, claims.question_field,
            fmt::format("{} problems of the data file have this text and nothing on the line tells them apart",
                        it->second.size()));
    }
    r.position = candidates.front();
    by_text = true;
    auto own = find_id(claims.id);
    r.by_question = !own || *own != r.position;
  } else {
    auto pos = find_id(claims.id);
    if (!pos)
      throw InputError(path, line, claims.id_field,
                       fmt::format("problem '{}' is not in the task's data file", claims.id));
    r.position = *pos;
  }
  const Problem& p = problems[r.position];
  if (claims.question && !by_text && collapse_whitespace(*claims.question) != collapse_whitespace(p.question))
    throw InputError(path, line, claims.question_field,
                     fmt::format("the text (\"{}\") is not that of problem '{}' (\"{}\"); the samples belong to other "
                                 "problems than their ids say",
                                 excerpt(*claims.question), p.id, excerpt(p.question)));
  if (claims.gold && golds_are_answers_ && !gold_agrees(p, *claims.gold))
    throw InputError(path, line, claims.gold_field,
                     fmt::format("'{}' disagrees with the gold answer '{}' of problem '{}'", excerpt(*claims.gold),
                                 excerpt(p.gold), p.id));
  return r;
}

}  // namespace trafl
