#include "benchmarks/livecodebench.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "benchmarks/math.hpp"
#include "codegrade/compare.hpp"
#include "codegrade/lcb_decode.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"

namespace trafl {

using codegrade::TestCase;

std::string lcb_prompt(const std::string& content, const std::string& starter) {
  std::string p = "### Question:\n" + content + "\n\n";
  if (!starter.empty()) {
    p += "### Format: You will use the following starter code to write the solution to the problem and enclose your "
         "code within delimiters.\n";
    p += "```python\n" + starter + "\n```\n\n";
  } else {
    p += "### Format: Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test "
         "on the sample inputs). Enclose your code within delimiters as follows. Ensure that when the python program "
         "runs, it reads the inputs, runs the algorithm and writes output to STDOUT.\n";
    p += "```python\n# YOUR CODE HERE\n```\n\n";
  }
  p += "### Answer: (use the provided format with backticks)\n\n";
  return p;
}

LiveCodeBenchTask::LiveCodeBenchTask() = default;
LiveCodeBenchTask::LiveCodeBenchTask(Options options) : options_(std::move(options)) {}

std::string LiveCodeBenchTask::description() const {
  return "LiveCodeBench code_generation_lite (JSONL; public + private tests, private as JSON or base64+zlib+pickle). "
         "id = question_id; splits: difficulty, platform; modes lcb (exact) / tolerant (1e-6)";
}

namespace {

std::vector<TestCase> decode_field(const std::string& path, std::size_t line, const char* field, const std::string& text,
                                   bool allow_encoded, std::string* encoding) {
  try {
    bool encoded = false;
    auto tests = allow_encoded ? codegrade::decode_lcb_tests(text, &encoded) : codegrade::parse_test_list(text);
    if (encoding) *encoding = encoded ? "zlib-pickle" : "json";
    return tests;
  } catch (const codegrade::DecodeError& e) {
    throw InputError(path, line, field, e.what());
  }
}

void check_tests(const std::string& path, std::size_t line, const char* field, const std::vector<TestCase>& tests,
                 bool functional) {
  for (std::size_t k = 0; k < tests.size(); ++k) {
    const auto& t = tests[k];
    if ((t.testtype == "functional") != functional)
      throw InputError(path, line, field,
                       fmt::format("test {} has testtype '{}' but the problem is {} (metadata func_name {})", k, t.testtype,
                                   functional ? "functional" : "stdin", functional ? "present" : "absent"));
    if (!functional) continue;
    std::size_t start = 0;
    for (;;) {
      auto nl = t.input.find('\n', start);
      std::string arg = t.input.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!nlohmann::json::accept(arg))
        throw InputError(path, line, field, fmt::format("test {}: input line '{}' is not a JSON value", k, arg.substr(0, 60)));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    if (!nlohmann::json::accept(t.output))
      throw InputError(path, line, field, fmt::format("test {}: output is not a JSON value", k));
  }
}

}  // namespace

std::vector<Problem> LiveCodeBenchTask::load(const std::string& path) const {
  JsonlReader reader(path);
  bench::ProblemList list(path);
  JsonlRecord rec;
  while (reader.next(rec)) {
    Problem p;
    p.id = require_id(rec, path, "question_id");
    std::string date = require_string(rec, path, "contest_date");
    if (!options_.since.empty() && date.substr(0, options_.since.size()) < options_.since) continue;
    if (!options_.until.empty() && date.substr(0, options_.until.size()) > options_.until) continue;
    p.question = bench::require_text(rec, path, "question_content");
    std::string starter = optional_string(rec, path, "starter_code").value_or("");
    std::string platform = require_string(rec, path, "platform");
    if (platform != "leetcode" && platform != "atcoder" && platform != "codeforces")
      throw InputError(path, rec.line, "platform", fmt::format("'{}' is not leetcode, atcoder or codeforces", platform));
    std::string difficulty = require_string(rec, path, "difficulty");
    if (difficulty != "easy" && difficulty != "medium" && difficulty != "hard")
      throw InputError(path, rec.line, "difficulty", fmt::format("'{}' is not easy, medium or hard", difficulty));
    std::string meta_text = optional_string(rec, path, "metadata").value_or("{}");
    auto meta = nlohmann::json::parse(meta_text, nullptr, false);
    if (!meta.is_object()) throw InputError(path, rec.line, "metadata", "not a JSON object (as a string)");
    std::string fn;
    if (meta.contains("func_name")) {
      if (!meta["func_name"].is_string() || meta["func_name"].get<std::string>().empty())
        throw InputError(path, rec.line, "metadata", "func_name is not a non-empty string");
      fn = meta["func_name"].get<std::string>();
    }
    std::string pub = require_string(rec, path, "public_test_cases");
    auto pub_tests = decode_field(path, rec.line, "public_test_cases", pub, false, nullptr);
    check_tests(path, rec.line, "public_test_cases", pub_tests, !fn.empty());
    std::string priv_encoding = "absent";
    std::string priv;
    std::size_t n_priv = 0;
    if (auto pv = optional_string(rec, path, "private_test_cases")) {
      priv = *pv;
      auto priv_tests = decode_field(path, rec.line, "private_test_cases", priv, true, &priv_encoding);
      check_tests(path, rec.line, "private_test_cases", priv_tests, !fn.empty());
      n_priv = priv_tests.size();
    }
    if (pub_tests.size() + n_priv == 0) throw InputError(path, rec.line, "public_test_cases", "the problem has no tests");
    p.prompt = lcb_prompt(p.question, starter);
    p.reference = starter;
    p.gold = nlohmann::json{{"fn_name", fn}, {"public", pub}, {"private", priv}}.dump();
    p.metadata["platform"] = platform;
    p.metadata["difficulty"] = difficulty;
    p.metadata["contest_date"] = date;
    if (auto c = optional_string(rec, path, "contest_id")) p.metadata["contest_id"] = *c;
    if (auto t = optional_string(rec, path, "question_title")) p.metadata["title"] = *t;
    if (auto v = optional_string(rec, path, "_version")) p.metadata["version"] = *v;
    p.metadata["kind"] = fn.empty() ? "stdin" : "functional";
    if (!fn.empty()) p.metadata["func_name"] = fn;
    p.metadata["tests_public"] = std::to_string(pub_tests.size());
    p.metadata["tests_private"] = std::to_string(n_priv);
    p.metadata["private_encoding"] = priv_encoding;
    list.add(std::move(p), rec.line, "question_id");
  }
  return std::move(list).finish();
}

std::shared_ptr<const std::vector<TestCase>> LiveCodeBenchTask::tests(const Problem& problem) const {
  std::string key = problem.id + "#" + std::to_string(std::hash<std::string>{}(problem.gold));
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  auto gold = nlohmann::json::parse(problem.gold);
  auto all = codegrade::parse_test_list(gold.at("public").get<std::string>());
  std::string priv = gold.at("private").get<std::string>();
  if (!priv.empty()) {
    auto more = codegrade::decode_lcb_tests(priv);
    all.insert(all.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  }
  auto shared = std::make_shared<const std::vector<TestCase>>(std::move(all));
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (cache_.size() >= 64) cache_.clear();  // bounded: decoded private tests can be large
  cache_[key] = shared;
  return shared;
}

Grade LiveCodeBenchTask::grade(const Problem& problem, std::string_view completion, std::string_view mode) const {
  auto cmp = codegrade::parse_compare(mode);
  if (!cmp) throw UsageError(fmt::format("livecodebench has no grading mode '{}' (modes: lcb, tolerant)", mode));
  auto code = codegrade::extract_last_fenced_block(completion);
  if (!code) {
    Grade g;
    g.verdict = verdict::kNoAnswer;
    g.mode = std::string(mode);
    g.details = {{"failure", "no fenced code block (LCB extract_code needs two ``` lines)"}, {"tests_run", 0}};
    return g;
  }
  auto tests = this->tests(problem);
  auto fn = problem.metadata.count("func_name") ? problem.metadata.at("func_name") : std::string();
  auto& box = codegrade::shared_sandbox();
  codegrade::CodeResult r = fn.empty() ? codegrade::run_stdin_tests(box, *code, *tests, *cmp, options_.limits)
                                       : codegrade::run_functional_tests(box, *code, fn, *tests, *cmp, options_.limits);
  return codegrade::to_grade(r, *code, mode,
                             {{"harness", fn.empty() ? "stdin" : "functional"}, {"test_timeout_s", options_.limits.test_timeout_s}});
}

}  // namespace trafl
