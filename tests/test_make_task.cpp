// make-task: generated math (GSM8K format) and code (LiveCodeBench format) tasks. Deterministic per
// seed, loaded by the real adapters, reference answers graded correct by the real graders (math:
// grade_math; code: the sandbox), and several solution orders in the math SFT data.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "benchmarks/gsm8k.hpp"
#include "benchmarks/livecodebench.hpp"
#include "codegrade/harness.hpp"
#include "codegrade/lcb_decode.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"
#include "tasks_gen/generated.hpp"
#include "tasks_gen/write_task.hpp"
#include "tests/support.hpp"
#include "tests/test_sandbox_util.hpp"

using namespace trafl;
using trafl::test::read_file;
using trafl::test::TempDir;

namespace {

tasks_gen::MakeTaskResult make(const TempDir& dir, const std::string& sub, const std::string& kind, std::uint64_t seed,
                               int train, int test) {
  tasks_gen::MakeTaskOptions o;
  o.kind = kind;
  o.seed = seed;
  o.train = train;
  o.test = test;
  o.out_dir = dir.file(sub);
  return tasks_gen::make_generated_task(o);
}

std::vector<nlohmann::json> records(const std::string& path) {
  std::vector<nlohmann::json> out;
  JsonlReader reader(path);
  JsonlRecord rec;
  while (reader.next(rec)) out.push_back(rec.value);
  return out;
}

}  // namespace

TEST_CASE("make-task: same seed gives the same bytes, another seed other bytes", "[make_task]") {
  TempDir dir;
  for (const char* kind : {"math", "code"}) {
    INFO(kind);
    auto a = make(dir, std::string(kind) + "-a", kind, 7, 50, 10);
    auto b = make(dir, std::string(kind) + "-b", kind, 7, 50, 10);
    auto c = make(dir, std::string(kind) + "-c", kind, 8, 50, 10);
    for (auto member :
         {&tasks_gen::MakeTaskResult::train, &tasks_gen::MakeTaskResult::test, &tasks_gen::MakeTaskResult::sft,
          &tasks_gen::MakeTaskResult::reference, &tasks_gen::MakeTaskResult::manifest}) {
      CHECK(read_file(a.*member) == read_file(b.*member));
    }
    CHECK(read_file(a.train) != read_file(c.train));
    CHECK(read_file(a.test) != read_file(c.test));
  }
}

TEST_CASE("make-task math: GSM8K format through the gsm8k adapter, references graded correct, several orders",
          "[make_task]") {
  TempDir dir;
  auto r = make(dir, "m", "math", 3, 400, 60);
  CHECK(r.adapter == "gsm8k");
  auto task = make_task("gsm8k");
  auto test = task->load(r.test);
  auto train = task->load(r.train);
  REQUIRE(test.size() == 60);
  REQUIRE(train.size() == 400);
  std::set<std::string> test_questions;
  for (const auto& p : test) test_questions.insert(p.question);
  CHECK(test_questions.size() == 60);
  for (const auto& p : train) CHECK(test_questions.count(p.question) == 0);  // splits are disjoint

  // The reference samples grade correct in both GSM8K modes; an off-by-one answer does not.
  auto refs = records(r.reference);
  REQUIRE(refs.size() == test.size());
  for (std::size_t i = 0; i < test.size(); ++i) {
    std::string completion = refs[i]["completion"];
    CHECK(refs[i]["problem_id"] == test[i].id);
    CHECK(task->grade(test[i], completion, "gsm8k-strict").correct);
    CHECK(task->grade(test[i], completion, "gsm8k-flexible").correct);
    CHECK(!task->grade(test[i], "#### " + std::to_string(std::stol(test[i].gold) + 1), "gsm8k-strict").correct);
  }
  // SFT pairs: the adapter's own prompt, and the train answer as the response.
  auto sft = records(r.sft);
  REQUIRE(sft.size() == train.size());
  for (std::size_t i = 0; i < train.size(); ++i) {
    CHECK(sft[i]["prompt"] == train[i].prompt);
    CHECK(task->grade(train[i], sft[i]["response"].get<std::string>(), "gsm8k-strict").correct);
  }
  // Sizes for byte-level tiny models.
  CHECK(r.max_prompt_bytes <= 80);
  CHECK(r.mean_prompt_bytes <= 72);
  CHECK(r.max_response_bytes <= 40);

  // Several solution orders in the SFT data itself: for the same template, the first step does
  // not always combine the question's first two numbers.
  auto items = tasks_gen::generate_math(400, 3, "train");
  std::map<std::string, std::set<std::string>> first_steps;  // kind -> "in order" / "other order"
  for (const auto& m : items) {
    auto first = m.answer.substr(0, m.answer.find('\n'));
    bool in_order =
        first.rfind(std::to_string(m.nums[0]) +
                        (m.kind == "product3" || m.kind == "products" ? "*" : (m.kind == "remove" ? "-" : "+")) +
                        std::to_string(m.nums[1]) + "=",
                    0) == 0;
    first_steps[m.kind].insert(in_order ? "in order" : "other order");
    // Another random order of the same problem reaches the same value.
    auto again = tasks_gen::math_answer_again(m, 99);
    CHECK(gsm8k_gold_from_answer(again) == std::to_string(m.value));
  }
  for (const char* kind : {"sum3", "sum4", "remove", "times", "product3"}) {
    INFO(kind);
    CHECK(first_steps[kind].size() == 2);
  }
  std::set<std::string> paths;
  for (int s = 0; s < 40; ++s) paths.insert(tasks_gen::math_answer_again(items[0], static_cast<std::uint64_t>(s)));
  CHECK(paths.size() >= 2);
}

