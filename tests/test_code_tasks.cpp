// Code task adapters (livecodebench, humaneval, mbpp): loading fixtures and bad input, grading
// through Task::grade in the sandbox, and — when ../shared/data exists — the real files: HumanEval
// canonical solutions 164/164, MBPP `code` against `test_list`, LCB counts per platform/difficulty.
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "benchmarks/humaneval.hpp"
#include "benchmarks/lcb_release.hpp"
#include "benchmarks/livecodebench.hpp"
#include "benchmarks/mbpp.hpp"
#include "codegrade/harness.hpp"
#include "core/error.hpp"
#include "grade_stage/grade_samples.hpp"
#include "tests/support.hpp"
#include "tests/test_sandbox_util.hpp"

using namespace trafl;
using trafl::test::TempDir;
using trafl::test::write_file;
namespace sbx = trafl::test::sbx;

namespace {

void use_test_sandbox() { codegrade::set_shared_sandbox(&sbx::box()); }

std::string load_error(const Task& task, const std::string& path) {
  try {
    task.load(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// Grades every (problem, completion) pair on enough threads to keep all sandbox slots busy.
std::vector<Grade> grade_all(const Task& task, const std::vector<Problem>& problems,
                             const std::vector<std::string>& completions, const std::string& mode) {
  std::vector<Grade> out(problems.size());
  std::atomic<std::size_t> next{0};
  unsigned n = std::max(2u, sbx::box().slots() * 2);
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < n; ++t)
    threads.emplace_back([&] {
      for (std::size_t i; (i = next++) < problems.size();) out[i] = task.grade(problems[i], completions[i], mode);
    });
  for (auto& t : threads) t.join();
  return out;
}

std::string lcb_line(const std::string& id, const std::string& platform, const std::string& difficulty,
                     const std::string& pub, const std::string& priv, const std::string& meta = "{}",
                     const std::string& starter = "") {
  nlohmann::json j = {{"question_title", "T " + id}, {"question_content", "Do " + id},
                      {"platform", platform},        {"question_id", id},
                      {"contest_id", "c1"},          {"contest_date", "2024-10-05T00:00:00"},
                      {"starter_code", starter},     {"difficulty", difficulty},
                      {"public_test_cases", pub},    {"metadata", meta}};
  if (!priv.empty()) j["private_test_cases"] = priv;
  return j.dump() + "\n";
}

const char* k1873A =
    "eJxrYJmaz8gABhEZQEZ0tVJmXkFpiZKVgpJhTF5iUnJMnpKOglJ+aQlUNNI1GCJUklpcUlJZkAoSLC5JycxTqtVRQNJuDNWOILAYhCCIMdI0Ji85"
    "MQloWjKQSE5KjMlLSgSam5SciG64nz+y2WACJESMJWYY7ibFG8T5KnaKHgAcinnp";

}  // namespace

TEST_CASE("code tasks are registered with their modes", "[code]") {
  for (auto [name, def] : {std::pair{"livecodebench", "lcb"}, {"humaneval", "asserts"}, {"mbpp", "asserts"}}) {
    auto t = make_task(name);
    CHECK(t->name() == name);
    CHECK(t->default_mode() == def);
    CHECK(!t->description().empty());
  }
  auto modes = make_task("livecodebench")->modes();
  CHECK(std::find(modes.begin(), modes.end(), "tolerant") != modes.end());
}

TEST_CASE("livecodebench: fixture loads (plain and encoded private tests), bad input names file:line:field", "[code]") {
  TempDir dir;
  std::string pub = R"([{"input": "1\nabc\n", "output": "YES\n", "testtype": "stdin"}])";
  std::string fpub = R"([{"input": "[1, 2]\n3", "output": "[0, 1]", "testtype": "functional"}])";
  std::string data = lcb_line("1873_A", "codeforces", "easy", pub, k1873A) +
                     lcb_line("two-sum", "leetcode", "medium", fpub, fpub, R"({"func_name": "twoSum"})",
                              "class Solution:\n    def twoSum(self, nums, target):\n        ") +
                     lcb_line("abc1_a", "atcoder", "hard", pub, "");
  write_file(dir.file("lcb.jsonl"), data);
  LiveCodeBenchTask task;
  auto problems = task.load(dir.file("lcb.jsonl"));
  REQUIRE(problems.size() == 3);
  CHECK(problems[0].id == "1873_A");
  CHECK(problems[0].metadata.at("private_encoding") == "zlib-pickle");
  CHECK(problems[0].metadata.at("tests_private") == "4");
  CHECK(problems[0].metadata.at("kind") == "stdin");
  CHECK(problems[1].metadata.at("kind") == "functional");
  CHECK(problems[1].metadata.at("func_name") == "twoSum");
  CHECK(problems[1].metadata.at("difficulty") == "medium");
  CHECK(problems[2].metadata.at("private_encoding") == "absent");
  CHECK(problems[0].prompt.find("Read the inputs from stdin") != std::string::npos);
  CHECK(problems[1].prompt.find("```python\nclass Solution:") != std::string::npos);
  CHECK(task.tests(problems[0])->size() == 5);

  // Date window (library option).
  LiveCodeBenchTask::Options o;
  o.since = "2024-11-01";
  CHECK_THROWS_AS(LiveCodeBenchTask(o).load(dir.file("lcb.jsonl")), InputError);  // nothing left: "no problems"
  o.since = "2024-10-01";
  o.until = "2024-10-31";
  CHECK(LiveCodeBenchTask(o).load(dir.file("lcb.jsonl")).size() == 3);

  struct Bad {
    std::string line, field, also;
  };
  std::vector<Bad> bad = {
      {lcb_line("x", "leetcode", "easy", pub, "!!not base64!!"), "private_test_cases", "neither JSON nor base64"},
      {lcb_line("x", "atcoder", "easy", "[{]", ""), "public_test_cases", "not valid JSON"},
      {lcb_line("x", "atcoder", "trivial", pub, ""), "difficulty", "trivial"},
      {lcb_line("x", "topcoder", "easy", pub, ""), "platform", "topcoder"},
      {lcb_line("x", "leetcode", "easy", pub, "", R"({"func_name": "f"})"), "public_test_cases", "testtype"},
      {lcb_line("x", "leetcode", "easy", R"([{"input": "[1\n2", "output": "1", "testtype": "functional"}])", "",
                R"({"func_name": "f"})"),
       "public_test_cases", "not a JSON value"},
      {lcb_line("x", "atcoder", "easy", pub, "eJxrYJmaz8gABhEZQEZ0"), "private_test_cases", "zlib"},
  };
  for (const auto& b : bad) {
    write_file(dir.file("bad.jsonl"), lcb_line("ok", "atcoder", "easy", pub, "") + b.line);
    std::string msg = load_error(task, dir.file("bad.jsonl"));
    INFO(msg);
    CHECK(msg.find(dir.file("bad.jsonl") + ":2:") != std::string::npos);
    CHECK(msg.find(b.field) != std::string::npos);
    CHECK(msg.find(b.also) != std::string::npos);
  }
  write_file(dir.file("dup.jsonl"),
             lcb_line("a", "atcoder", "easy", pub, "") + lcb_line("a", "atcoder", "easy", pub, ""));
  CHECK(!load_error(task, dir.file("dup.jsonl")).empty());
}

TEST_CASE("livecodebench: grading through Task::grade (stdin and functional, lcb vs tolerant)", "[code][sandbox]") {
  use_test_sandbox();
  TempDir dir;
  std::string pub = R"([{"input": "1\nabc\n", "output": "YES\n", "testtype": "stdin"}])";
  std::string fpub = R"([{"input": "[1, 2]\n3", "output": "[0, 1]", "testtype": "functional"}])";
  std::string fl = R"([{"input": "3", "output": "0.3333333333", "testtype": "stdin"}])";
  write_file(dir.file("lcb.jsonl"),
             lcb_line("1873_A", "codeforces", "easy", pub, k1873A) +
                 lcb_line("two-sum", "leetcode", "medium", fpub, "", R"({"func_name": "twoSum"})") +
                 lcb_line("float", "atcoder", "easy", fl, ""));
  LiveCodeBenchTask task;
  auto ps = task.load(dir.file("lcb.jsonl"));
  // 1873_A: can "abc" be made by at most one swap? Answer for each string.
  std::string good =
      "Here you go:\n```python\nt = int(input())\nfor _ in range(t):\n    s = input().strip()\n"
      "    print('YES' if sum(a != b for a, b in zip(s, 'abc')) in (0, 2) else 'NO')\n```\n";
  auto g = task.grade(ps[0], good, "lcb");
  INFO(g.details.dump());
  CHECK(g.verdict == "passed");
  CHECK(g.correct);
  CHECK(g.details["tests_run"] == 5);
  CHECK(g.details["harness"] == "stdin");
  auto wrong =
      task.grade(ps[0], "```python\nt = int(input())\nfor _ in range(t):\n    input()\n    print('YES')\n```", "lcb");
  CHECK(wrong.verdict == "wrong_answer");
  CHECK(wrong.details["tests"].back()["verdict"] == "wrong_answer");
  auto none = task.grade(ps[0], "print('YES')", "lcb");
  CHECK(none.verdict == "no_answer");
  CHECK(!none.correct);

  std::string sol = "```python\nclass Solution:\n    def twoSum(self, nums, target):\n        return (0, 1)\n```";
  CHECK(task.grade(ps[1], sol, "lcb").correct);
  std::string fsol = "```python\nprint(1/int(input()) + 1e-9)\n```";
  CHECK(task.grade(ps[2], fsol, "lcb").verdict == "wrong_answer");
  CHECK(task.grade(ps[2], fsol, "tolerant").verdict == "passed");
  CHECK_THROWS_AS(task.grade(ps[2], fsol, "symbolic"), UsageError);
}

TEST_CASE("humaneval and mbpp: fixtures load and grade -- bad input names file:line:field", "[code][sandbox]") {
  use_test_sandbox();
  TempDir dir;
  nlohmann::json he = {
      {"task_id", "HumanEval/0"},
      {"prompt", "from typing import List\n\ndef add(a: int, b: int) -> int:\n    \"\"\"Add.\"\"\"\n"},
      {"entry_point", "add"},
      {"canonical_solution", "    return a + b\n"},
      {"test", "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(0, 0) == 0\n"}};
  // Write it gzip-compressed, like the published file.
  {
    std::string text = he.dump() + "\n";
    gzFile f = gzopen(dir.file("he.jsonl.gz").c_str(), "wb");
    gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
    gzclose(f);
  }
  HumanEvalTask het;
  auto hp = het.load(dir.file("he.jsonl.gz"));
  REQUIRE(hp.size() == 1);
  CHECK(hp[0].id == "HumanEval/0");
  CHECK(het.grade(hp[0], "    return a + b\n", "asserts").correct);
  CHECK(het.grade(hp[0], "    return a - b\n", "asserts").verdict == "wrong_answer");
  CHECK(het.grade(hp[0], "Sure:\n```python\ndef add(a, b):\n    return b + a\n```\n", "asserts").correct);
  CHECK(het.grade(hp[0], "    import sys; sys.exit(0)\n", "asserts").verdict == "runtime_error");
  auto bad = he;
  bad["entry_point"] = "sub";
  write_file(dir.file("he_bad.jsonl"), he.dump() + "\n" + bad.dump() + "\n");
  std::string msg = load_error(het, dir.file("he_bad.jsonl"));
  CHECK(msg.find(":2:") != std::string::npos);
  CHECK(msg.find("entry_point") != std::string::npos);

  nlohmann::json mb = {{"text", "Write a function to square."},
                       {"code", "def sq(x):\r\n    return x*x"},
                       {"task_id", 11},
                       {"test_setup_code", "K = 3"},
                       {"test_list", {"assert sq(2) == 4", "assert sq(K) == 9"}},
                       {"challenge_test_list", nlohmann::json::array()}};
  nlohmann::json san = {{"source_file", "x"},
                        {"task_id", 2},
                        {"prompt", "Square with math."},
                        {"code", "def r(x):\n    return math.isqrt(x)"},
                        {"test_imports", {"import math"}},
                        {"test_list", {"assert r(16) == 4"}}};
  write_file(dir.file("mbpp.jsonl"), mb.dump() + "\n");
  write_file(dir.file("san.json"), "[\n  " + san.dump(2) + "\n]");
  MbppTask mt;
  auto mp = mt.load(dir.file("mbpp.jsonl"));
  auto sp = mt.load(dir.file("san.json"));
  REQUIRE(mp.size() == 1);
  REQUIRE(sp.size() == 1);
  CHECK(mp[0].id == "11");
  CHECK(mp[0].metadata.at("split") == "test");
  CHECK(sp[0].metadata.at("source") == "sanitized");
  CHECK(mp[0].prompt.find("Your code should pass these tests:\n\nassert sq(2) == 4\n") != std::string::npos);
  CHECK(mt.grade(mp[0], mp[0].reference, "asserts").correct);
  CHECK(mt.grade(sp[0], "```python\n" + sp[0].reference + "\n```", "asserts").correct);
  auto wa = mt.grade(mp[0], "def sq(x):\n    return 4", "asserts");
  CHECK(wa.verdict == "wrong_answer");
  CHECK(wa.details["tests"].size() == 2);
  auto nolist = mb;
  nolist.erase("test_list");
  write_file(dir.file("mbpp_bad.jsonl"), mb.dump() + "\n" + nolist.dump() + "\n");
  msg = load_error(mt, dir.file("mbpp_bad.jsonl"));
  CHECK(msg.find(":2:") != std::string::npos);
  CHECK(msg.find("test_list") != std::string::npos);
}

TEST_CASE("real data: LiveCodeBench problems load with the published counts", "[code][real-data]") {
  std::string path = trafl::test::shared_data_file("livecodebench/problems.jsonl");
  if (path.empty()) return;
  LiveCodeBenchTask task;
  auto problems = task.load(path);
  CHECK(problems.size() == 342);
  std::map<std::string, int> platform, difficulty, kind;
  std::size_t tests = 0;
  for (const auto& p : problems) {
    ++platform[p.metadata.at("platform")];
    ++difficulty[p.metadata.at("difficulty")];
    ++kind[p.metadata.at("kind")];
    tests += task.tests(p)->size();
    CHECK(p.metadata.at("private_encoding") == "absent");
  }
  CHECK(platform["atcoder"] == 217);
  CHECK(platform["leetcode"] == 125);
  CHECK(difficulty["easy"] == 84);
  CHECK(difficulty["medium"] == 104);
  CHECK(difficulty["hard"] == 154);
  CHECK(kind["functional"] == 125);
  CHECK(tests == 589 + 315);
}

TEST_CASE("real data: HumanEval canonical solutions pass 164/164, broken variants fail", "[code][real-data][sandbox]") {
  std::string path = trafl::test::shared_data_file("humaneval/HumanEval.jsonl.gz");
  if (path.empty()) return;
  use_test_sandbox();
  HumanEvalTask task;
  auto problems = task.load(path);
  REQUIRE(problems.size() == 164);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> canonical, broken;
  for (const auto& p : problems) {
    canonical.push_back(p.reference);
    broken.push_back("    raise NotImplementedError\n");
  }
  auto good = grade_all(task, problems, canonical, "asserts");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int passed = 0;
  for (std::size_t i = 0; i < good.size(); ++i) {
    INFO(problems[i].id << ": " << good[i].verdict << " " << good[i].details.dump().substr(0, 600));
    CHECK(good[i].correct);
    passed += good[i].correct;
  }
  std::cout << "HumanEval canonical: " << passed << "/164 passed in " << secs << " s (" << sbx::box().slots()
            << " sandbox slots)\n";
  auto bad = grade_all(task, problems, broken, "asserts");
  int bad_passed = 0;
  for (std::size_t i = 0; i < bad.size(); ++i) {
    INFO(problems[i].id);
    CHECK(bad[i].verdict == "runtime_error");
    bad_passed += bad[i].correct;
  }
  CHECK(bad_passed == 0);
  // A subtler break: the canonical solution with its first `return` changed to return None.
  int subtle_pass = 0;
  std::vector<Problem> some(problems.begin(), problems.begin() + 20);
  std::vector<std::string> wrong;
  for (const auto& p : some) wrong.push_back("    return None\n" + p.reference);
  for (const auto& g : grade_all(task, some, wrong, "asserts")) subtle_pass += g.correct;
  CHECK(subtle_pass == 0);
}

TEST_CASE("real data: MBPP reference code passes its test_list -- broken variants fail", "[code][real-data][sandbox]") {
  std::string path = trafl::test::shared_data_file("mbpp/mbpp.jsonl");
  if (path.empty()) return;
  use_test_sandbox();
  MbppTask task;
  auto problems = task.load(path);
  REQUIRE(problems.size() == 974);
  // Known exceptions, allowed to fail (machine-dependent), id → reason. Every other record must pass.
  const std::map<std::string, std::string> exceptions = {
      {"123",
       "reference amicable_numbers_sum is O(n^2): the 9999 assert needs ~3.5 s here, over the 3 s limit "
       "(timeout)"},
  };
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::string> refs;
  for (const auto& p : problems) refs.push_back(p.reference);
  auto grades = grade_all(task, problems, refs, "asserts");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  int passed = 0;
  std::vector<std::string> failing;
  for (std::size_t i = 0; i < grades.size(); ++i) {
    passed += grades[i].correct;
    bool allowed = exceptions.count(problems[i].id) > 0;
    if (!grades[i].correct && !(allowed && grades[i].verdict == "timeout")) {
      failing.push_back(problems[i].id + " " + grades[i].verdict + " " + grades[i].details.value("failure", ""));
    }
  }
  for (const auto& f : failing) std::cout << "MBPP unexpected: " << f.substr(0, 400) << "\n";
  CHECK(failing.empty());
  std::cout << "MBPP reference: " << passed << "/974 passed in " << secs << " s\n";

  // Broken variants: no function at all, and the reference with its body replaced by `return None`
  // (first 30 problems each).
  std::vector<Problem> some(problems.begin(), problems.begin() + 30);
  std::vector<std::string> broken(some.size(), "def _nothing():\n    pass\n");
  for (const auto& p : some) {
    std::string code = p.reference;
    auto def = code.find("def ");
    auto colon = code.find(":", def);
    auto nl = code.find("\n", colon);
    broken.push_back(code.substr(0, nl + 1) + "    return None\n" + code.substr(nl + 1));
  }
  some.insert(some.end(), problems.begin(), problems.begin() + 30);
  int bad_passed = 0;
  for (const auto& g : grade_all(task, some, broken, "asserts")) bad_passed += g.correct;
  CHECK(bad_passed == 0);

  std::string spath = trafl::test::shared_data_file("mbpp/sanitized-mbpp.json");
  if (spath.empty()) return;
  auto all_sp = task.load(spath);
  CHECK(all_sp.size() == 427);
  // Every 4th sanitized record (its own code and test_imports), to keep CI time down.
  std::vector<Problem> sp;
  for (std::size_t i = 0; i < all_sp.size(); i += 4) sp.push_back(all_sp[i]);
  std::vector<std::string> srefs;
  for (const auto& p : sp) srefs.push_back(p.reference);
  auto sgrades = grade_all(task, sp, srefs, "asserts");
  int spass = 0;
  for (std::size_t i = 0; i < sp.size(); ++i) {
    spass += sgrades[i].correct;
    // A known limit of the asserts judge (docs/sandbox-threat-model.md): a return value that is not
    // plain data comes back to the judge as an opaque handle, and sanitized 794's test takes len() of
    // the re.Match its reference returns. Listed by id and verdict, so any other failure still fails.
    const bool handle_limit = sp[i].id == "794" && sgrades[i].verdict == "runtime_error";
    bool allowed = (exceptions.count(sp[i].id) > 0 && sgrades[i].verdict == "timeout") || handle_limit;
    INFO("sanitized " << sp[i].id << " " << sgrades[i].verdict << " " << sgrades[i].details.value("failure", ""));
    CHECK((sgrades[i].correct || allowed));
  }
  std::cout << "MBPP sanitized reference (every 4th): " << spass << "/" << sp.size() << " passed\n";
}

TEST_CASE("real data: hand-written LiveCodeBench solutions pass (stdin and functional), wrong ones fail",
          "[code][real-data][sandbox]") {
  std::string path = trafl::test::shared_data_file("livecodebench/problems.jsonl");
  if (path.empty()) return;
  use_test_sandbox();
  LiveCodeBenchTask task;
  auto all = task.load(path);
  const std::map<std::string, std::pair<std::string, std::string>> solutions = {
      {"abc387_a",
       {"a, b = map(int, input().split())\nprint((a + b) ** 2)", "a, b = map(int, input().split())\nprint(a + b)"}},
      {"abc387_b",
       {"x = int(input())\nprint(sum(i * j for i in range(1, 10) for j in range(1, 10) if i * j != x))",
        "print(2025)"}},
      {"abc388_b",
       {"import sys\ndef main():\n    n, d = map(int, input().split())\n    s = [tuple(map(int, input().split())) for _ in range(n)]\n"
        "    for k in range(1, d + 1):\n        print(max(t * (l + k) for t, l in s))\nif __name__ == '__main__':\n    main()",
        "n, d = map(int, input().split())\nfor k in range(d):\n    print(0)"}},
      {"3731",
       {"class Solution:\n    def subarraySum(self, nums: List[int]) -> int:\n"
        "        return sum(sum(nums[max(0, i - nums[i]):i + 1]) for i in range(len(nums)))",
        "class Solution:\n    def subarraySum(self, nums: List[int]) -> int:\n        return sum(nums)"}},
      {"3708",
       {"class Solution:\n    def zigzagTraversal(self, grid: List[List[int]]) -> List[int]:\n        path = []\n"
        "        for r, row in enumerate(grid):\n            path.extend(row if r % 2 == 0 else row[::-1])\n        return path[::2]",
        "class Solution:\n    def zigzagTraversal(self, grid):\n        return tuple(x for row in grid for x in row)"}},
  };
  std::vector<Problem> ps;
  std::vector<std::string> good, bad;
  for (const auto& p : all) {
    auto it = solutions.find(p.id);
    if (it == solutions.end()) continue;
    ps.push_back(p);
    good.push_back("```python\n" + it->second.first + "\n```");
    bad.push_back("```python\n" + it->second.second + "\n```");
  }
  REQUIRE(ps.size() == solutions.size());
  auto g = grade_all(task, ps, good, "lcb");
  auto b = grade_all(task, ps, bad, "lcb");
  for (std::size_t i = 0; i < ps.size(); ++i) {
    INFO(ps[i].id << " good: " << g[i].details.dump().substr(0, 500));
    CHECK(g[i].correct);
    CHECK(g[i].details["tests_run"] == g[i].details["total_tests"]);
    INFO(ps[i].id << " bad: " << b[i].details.dump().substr(0, 500));
    CHECK(b[i].verdict == "wrong_answer");
  }
}

namespace {
// A code task whose sandbox "fails" for completions containing SANDBOX_FAIL until `healed`.
struct FlakySandboxTask : Task, codegrade::SandboxedGrading {
  static inline std::atomic<bool> healed{false};
  std::string name() const override { return "flaky"; }
  std::string description() const override { return "test-only"; }
  std::string default_mode() const override { return "asserts"; }
  std::vector<std::string> modes() const override { return {"asserts"}; }
  std::vector<Problem> load(const std::string& path) const override {
    std::vector<Problem> out(3);
    for (int i = 0; i < 3; ++i) out[static_cast<std::size_t>(i)].id = std::to_string(i);
    return out;
  }
  unsigned grading_threads() const override { return 3; }
  Grade grade(const Problem&, std::string_view completion, std::string_view mode) const override {
    Grade g;
    g.mode = std::string(mode);
    bool fail = !healed && completion.find("SANDBOX_FAIL") != std::string_view::npos;
    g.verdict = fail ? "sandbox_error" : "passed";
    g.correct = !fail;
    return g;
  }
};
}  // namespace

TEST_CASE("grade pipeline: sandbox_error grades are not stored, the command fails loudly, a re-run finishes",
          "[code]") {
  TempDir dir;
  write_file(dir.file("data.jsonl"), "{}\n");
  write_file(dir.file("s.jsonl"), R"({"problem_id": "0", "completion": "ok"})"
                                  "\n"
                                  R"({"problem_id": "1", "completion": "SANDBOX_FAIL"})"
                                  "\n"
                                  R"({"problem_id": "2", "completion": "ok"})"
                                  "\n");
  GradeOptions o;
  o.task_object = std::make_shared<FlakySandboxTask>();
  o.data_path = dir.file("data.jsonl");
  o.samples_path = dir.file("s.jsonl");
  o.db_path = dir.file("runs.db");
  o.progress = false;
  FlakySandboxTask::healed = false;
  CHECK_THROWS_WITH(grade_samples(o), Catch::Contains("1 sample(s)") && Catch::Contains("sandbox_error"));
  FlakySandboxTask::healed = true;
  auto s = grade_samples(o);
  CHECK(s.grades_new == 1);
  CHECK(s.grades_total == 3);
  CHECK(s.correct == 3);
}

TEST_CASE("trafl-eval grade --task humaneval|mbpp through the store (CLI)", "[code][sandbox]") {
  TempDir dir;
  nlohmann::json he = {{"task_id", "HumanEval/0"},
                       {"prompt", "def add(a: int, b: int) -> int:\n    \"\"\"Add.\"\"\"\n"},
                       {"entry_point", "add"},
                       {"canonical_solution", "    return a + b\n"},
                       {"test", "def check(candidate):\n    assert candidate(1, 2) == 3\n"}};
  write_file(dir.file("he.jsonl"), he.dump() + "\n");
  write_file(dir.file("samples.jsonl"), R"({"task_id": "HumanEval/0", "completion": "    return a + b\n"})"
                                        "\n"
                                        R"({"task_id": "HumanEval/0", "completion": "    return a * b\n"})"
                                        "\n");
  auto q = [](const std::string& s) { return "'" + s + "'"; };
  auto r = trafl::test::run_cli("grade -q --task humaneval --data " + q(dir.file("he.jsonl")) + " --samples " +
                                q(dir.file("samples.jsonl")) + " --db " + q(dir.file("runs.db")));
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("2 new, 2 in run, 1 correct") != std::string::npos);
  write_file(dir.file("mbpp.jsonl"), trafl::test::mbpp_square_line());
  write_file(dir.file("ms.jsonl"), R"({"task_id": 11, "completion": "```python\ndef sq(x):\n    return x**2\n```"})"
                                   "\n");
  auto m = trafl::test::run_cli("grade -q --task mbpp --data " + q(dir.file("mbpp.jsonl")) + " --samples " +
                                q(dir.file("ms.jsonl")) + " --db " + q(dir.file("runs.db")));
  INFO(m.out);
  CHECK(m.exit_code == 0);
  CHECK(m.out.find("1 new, 1 in run, 1 correct") != std::string::npos);
}

// ---- LiveCodeBench selection and code-running options (the `grade` flags) -------------------------

namespace {
std::string lcb_row(const std::string& id, const std::string& platform, const std::string& difficulty,
                    const std::string& date, const std::string& version = "") {
  std::string pub =
      R"([{"input": "2 3\n", "output": "5\n", "testtype": "stdin"}, {"input": "1 1\n", "output": "2\n", "testtype": "stdin"}, {"input": "4 4\n", "output": "8\n", "testtype": "stdin"}])";
  nlohmann::json j = {{"question_title", id},     {"question_content", "Add " + id},
                      {"platform", platform},     {"question_id", id},
                      {"contest_id", "c"},        {"contest_date", date},
                      {"starter_code", ""},       {"difficulty", difficulty},
                      {"public_test_cases", pub}, {"metadata", "{}"}};
  if (!version.empty()) j["_version"] = version;
  return j.dump() + "\n";
}
std::vector<std::string> ids_of(const std::vector<Problem>& ps) {
  std::vector<std::string> ids;
  for (const auto& p : ps) ids.push_back(p.id);
  return ids;
}
}  // namespace

TEST_CASE("livecodebench: release tags map to the published files", "[code][lcb_options]") {
  auto r = lcb::parse_release("release_v3");
  CHECK((r.first == 1 && r.last == 3));
  r = lcb::parse_release("release_latest");
  CHECK((r.first == 1 && r.last == 6));
  r = lcb::parse_release("v4_v5");
  CHECK((r.first == 4 && r.last == 5));
  r = lcb::parse_release("v2");
  CHECK((r.first == 2 && r.last == 2));
  for (const char* bad : {"v7", "v5_v4", "release_v0", "foo", "release_v1_v2", "v", "release_v6x", ""})
    CHECK_THROWS_AS(lcb::parse_release(bad), UsageError);
  CHECK(lcb::release_file_name(1) == "test.jsonl");
  CHECK(lcb::release_file_name(4) == "test4.jsonl");

  TempDir dir;
  write_file(dir.file("test.jsonl"), lcb_row("a1", "atcoder", "easy", "2023-06-01T00:00:00") +
                                         lcb_row("a2", "leetcode", "hard", "2023-07-01T00:00:00"));
  write_file(dir.file("test2.jsonl"), lcb_row("b1", "codeforces", "medium", "2024-04-01T00:00:00"));
  write_file(dir.file("test3.jsonl"), lcb_row("c1", "atcoder", "hard", "2024-06-01T00:00:00"));
  auto load = [&](LiveCodeBenchTask::Options o) { return ids_of(LiveCodeBenchTask(o).load(dir.path().string())); };
  LiveCodeBenchTask::Options o;
  o.release = "release_v2";
  CHECK(load(o) == std::vector<std::string>{"a1", "a2", "b1"});
  o.release = "v3";
  CHECK(load(o) == std::vector<std::string>{"c1"});
  o.release = "v2_v3";
  CHECK(load(o) == std::vector<std::string>{"b1", "c1"});
  o.release = "release_v3";
  o.difficulties = {"hard"};
  CHECK(load(o) == std::vector<std::string>{"a2", "c1"});
  o.difficulties = {};
  o.platforms = {"atcoder", "codeforces"};
  o.since = "2023-07";
  CHECK(load(o) == std::vector<std::string>{"b1", "c1"});
  o.until = "2024-05-31";
  CHECK(load(o) == std::vector<std::string>{"b1"});
  o = {};
  o.release = "release_v4";
  CHECK_THROWS_WITH(LiveCodeBenchTask(o).load(dir.path().string()),
                    Catch::Contains("test4.jsonl") && Catch::Contains("missing"));
  CHECK_THROWS_WITH(LiveCodeBenchTask().load(dir.path().string()), Catch::Contains("--release"));
  o.release = "release_v3";
  o.since = "2030";
  CHECK_THROWS_WITH(LiveCodeBenchTask(o).load(dir.path().string()), Catch::Contains("no problems left"));

  // Identity: the plain file keeps its old identity (sha256 of the file); selections differ.
  std::string file = dir.file("test.jsonl");
  CHECK(LiveCodeBenchTask().data_identity(file) == make_task("gsm8k")->data_identity(file));
  LiveCodeBenchTask::Options hard;
  hard.difficulties = {"hard"};
  CHECK(LiveCodeBenchTask(hard).data_identity(file) != LiveCodeBenchTask().data_identity(file));
  LiveCodeBenchTask::Options v2, v3;
  v2.release = "release_v2";
  v3.release = "release_v3";
  CHECK(LiveCodeBenchTask(v2).data_identity(dir.path().string()) !=
        LiveCodeBenchTask(v3).data_identity(dir.path().string()));

  // One file with _version rows (how re-packaged copies mark releases).
  write_file(dir.file("mixed.jsonl"), lcb_row("x5", "atcoder", "easy", "2024-10-01T00:00:00", "v5") +
                                          lcb_row("x6", "atcoder", "easy", "2025-02-01T00:00:00", "v6"));
  LiveCodeBenchTask::Options m;
  m.release = "v6";
  CHECK(ids_of(LiveCodeBenchTask(m).load(dir.file("mixed.jsonl"))) == std::vector<std::string>{"x6"});
  m.release = "release_v5";
  CHECK(ids_of(LiveCodeBenchTask(m).load(dir.file("mixed.jsonl"))) == std::vector<std::string>{"x5"});
  m.release = "release_latest";
  CHECK(LiveCodeBenchTask(m).load(dir.file("mixed.jsonl")).size() == 2);
  CHECK_THROWS_WITH(LiveCodeBenchTask(m).load(file), Catch::Contains(file + ":1:") && Catch::Contains("_version"));

  // Bad option values are usage errors at construction.
  LiveCodeBenchTask::Options bad;
  bad.difficulties = {"trivial"};
  CHECK_THROWS_AS(LiveCodeBenchTask{bad}, UsageError);
  bad = {};
  bad.prompt_style = "chatty";
  CHECK_THROWS_AS(LiveCodeBenchTask{bad}, UsageError);
}

TEST_CASE("make_task with options: code options reach the adapters, math tasks refuse them", "[code][lcb_options]") {
  TaskOptions t;
  t.own["since"] = "2024";
  CHECK_THROWS_WITH(make_task("gsm8k", t), Catch::Contains("since") && Catch::Contains("gsm8k has no options"));
  CHECK_THROWS_AS(make_task("humaneval", t), UsageError);
  auto lcb_task = make_task("livecodebench", t);
  CHECK(dynamic_cast<LiveCodeBenchTask&>(*lcb_task).options().since == "2024");
  CHECK(dynamic_cast<LiveCodeBenchTask&>(*lcb_task).options().limits.test_timeout_s == 6.0);
  TaskOptions c;
  c.test_timeout_s = 1.5;
  c.run_all_tests = true;
  c.memory_mb = 256;
  CHECK_THROWS_AS(make_task("math500", c), UsageError);
  auto l = dynamic_cast<LiveCodeBenchTask&>(*make_task("livecodebench", c)).options().limits;
  CHECK(l.test_timeout_s == 1.5);
  CHECK(!l.stop_at_first_failure);
  CHECK(l.memory_mb == 256);
  CHECK_NOTHROW(make_task("humaneval", c));
  CHECK_NOTHROW(make_task("mbpp", c));
  CHECK(make_task("gsm8k", TaskOptions{})->name() == "gsm8k");
}

TEST_CASE("task options: each task reads its own keys and refuses others, by name", "[code][lcb_options]") {
  TaskOptions o;
  o.own = {{"difficulty", "easy,hard"},
           {"platform", nlohmann::json::array({"atcoder"})},
           {"release", "v2_v3"},
           {"prompt_style", "short"}};
  auto task = make_task("livecodebench", o);
  const auto& lo = dynamic_cast<LiveCodeBenchTask&>(*task).options();
  CHECK(lo.difficulties == std::vector<std::string>{"easy", "hard"});
  CHECK(lo.platforms == std::vector<std::string>{"atcoder"});
  CHECK(lo.release == "v2_v3");
  CHECK(lo.prompt_style == "short");
  // A typo is refused naming the task, the key and the keys it reads; never silently the default.
  TaskOptions typo;
  typo.own["difficulties"] = "hard";
  CHECK_THROWS_WITH(make_task("livecodebench", typo), Catch::Contains("task livecodebench options") &&
                                                          Catch::Contains("difficulties") &&
                                                          Catch::Contains("reads: release, since"));
  TaskOptions wrong_type;
  wrong_type.own["since"] = 2024;
  CHECK_THROWS_WITH(make_task("livecodebench", wrong_type), Catch::Contains("'since' must be a string"));
  CHECK_THAT(task_option_help(), Catch::Contains("livecodebench: release"));
}

TEST_CASE("livecodebench: stop at the first failure by default, --all-tests runs every test",
          "[code][lcb_options][sandbox]") {
  use_test_sandbox();
  TempDir dir;
  write_file(dir.file("p.jsonl"), lcb_row("add", "atcoder", "easy", "2024-01-01T00:00:00"));
  std::string wrong = "```python\nprint(5)\n```";  // right on test 0 only
  LiveCodeBenchTask first;
  auto p = first.load(dir.file("p.jsonl"));
  auto g = first.grade(p[0], wrong, "lcb");
  CHECK(g.verdict == "wrong_answer");
  CHECK(g.details["tests_run"] == 2);
  LiveCodeBenchTask::Options o;
  o.limits.stop_at_first_failure = false;
  auto all = LiveCodeBenchTask(o).grade(p[0], wrong, "lcb");
  CHECK(all.verdict == "wrong_answer");
  REQUIRE(all.details["tests_run"] == 3);
  CHECK(all.details["tests"][0]["verdict"] == "passed");
  CHECK(all.details["tests"][2]["verdict"] == "wrong_answer");
  CHECK(all.details["tests"][1].contains("wall_ms"));
}

TEST_CASE("trafl-eval grade: livecodebench selection and sandbox flags (CLI) -- per-test results stored",
          "[code][lcb_options][sandbox]") {
  TempDir dir;
  write_file(dir.file("lcb.jsonl"), lcb_row("x5", "atcoder", "easy", "2024-10-01T00:00:00", "v5") +
                                        lcb_row("x6", "atcoder", "hard", "2025-02-01T00:00:00", "v6"));
  write_file(dir.file("s.jsonl"),
             R"({"problem_id": "x6", "completion": "```python\nprint(sum(map(int, input().split())))\n```"})"
             "\n"
             R"({"problem_id": "x6", "completion": "```python\nprint(5)\n```"})"
             "\n");
  auto q = [](const std::string& s) { return "'" + s + "'"; };
  std::string base = "grade -q --task livecodebench --data " + q(dir.file("lcb.jsonl")) + " --samples " +
                     q(dir.file("s.jsonl")) + " --db " + q(dir.file("runs.db"));
  auto r = trafl::test::run_cli(
      base + " --release v6 --difficulty hard --test-timeout 2 --memory 256 --workers 1 --all-tests");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("(1 problems of 1)") != std::string::npos);
  CHECK(r.out.find("2 new, 2 in run, 1 correct") != std::string::npos);
  // Samples for a problem the selection dropped are an error, and nothing is written.
  auto dropped = trafl::test::run_cli(base + " --release v5");
  CHECK(dropped.exit_code != 0);
  CHECK(trafl::test::run_cli(base + " --release v9").exit_code == 2);
  CHECK(trafl::test::run_cli(base + " --sandbox-tier 7").exit_code == 2);
  CHECK(trafl::test::run_cli("grade -q --task gsm8k --data x --samples y --db z --since 2024").exit_code == 2);
  CHECK(trafl::test::run_cli("grade -q --task gsm8k --data x --samples y --db z --workers 2").exit_code == 2);

  // Per-test results are stored with each graded sample (the grades table's details column).
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(dir.file("runs.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT verdict, details FROM grades ORDER BY verdict", -1, &st, nullptr) ==
          SQLITE_OK);
  std::vector<std::pair<std::string, nlohmann::json>> rows;
  while (sqlite3_step(st) == SQLITE_ROW)
    rows.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                      nlohmann::json::parse(reinterpret_cast<const char*>(sqlite3_column_text(st, 1))));
  sqlite3_finalize(st);
  sqlite3_close(db);
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].first == "passed");
  CHECK(rows[0].second["tests"].size() == 3);
  CHECK(rows[1].first == "wrong_answer");
  CHECK(rows[1].second["tests"].size() == 3);  // --all-tests: every test ran and is recorded
  CHECK(rows[1].second["test_timeout_s"] == 2.0);
  for (const auto& t : rows[1].second["tests"])
    CHECK((t.contains("verdict") && t.contains("wall_ms") && t.contains("peak_mem_kb")));
}

