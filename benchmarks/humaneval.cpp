#include "benchmarks/humaneval.hpp"

#include <fmt/format.h>

#include "benchmarks/math.hpp"
#include "codegrade/compare.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"

namespace trafl {

std::string HumanEvalTask::description() const {
  return "HumanEval (164 problems, HumanEval.jsonl.gz): prompt + completion + test + check(entry_point) in the "
         "sandbox; id = task_id";
}

std::vector<Problem> HumanEvalTask::load(const std::string& path) const {
  JsonlReader reader(path);
  bench::ProblemList list(path);
  JsonlRecord rec;
  while (reader.next(rec)) {
    Problem p;
    p.id = require_id(rec, path, "task_id");
    p.prompt = bench::require_text(rec, path, "prompt");
    p.question = p.prompt;
    p.gold = bench::require_text(rec, path, "test");
    if (p.gold.find("def check") == std::string::npos)
      throw InputError(path, rec.line, "test", "does not define check(candidate)");
    p.reference = require_string(rec, path, "canonical_solution");
    std::string entry = bench::require_text(rec, path, "entry_point");
    for (char c : entry)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_'))
        throw InputError(path, rec.line, "entry_point", fmt::format("'{}' is not a Python identifier", entry));
    if (p.prompt.find("def " + entry) == std::string::npos)
      throw InputError(path, rec.line, "entry_point", fmt::format("the prompt does not define '{}'", entry));
    p.metadata["entry_point"] = entry;
    list.add(std::move(p), rec.line, "task_id");
  }
  return std::move(list).finish();
}

std::string humaneval_program(const Problem& problem, std::string_view completion, std::string* how) {
  const std::string& entry = problem.metadata.at("entry_point");
  if (auto block = codegrade::extract_last_fenced_block(completion)) {
    if (block->find("def " + entry + "(") != std::string::npos) {
      auto pos = problem.prompt.find("def " + entry + "(");
      if (how) *how = "fenced block defining the entry point";
      return problem.prompt.substr(0, pos == std::string::npos ? 0 : pos) + *block;
    }
  }
  if (how) *how = "prompt + completion";
  return problem.prompt + std::string(completion);
}

Grade HumanEvalTask::grade(const Problem& problem, std::string_view completion, std::string_view mode) const {
  if (mode != "asserts") throw UsageError(fmt::format("humaneval has no grading mode '{}' (modes: asserts)", mode));
  std::string how;
  codegrade::AssertProgram prog;
  prog.candidate = humaneval_program(problem, completion, &how);
  prog.tests = {problem.gold + "\ncheck(" + problem.metadata.at("entry_point") + ")\n"};
  auto r = codegrade::run_assert_tests(codegrade::shared_sandbox(), prog, limits_);
  return codegrade::to_grade(r, prog.candidate, mode,
                             {{"harness", "asserts"}, {"program", how}, {"test_timeout_s", limits_.test_timeout_s}});
}

}  // namespace trafl
