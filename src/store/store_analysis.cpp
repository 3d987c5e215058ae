// The Store's reads for the analysis stages (diagnostics, report): see store.hpp.
#include <string>

#include "store/sqlite.hpp"
#include "store/statements.hpp"
#include "store/store.hpp"

namespace trafl {

namespace {

// Run ids are integers we hold, so the IN list is built as text (SQLite binds no arrays).
std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string s;
  for (auto id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

constexpr const char* kAnalysedSamplesOfRow =
    "SELECT s.sample_index, g.correct, g.verdict, g.extracted, s.trajectory, s.run_id FROM samples s "
    "JOIN grades g ON g.sample_id = s.id AND g.mode = ?2 "
    "WHERE s.problem_ref = ?1 ORDER BY s.sample_index";

constexpr const char* kAnalysedSamplesShown =
    "SELECT s.sample_index, g.correct, g.verdict, g.extracted, s.completion FROM problems p "
    "JOIN samples s ON s.problem_ref = p.id JOIN grades g ON g.sample_id = s.id AND g.mode = ?3 "
    "WHERE p.run_id = ?1 AND p.problem_id = ?2 AND g.correct = ?4 ORDER BY s.sample_index LIMIT ?5";

constexpr const char* kOneProblem =
    "SELECT problem_id, question, prompt, gold, reference, metadata FROM problems WHERE run_id = ?1 AND problem_id = ?2";

}  // namespace

std::vector<std::string> Store::graded_modes(const std::vector<std::int64_t>& run_ids) const {
  // One index probe per problem row (grades_outcome is keyed by problem_ref, mode).
  sql::Stmt q(db_, path_,
              "SELECT DISTINCT g.mode FROM problems p JOIN grades g ON g.problem_ref = p.id WHERE p.run_id IN (" +
                  id_list(run_ids) + ") ORDER BY g.mode");
  std::vector<std::string> modes;
  while (q.step()) modes.push_back(q.col_text(0));
  return modes;
}

std::vector<ProblemRow> Store::problem_rows(const std::vector<std::int64_t>& run_ids) const {
  sql::Stmt q(
      db_, path_,
      "SELECT id, run_id, problem_id, metadata FROM problems WHERE run_id IN (" + id_list(run_ids) + ") ORDER BY id");
  std::vector<ProblemRow> out;
  while (q.step()) out.push_back({q.col_int(0), q.col_int(1), q.col_text(2), metadata_from_text(q.col_text(3))});
  return out;
}

void Store::graded_samples(std::int64_t problem_ref, std::string_view mode, std::vector<AnalysedSample>& out) const {
  auto q = TRAFL_STMT(kAnalysedSamplesOfRow);
  q->bind(1, problem_ref).bind(2, mode);
  while (q->step()) {
    AnalysedSample g;
    g.sample_index = q->col_int(0);
    g.correct = q->col_int(1) != 0;
    g.verdict = q->col_text(2);
    g.extracted = q->col_text(3);
    if (!q->col_null(4)) g.trajectory = q->col_blob(4);
    g.run_id = q->col_int(5);
    out.push_back(std::move(g));
  }
}

std::vector<AnalysedSample> Store::graded_samples(std::int64_t run_id, std::string_view problem_id,
                                                  std::string_view mode, bool correct, std::int64_t limit) const {
  auto q = TRAFL_STMT(kAnalysedSamplesShown);
  q->bind(1, run_id).bind(2, problem_id).bind(3, mode).bind(4, std::int64_t{correct ? 1 : 0}).bind(5, limit);
  std::vector<AnalysedSample> out;
  while (q->step()) {
    AnalysedSample g;
    g.run_id = run_id;
    g.sample_index = q->col_int(0);
    g.correct = q->col_int(1) != 0;
    g.verdict = q->col_text(2);
    g.extracted = q->col_text(3);
    g.completion = q->col_text(4);
    out.push_back(std::move(g));
  }
  return out;
}

std::optional<Problem> Store::problem(std::int64_t run_id, std::string_view problem_id) const {
  auto q = TRAFL_STMT(kOneProblem);
  q->bind(1, run_id).bind(2, problem_id);
  if (!q->step()) return std::nullopt;
  return problem_from_row(*q);
}

}  // namespace trafl
