#include "benchmarks/livecodebench.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "benchmarks/math.hpp"
#include "codegrade/compare.hpp"
#include "codegrade/lcb_decode.hpp"
#include "benchmarks/lcb_release.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/json_text.hpp"
#include "core/jsonl.hpp"

#include <algorithm>
#include <filesystem>

namespace trafl {

using codegrade::TestCase;

std::string lcb_prompt(const std::string& content, const std::string& starter) {
  std::string p = "### Question:\n" + content + "\n\n";
  if (!starter.empty()) {
    p += "### Format: You will use the following starter code to write the solution to the problem and enclose your "
         "code within delimiters.\n";
    p += "```python\n" + starter + "\n```\n\n";
  } else {
    p +=
        "### Format: Read the inputs from stdin solve the problem and write the answer to stdout (do not directly test "
        "on the sample inputs). Enclose your code within delimiters as follows. Ensure that when the python program "
        "runs, it reads the inputs, runs the algorithm and writes output to STDOUT.\n";
    p += "```python\n# YOUR CODE HERE\n```\n\n";
  }
  p += "### Answer: (use the provided format with backticks)\n\n";
  return p;
}

std::string lcb_short_prompt(const std::string& content) { return "Question: " + content + "\nAnswer:\n"; }

LiveCodeBenchTask::LiveCodeBenchTask() = default;
LiveCodeBenchTask::LiveCodeBenchTask(Options options) : options_(std::move(options)) {
  if (options_.prompt_style != "lcb" && options_.prompt_style != "short")
    throw UsageError(fmt::format("livecodebench prompt style '{}' is not lcb or short", options_.prompt_style));
  for (const auto& d : options_.difficulties)
    if (d != "easy" && d != "medium" && d != "hard")
      throw UsageError(fmt::format("difficulty '{}' is not easy, medium or hard", d));
  for (const auto& p : options_.platforms)
    if (p != "leetcode" && p != "atcoder" && p != "codeforces")
      throw UsageError(fmt::format("platform '{}' is not leetcode, atcoder or codeforces", p));
  if (!options_.release.empty()) lcb::parse_release(options_.release);  // UsageError now, not at load
}

std::string LiveCodeBenchTask::description() const {
  return "LiveCodeBench code_generation_lite (JSONL; public + private tests, private as JSON or base64+zlib+pickle). "
         "id = question_id; splits: difficulty, platform; modes lcb (exact) / tolerant (1e-6)";
}

namespace {

std::vector<TestCase> decode_field(const std::string& path, std::size_t line, const char* field,
                                   const std::string& text, bool allow_encoded, std::string* encoding) {
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
                       fmt::format("test {} has testtype '{}' but the problem is {} (metadata func_name {})", k,
                                   t.testtype, functional ? "functional" : "stdin", functional ? "present" : "absent"));
    if (!functional) continue;
    std::size_t start = 0;
    for (;;) {
      auto nl = t.input.find('\n', start);
      std::string arg = t.input.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!nlohmann::json::accept(arg))
        throw InputError(path, line, field,
                         fmt::format("test {}: input line '{}' is not a JSON value", k, arg.substr(0, 60)));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    if (!nlohmann::json::accept(t.output))
      throw InputError(path, line, field, fmt::format("test {}: output is not a JSON value", k));
  }
}

bool wanted(const std::vector<std::string>& keep, const std::string& value) {
  return keep.empty() || std::find(keep.begin(), keep.end(), value) != keep.end();
}

}  // namespace

std::vector<std::string> LiveCodeBenchTask::files(const std::string& path) const {
  if (!std::filesystem::is_directory(path)) return {path};
  if (options_.release.empty())
    throw InputError(path, 0, "",
                     "is a directory: pass --release (e.g. release_v6) to pick the published test*.jsonl files");
  return lcb::release_files(path, lcb::parse_release(options_.release));
}

std::vector<Problem> LiveCodeBenchTask::load(const std::string& path) const {
  std::vector<Problem> out;
  // A single file with a release keeps the rows whose _version is in the release's range.
  bool by_version = !options_.release.empty() && !std::filesystem::is_directory(path);
  for (const auto& file : files(path)) load_file(file, by_version, out);
  // Ids must be unique across the release's files too.
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto [it, inserted] = seen.emplace(out[i].id, i);
    if (!inserted)
      throw InputError(path, 0, "question_id", fmt::format("duplicate id '{}' across the release's files", out[i].id));
  }
  if (out.empty())
    throw InputError(path, 0, "",
                     options_.since.empty() && options_.until.empty() && options_.difficulties.empty() &&
                             options_.platforms.empty() && options_.release.empty()
                         ? "no problems (the file is empty)"
                         : "no problems left after the selection (release, dates, difficulty, platform)");
  return out;
}

