// Few-shot prompts (benchmarks/fewshot.hpp): Python's random.Random draws reproduced exactly, GSM8K
// exemplars drawn from the train split as lm-eval draws them, fixed exemplar files for MATH-style
// prompts, the settings in the run's identity, the stored prompt, and run-ons cut by the grader.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "benchmarks/fewshot.hpp"
#include "benchmarks/python_random.hpp"
#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "grading/grade.hpp"
#include "tests/support.hpp"
#include "tests/test_campaign_util.hpp"

using namespace trafl;
using trafl::test::run_cli;
using trafl::test::TempDir;
using trafl::test::write_file;

namespace {

// GSM8K shape: "q<i>" / "a<i>\n#### <i>" (question i's gold is i).
std::string write_split(const TempDir& dir, const std::string& name, int first, int count) {
  std::string text;
  for (int i = first; i < first + count; ++i)
    text += "{\"question\": \"q" + std::to_string(i) + "\", \"answer\": \"a" + std::to_string(i) + "\\n#### " +
            std::to_string(i) + "\"}\n";
  write_file(dir.file(name), text);
  return dir.file(name);
}

std::string exemplar(int i) {
  return "Question: q" + std::to_string(i) + "\nAnswer: a" + std::to_string(i) + "\n#### " + std::to_string(i) + "\n\n";
}

TaskOptions fewshot(std::int64_t k, std::int64_t seed = -1, std::string file = "", std::string data = "") {
  TaskOptions o;
  o.fewshot.k = k;
  o.fewshot.seed = seed;
  o.fewshot.file = std::move(file);
  o.fewshot.data = std::move(data);
  return o;
}

std::string sql_text(const std::string& db_path, const std::string& query) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, query.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return out;
}

}  // namespace

// Expected values printed by CPython 3.11.7, e.g. `r = random.Random(1234); [r.sample(range(7473), 5) for _ in
// range(3)]` (7473 = GSM8K's train split: the set branch of Random.sample; range(10)/range(5): the pool branch).
TEST_CASE("PythonRandom draws what CPython random.Random draws", "[fewshot]") {
  PythonRandom a(1234);
  CHECK(a.sample(7473, 5) == std::vector<std::size_t>{6374, 3610, 957, 61, 742});
  CHECK(a.sample(7473, 5) == std::vector<std::size_t>{7462, 6610, 4769, 286, 5501});
  CHECK(a.sample(7473, 5) == std::vector<std::size_t>{5677, 687, 806, 6279, 2905});
  CHECK(PythonRandom(0).sample(10, 4) == std::vector<std::size_t>{6, 9, 0, 2});
  // A seed wider than 32 bits is two key words (2**40 + 7), and k > 5 enlarges the set-size threshold.
  CHECK(PythonRandom((std::uint64_t{1} << 40) + 7).sample(30, 8) ==
        std::vector<std::size_t>{19, 23, 26, 20, 18, 22, 15, 8});
  CHECK(PythonRandom(1234).sample(5, 5) == std::vector<std::size_t>{3, 0, 4, 2, 1});
}

// Expected draws: `r = random.Random(1234); [r.sample(range(20), 2) for _ in range(3)]` = [14, 3], [0, 2], [18, 1].
TEST_CASE("gsm8k few-shot prompts draw the train split as lm-eval does", "[fewshot]") {
  TempDir dir;
  const std::string test = write_split(dir, "test.jsonl", 100, 3);
  write_split(dir, "train.jsonl", 0, 20);  // found next to test.jsonl
  auto task = make_task("gsm8k", fewshot(2));
  auto problems = task->load(test);
  REQUIRE(problems.size() == 3);
  CHECK(problems[0].prompt == exemplar(14) + exemplar(3) + "Question: q100\nAnswer:");
  CHECK(problems[1].prompt == exemplar(0) + exemplar(2) + "Question: q101\nAnswer:");
  CHECK(problems[2].prompt == exemplar(18) + exemplar(1) + "Question: q102\nAnswer:");
  // Golds, ids and questions are the zero-shot task's.
  auto plain = make_task("gsm8k")->load(test);
  CHECK(problems[1].gold == plain[1].gold);
  CHECK(problems[1].question == plain[1].question);
  CHECK(plain[1].prompt == "Question: q101\nAnswer:");

  auto id = task->prompt_identity(test);
  CHECK(id["k"] == 2);
  CHECK(id["seed"] == 1234);
  CHECK(id["source"] == "split");
  CHECK(make_task("gsm8k", fewshot(2, 7))->prompt_identity(test) != id);
  CHECK(make_task("gsm8k", fewshot(3))->prompt_identity(test) != id);
  CHECK(make_task("gsm8k")->prompt_identity(test).is_null());
  CHECK(make_task("gsm8k", fewshot(0))->prompt_identity(test).is_null());  // 0-shot is the task's own prompt
}

