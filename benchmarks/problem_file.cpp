#include "benchmarks/problem_file.hpp"

#include "benchmarks/math.hpp"

namespace trafl::bench {

std::vector<Problem> read_problem_file(const std::string& path, const RecordReader& read) {
  JsonlReader reader(path);
  ProblemList list(path);
  JsonlRecord rec;
  for (std::size_t index = 0; reader.next(rec); ++index) {
    std::string id_field = "(line index)";
    Problem p = read(rec, index, id_field);
    list.add(std::move(p), rec.line, id_field);
  }
  return std::move(list).finish();
}

}  // namespace trafl::bench