TEST_CASE("make-task code: private tests encode like the published files and decode back", "[make_task]") {
  std::string json = R"([{"input": "1 2\n", "output": "3\n", "testtype": "stdin"}])";
  bool encoded = false;
  auto tests = codegrade::decode_lcb_tests(codegrade::encode_lcb_tests(json), &encoded);
  CHECK(encoded);
  REQUIRE(tests.size() == 1);
  CHECK(tests[0].output == "3\n");
  // CPython's pickle.dumps('ab', 4): 80 04 95 06 00.. 8c 02 'ab' 94 2e
  CHECK(codegrade::pickle_str("ab") == std::string("\x80\x04\x95\x06\0\0\0\0\0\0\0\x8c\x02"
                                                   "ab\x94.",
                                                   17));
  CHECK(codegrade::base64_encode("hello") == "aGVsbG8=");
  CHECK(codegrade::base64_decode(codegrade::base64_encode(std::string(1000, '\xfe'))) == std::string(1000, '\xfe'));
  std::string big(70000, 'x');  // >= 64 KiB: BINUNICODE without a FRAME
  CHECK(codegrade::unpickle_str(codegrade::pickle_str(big)) == big);
}

TEST_CASE("make-task code: LCB format through the livecodebench adapter, references pass in the sandbox",
          "[make_task][sandbox]") {
  TempDir dir;
  auto r = make(dir, "c", "code", 5, 60, 8);
  CHECK(r.adapter == "livecodebench");
  CHECK(r.prompt_style == "short");
  LiveCodeBenchTask::Options o;
  o.prompt_style = "short";
  LiveCodeBenchTask task(o);
  auto test = task.load(r.test);
  auto train = task.load(r.train);
  REQUIRE(test.size() == 8);
  REQUIRE(train.size() == 60);
  for (const auto& p : test) {
    CHECK(p.metadata.at("private_encoding") == "zlib-pickle");
    CHECK(p.metadata.at("tests_public") == "2");
    CHECK(p.metadata.at("tests_private") == "4");
    CHECK(p.metadata.at("kind") == "stdin");
  }
  // Held-out parameterised problems never appear in train.
  auto manifest = nlohmann::json::parse(read_file(r.manifest));
  std::set<std::string> held(manifest["held_out_of_train"].begin(), manifest["held_out_of_train"].end());
  for (const auto& p : train) {
    if (p.metadata.at("title").find('/') != std::string::npos) CHECK(held.count(p.metadata.at("title")) == 0);
  }
  CHECK(r.max_prompt_bytes <= 90);
  CHECK(r.max_response_bytes <= 64);

  codegrade::set_shared_sandbox(&trafl::test::sbx::box());
  auto refs = records(r.reference);
  REQUIRE(refs.size() == test.size());
  for (std::size_t i = 0; i < test.size(); ++i) {
    auto g = task.grade(test[i], refs[i]["completion"].get<std::string>(), "lcb");
    INFO(test[i].id << " " << g.details.dump());
    CHECK(g.correct);
    CHECK(g.details["tests_run"] == 6);
  }
  auto sft = records(r.sft);
  for (std::size_t i = 0; i < 6; ++i) {  // a few train references too
    CHECK(sft[i]["prompt"] == train[i].prompt);
    CHECK(task.grade(train[i], sft[i]["response"].get<std::string>(), "lcb").correct);
  }
  // A wrong program fails at the first test (stop at first failure).
  auto bad = task.grade(test[0], "```\nprint(-1)\n```", "lcb");
  CHECK(bad.verdict == "wrong_answer");
  CHECK(bad.details["tests_run"] == 1);
  codegrade::set_shared_sandbox(nullptr);
}

TEST_CASE("make-task CLI: writes the files -- bad options are usage errors", "[make_task]") {
  TempDir dir;
  auto ok = trafl::test::run_cli("make-task --kind code --seed 2 --train 5 --test 3 --out " + dir.file("c"));
  INFO(ok.out);
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("livecodebench") != std::string::npos);
  CHECK(!read_file(dir.file("c/test.jsonl")).empty());
  CHECK(trafl::test::run_cli("make-task --kind poetry --out " + dir.file("p")).exit_code == 2);
  CHECK(trafl::test::run_cli("make-task --kind code --test 500 --out " + dir.file("q")).exit_code == 2);
}