// Sampling the evaluated split itself: lm-eval draws K+1 and drops the doc. Expected:
// `r = random.Random(7); [[x for x in r.sample(range(20), 3) if x != d][:2] for d in range(3)]`
// = [10, 4], [2, 17], [3, 11].
TEST_CASE("few-shot exemplars from the evaluated split never include the problem itself", "[fewshot]") {
  TempDir dir;
  const std::string train = write_split(dir, "train.jsonl", 0, 20);
  auto problems = make_task("gsm8k", fewshot(2, 7, "", train))->load(train);
  CHECK(problems[0].prompt == exemplar(10) + exemplar(4) + "Question: q0\nAnswer:");
  CHECK(problems[1].prompt == exemplar(2) + exemplar(17) + "Question: q1\nAnswer:");
  CHECK(problems[2].prompt == exemplar(3) + exemplar(11) + "Question: q2\nAnswer:");
  for (std::size_t i = 0; i < problems.size(); ++i) {
    const std::string self = exemplar(static_cast<int>(i));
    CHECK(problems[i].prompt.find(self) == std::string::npos);
  }
}

TEST_CASE("a fixed exemplar file gives every problem the same first K exemplars", "[fewshot]") {
  TempDir dir;
  const std::string math = dir.file("math.jsonl");
  write_file(math,
             "{\"problem\": \"What is 1+1?\", \"solution\": \"$\\\\boxed{2}$\", \"level\": \"Level 1\", \"type\": "
             "\"Algebra\"}\n"
             "{\"problem\": \"What is 2+2?\", \"solution\": \"$\\\\boxed{4}$\", \"level\": \"Level 1\", \"type\": "
             "\"Algebra\"}\n");
  const std::string shots = dir.file("shots.jsonl");
  write_file(shots,
             "{\"question\": \"Find x if x+1=3.\", \"answer\": \"x=2.\\nFinal Answer: The final answer is $2$. I hope "
             "it is correct.\"}\n"
             "{\"question\": \"Find y.\", \"answer\": \"y=5.\\nFinal Answer: The final answer is $5$. I hope it is "
             "correct.\"}\n");
  auto problems = make_task("minerva_math", fewshot(-1, -1, shots))->load(math);  // K = every exemplar
  const std::string context =
      "Problem:\nFind x if x+1=3.\n\nSolution: x=2.\nFinal Answer: The final answer is $2$. I hope it is correct.\n\n"
      "Problem:\nFind y.\n\nSolution: y=5.\nFinal Answer: The final answer is $5$. I hope it is correct.\n\n";
  CHECK(problems[0].prompt == context + "Problem:\nWhat is 1+1?\n\nSolution:");
  CHECK(problems[1].prompt == context + "Problem:\nWhat is 2+2?\n\nSolution:");
  auto one = make_task("minerva_math", fewshot(1, -1, shots))->load(math);
  CHECK(one[0].prompt.find("Find y.") == std::string::npos);
  auto id = make_task("minerva_math", fewshot(1, -1, shots))->prompt_identity(math);
  CHECK(id["source"] == "file");
  CHECK(id["sha256"].get<std::string>().size() == 64);
  CHECK_FALSE(id.contains("seed"));

  // The grader still cuts the run-on a few-shot prompt invites ("\n\nProblem: ..." after the answer).
  Grade g = make_task("minerva_math")
                ->grade(problems[0],
                        " 1+1=2.\nFinal Answer: The final answer is $2$. I hope it is correct.\n\nProblem:\nFind z."
                        "\n\nSolution: The final answer is $7$.",
                        "symbolic");
  CHECK(g.correct);
  CHECK(g.details.value("truncated_run_on", false));
}