TEST_CASE("task options from the CLI: --task-option and the livecodebench shorthands meet in one place",
          "[code][lcb_options][cli]") {
  TempDir dir;
  write_file(dir.file("g.jsonl"), "{\"question\": \"Q?\", \"answer\": \"x\\n#### 1\"}\n");
  write_file(dir.file("s.jsonl"), "{\"problem_id\": \"0\", \"completion\": \"#### 1\"}\n");
  const std::string common =
      " --data " + dir.file("g.jsonl") + " --samples " + dir.file("s.jsonl") + " --db " + dir.file("r.db");
  auto math = trafl::test::run_cli("grade --quiet --task gsm8k --task-option release=v1" + common);
  CHECK(math.exit_code != 0);
  CHECK_THAT(math.out, Catch::Contains("gsm8k has no options of its own") && Catch::Contains("release"));
  auto twice =
      trafl::test::run_cli("grade --quiet --task livecodebench --release v1 --task-option release=v2" + common);
  CHECK(twice.exit_code != 0);
  CHECK_THAT(twice.out, Catch::Contains("'release' given twice"));
  auto malformed = trafl::test::run_cli("grade --quiet --task livecodebench --task-option release" + common);
  CHECK(malformed.exit_code != 0);
  CHECK_THAT(malformed.out, Catch::Contains("expected KEY=VALUE"));
  CHECK_FALSE(std::filesystem::exists(dir.file("r.db")));  // refused before anything was written
}
