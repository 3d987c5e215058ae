// Store members that read a run back for `trafl-eval export`.
#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace trafl {

std::vector<std::pair<std::string, std::int64_t>> Store::grade_modes(std::int64_t run_id) const {
  sql::Stmt q(db_, path_,
              "SELECT g.mode, count(*) AS n FROM grades g JOIN samples s ON s.id = g.sample_id WHERE s.run_id = ?1 "
              "GROUP BY g.mode ORDER BY n DESC, g.mode");
  q.bind(1, run_id);
  std::vector<std::pair<std::string, std::int64_t>> out;
  while (q.step()) out.emplace_back(q.col_text(0), q.col_int(1));
  return out;
}

void Store::for_each_graded_sample(std::int64_t run_id, std::string_view mode,
                                   const std::function<void(const GradedSample&)>& fn) const {
  sql::Stmt q(db_, path_,
              "SELECT p.problem_id, s.sample_index, s.completion, g.verdict, g.correct, g.extracted FROM samples s "
              "JOIN problems p ON p.id = s.problem_ref LEFT JOIN grades g ON g.sample_id = s.id AND g.mode = ?2 "
              "WHERE s.run_id = ?1 ORDER BY p.id, s.sample_index");
  q.bind(1, run_id).bind(2, mode);
  GradedSample row;
  while (q.step()) {
    row.problem_id = q.col_text(0);
    row.sample_index = q.col_int(1);
    row.completion = q.col_text(2);
    row.graded = !q.col_null(3);
    row.verdict = row.graded ? q.col_text(3) : std::string();
    row.correct = row.graded && q.col_int(4) != 0;
    row.extracted = row.graded ? q.col_text(5) : std::string();
    fn(row);
  }
}

}  // namespace trafl