TEST_CASE("bad few-shot settings and exemplar files are refused by name", "[fewshot]") {
  TempDir dir;
  const std::string test = write_split(dir, "test.jsonl", 100, 3);
  const std::string shots = dir.file("shots.jsonl");
  write_file(shots, "{\"question\": \"q\", \"answer\": \"a\"}\n{\"question\": \"q2\"}\n");
  CHECK_THROWS_WITH(make_task("math", fewshot(1, -1, shots)), Catch::Contains(shots + ":2: field 'answer'"));
  write_file(shots, "{\"question\": \"q\", \"answer\": \"a\"}\n");
  CHECK_THROWS_WITH(make_task("math", fewshot(2, -1, shots)), Catch::Contains("holds only 1 exemplars"));
  CHECK_THROWS_AS(make_task("math", fewshot(1, 5, shots)), UsageError);  // a seed would change nothing
  CHECK_THROWS_AS(make_task("gsm8k", fewshot(-1, 5)), UsageError);       // a seed without K
  CHECK_THROWS_AS(make_task("gsm8k", fewshot(0, 5)), UsageError);        // 0-shot takes no seed
  CHECK_THROWS_AS(make_task("humaneval", fewshot(2)), UsageError);       // code tasks: no few-shot
  CHECK_THROWS_WITH(make_task("gsm8k", fewshot(2))->load(test), Catch::Contains("train.jsonl"));  // no train split
  write_split(dir, "train.jsonl", 0, 2);
  CHECK_THROWS_WITH(make_task("gsm8k", fewshot(3))->load(test), Catch::Contains("holds only 2 problems"));
}

TEST_CASE("grade --num-fewshot stores the few-shot prompt and keeps its settings in the run", "[fewshot][cli]") {
  TempDir dir;
  const std::string test = write_split(dir, "test.jsonl", 100, 3);
  write_split(dir, "train.jsonl", 0, 20);
  const std::string samples = dir.file("s.jsonl");
  write_file(samples,
             "{\"problem_id\": \"0\", \"completion\": \"100 it is.\\n\\nQuestion: q5\\nAnswer: 5\"}\n"
             "{\"problem_id\": \"1\", \"completion\": \"#### 101\"}\n"
             "{\"problem_id\": \"2\", \"completion\": \"#### 7\"}\n");
  const std::string db = dir.file("runs.db");
  auto r = run_cli("grade --task gsm8k --data '" + test + "' --samples '" + samples + "' --db '" + db +
                   "' --model m --num-fewshot 2");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("2 correct") != std::string::npos);  // the run-on after "100" is cut before "5"
  CHECK(sql_text(db, "SELECT prompt FROM problems WHERE problem_id = '1'") ==
        exemplar(0) + exemplar(2) + "Question: q101\nAnswer:");
  CHECK(sql_text(db, "SELECT json_extract(config, '$.fewshot.k') FROM runs") == "2");
  CHECK(sql_text(db,
                 "SELECT json_extract(details, '$.truncated_run_on') FROM grades g JOIN samples s ON "
                 "s.id = g.sample_id JOIN problems p ON p.id = s.problem_ref WHERE p.problem_id = '0'") == "1");
  // Other few-shot settings: another run, never mixed into the first.
  r = run_cli("grade --task gsm8k --data '" + test + "' --samples '" + samples + "' --db '" + db +
              "' --model m --num-fewshot 2 --fewshot-seed 9");
  REQUIRE(r.exit_code == 0);
  CHECK(sql_text(db, "SELECT count(*) FROM runs") == "2");
  r = run_cli("grade --task gsm8k --data '" + test + "' --samples '" + samples + "' --db '" + db +
              "' --model m --fewshot-seed 9");
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("--num-fewshot") != std::string::npos);
}

TEST_CASE("sample --num-fewshot: stored prompts, identity, and a resume with other settings refused",
          "[fewshot][campaign]") {
  TempDir dir;
  const std::string model = trafl::test::write_tiny_model(dir, "m", 6);
  const std::string test = write_split(dir, "test.jsonl", 100, 3);
  write_split(dir, "train.jsonl", 0, 20);
  const std::string db = dir.file("run.db");
  const std::string base = "sample --model " + model + " --task gsm8k --data '" + test + "' --db '" + db +
                           "' --n 1 --gen-length 8 --steps 4 --block-length 8 --run-name fs";
  auto r = run_cli(base + " --num-fewshot 2");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(sql_text(db, "SELECT prompt FROM problems WHERE problem_id = '2'") ==
        exemplar(18) + exemplar(1) + "Question: q102\nAnswer:");
  CHECK(sql_text(db, "SELECT json_extract(config, '$.fewshot.seed') FROM runs") == "1234");
  CHECK(sql_text(db, "SELECT count(*) FROM samples") == "3");
  r = run_cli(base + " --num-fewshot 2 --fewshot-seed 5");  // same name, other exemplars: refused
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("fewshot") != std::string::npos);
  CHECK(sql_text(db, "SELECT count(*) FROM samples") == "3");
  r = run_cli(base + " --num-fewshot 2");  // the same settings resume (nothing new to draw)
  CHECK(r.exit_code == 0);
  CHECK(sql_text(db, "SELECT count(*) FROM runs") == "1");
}