std::string LiveCodeBenchTask::data_identity(const std::string& path) const {
  auto list = files(path);
  bool plain = list.size() == 1 && list[0] == path && options_.release.empty() && options_.since.empty() &&
               options_.until.empty() && options_.difficulties.empty() && options_.platforms.empty() &&
               options_.prompt_style == "lcb";
  if (plain) return Task::data_identity(path);  // unchanged: runs graded before selections existed resume
  nlohmann::json id = {{"files", nlohmann::json::array()},
                       {"release", options_.release},
                       {"since", options_.since},
                       {"until", options_.until},
                       {"difficulties", options_.difficulties},
                       {"platforms", options_.platforms},
                       {"prompt_style", options_.prompt_style}};
  for (const auto& f : list)
    id["files"].push_back({{"name", std::filesystem::path(f).filename().string()}, {"sha256", sha256_file(f)}});
  return sha256_hex(id.dump());
}

void LiveCodeBenchTask::load_file(const std::string& path, bool by_version, std::vector<Problem>& out) const {
  JsonlReader reader(path);
  bench::ProblemList list(path);
  JsonlRecord rec;
  lcb::Release release = by_version ? lcb::parse_release(options_.release) : lcb::Release{};
  std::size_t records = 0;
  while (reader.next(rec)) {
    ++records;
    Problem p;
    p.id = require_id(rec, path, "question_id");
    if (by_version) {
      auto label = optional_string(rec, path, "_version");
      if (!label)
        throw InputError(
            path, rec.line, "_version",
            "missing: --release with a single file keeps rows by their _version (\"v5\"); for the published "
            "files pass the directory that holds test.jsonl … test6.jsonl");
      int v = lcb::parse_version_label(*label);
      if (v == 0)
        throw InputError(path, rec.line, "_version", fmt::format("'{}' is not a version label like v5", *label));
      if (!release.contains(v)) continue;
    }
    std::string date = require_string(rec, path, "contest_date");
    if (!options_.since.empty() && date.substr(0, options_.since.size()) < options_.since) continue;
    if (!options_.until.empty() && date.substr(0, options_.until.size()) > options_.until) continue;
    std::string platform = require_string(rec, path, "platform");
    if (platform != "leetcode" && platform != "atcoder" && platform != "codeforces")
      throw InputError(path, rec.line, "platform",
                       fmt::format("'{}' is not leetcode, atcoder or codeforces", platform));
    if (!wanted(options_.platforms, platform)) continue;
    std::string difficulty = require_string(rec, path, "difficulty");
    if (difficulty != "easy" && difficulty != "medium" && difficulty != "hard")
      throw InputError(path, rec.line, "difficulty", fmt::format("'{}' is not easy, medium or hard", difficulty));
    if (!wanted(options_.difficulties, difficulty)) continue;
    p.question = bench::require_text(rec, path, "question_content");
    std::string starter = optional_string(rec, path, "starter_code").value_or("");
    std::string meta_text = optional_string(rec, path, "metadata").value_or("{}");
    nlohmann::json meta;
    try {
      meta = parse_json_text(meta_text);
    } catch (const JsonTextError& e) {
      throw InputError(path, rec.line, "metadata", fmt::format("not valid JSON (as a string): {}", e.what()));
    }
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
    if (pub_tests.size() + n_priv == 0)
      throw InputError(path, rec.line, "public_test_cases", "the problem has no tests");
    p.prompt = options_.prompt_style == "short" ? lcb_short_prompt(p.question) : lcb_prompt(p.question, starter);
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
  if (records == 0) throw InputError(path, 0, "", "no problems (the file is empty)");
  if (list.empty()) return;  // everything selected away: fine for one file of several
  for (auto& p : std::move(list).finish()) out.push_back(std::move(p));
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
  return codegrade::to_grade(
      r, *code, mode,
      {{"harness", fn.empty() ? "stdin" : "functional"}, {"test_timeout_s", options_.limits.test_timeout_s}});
}

}  // namespace trafl
