#include "benchmarks/mbpp.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "benchmarks/math.hpp"
#include "codegrade/compare.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"

namespace trafl {

std::string MbppTask::description() const {
  return "MBPP (mbpp.jsonl 974 / sanitized-mbpp.json 427): code + test_setup_code + test_list asserts in the "
         "sandbox; id = task_id; split metadata";
}

namespace {
std::vector<std::string> string_list(const JsonlRecord& rec, const std::string& path, const char* field,
                                     bool required) {
  std::vector<std::string> out;
  auto it = rec.value.find(field);
  if (it == rec.value.end()) {
    if (required) throw InputError(path, rec.line, field, "missing");
    return out;
  }
  if (!it->is_array()) throw InputError(path, rec.line, field, "not a list of strings");
  for (const auto& v : *it) {
    if (!v.is_string()) throw InputError(path, rec.line, field, "not a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}
}  // namespace

std::vector<Problem> MbppTask::load(const std::string& path) const {
  auto records = read_json_records(path);
  bench::ProblemList list(path);
  for (const auto& rec : records) {
    Problem p;
    p.id = require_id(rec, path, "task_id");
    bool sanitized = !rec.value.contains("text") && rec.value.contains("prompt");
    p.question = bench::require_text(rec, path, sanitized ? "prompt" : "text");
    p.reference = bench::require_text(rec, path, "code");
    auto tests = string_list(rec, path, "test_list", true);
    if (tests.empty()) throw InputError(path, rec.line, "test_list", "no tests");
    std::string setup = optional_string(rec, path, "test_setup_code").value_or("");
    auto imports = string_list(rec, path, "test_imports", false);
    std::string joined;
    for (const auto& t : tests) joined += t + "\n";
    p.prompt = fmt::format(
        "You are an expert Python programmer, and here is your task: {} Your code should pass these tests:\n\n{}",
        p.question, joined);
    p.gold = nlohmann::json{{"tests", tests}, {"setup", setup}, {"imports", imports}}.dump();
    long id = std::strtol(p.id.c_str(), nullptr, 10);
    p.metadata["split"] = id >= 1 && id <= 10 ? "prompt" : id <= 510 ? "test" : id <= 600 ? "validation" : "train";
    p.metadata["source"] = sanitized ? "sanitized" : "mbpp";
    list.add(std::move(p), rec.line, "task_id");
  }
  return std::move(list).finish();
}

std::string mbpp_code_from_completion(std::string_view completion) {
  if (auto block = codegrade::extract_last_fenced_block(completion)) return *block;
  return std::string(completion);
}

codegrade::AssertProgram MbppTask::program(const Problem& problem, std::string code) {
  auto gold = nlohmann::json::parse(problem.gold);
  codegrade::AssertProgram prog;
  for (const auto& i : gold.at("imports")) prog.prelude += i.get<std::string>() + "\n";
  prog.candidate = std::move(code);
  prog.setup = gold.at("setup").get<std::string>();
  for (const auto& t : gold.at("tests")) prog.tests.push_back(t.get<std::string>());
  return prog;
}

Grade MbppTask::grade(const Problem& problem, std::string_view completion, std::string_view mode) const {
  if (mode != "asserts") throw UsageError(fmt::format("mbpp has no grading mode '{}' (modes: asserts)", mode));
  auto prog = program(problem, mbpp_code_from_completion(completion));
  auto r = codegrade::run_assert_tests(codegrade::shared_sandbox(), prog, limits_);
  return codegrade::to_grade(r, prog.candidate, mode,
                             {{"harness", "asserts"}, {"test_timeout_s", limits_.test_timeout_s}});
}

}  // namespace trafl
