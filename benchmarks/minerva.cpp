#include "benchmarks/minerva.hpp"

#include "benchmarks/math.hpp"
#include "benchmarks/problem_file.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"

namespace trafl {

std::string MinervaOcwTask::description() const {
  return "Minerva OCW courses set (272 problems, MIT OpenCourseWare). Gold = last \\boxed{} of the solution; "
         "id = idx; metadata course. Prompt as for math (\\boxed{} instruction)";
}

std::string MinervaOcwTask::prompt_for(std::string_view question) const {
  return math_prompt(question, MathPromptStyle::kBoxed);
}

std::vector<Problem> MinervaOcwTask::load(const std::string& path) const {
  return bench::read_problem_file(path, [&](const JsonlRecord& rec, std::size_t index, std::string& id_field) {
    Problem p;
    p.question = bench::require_text(rec, path, "problem");
    p.reference = require_string(rec, path, "solution");
    p.gold = bench::require_boxed(rec, path, "solution", p.reference);
    p.metadata["course"] = bench::require_text(rec, path, "type");
    if (rec.value.contains("idx") && !rec.value.at("idx").is_null()) {
      p.id = require_id(rec, path, "idx");
      id_field = "idx";
    } else {
      p.id = std::to_string(index);
    }
    p.prompt = math_prompt(p.question, MathPromptStyle::kBoxed);
    return p;
  });
}

}  // namespace trafl
