// Tasks defined without recompiling (benchmarks/task_file.hpp): examples/tasks/gsm8k.yaml gives the
// built-in gsm8k's problems, prompts and grades; bad task files are refused naming file, line and key.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "benchmarks/task.hpp"
#include "benchmarks/task_file.hpp"
#include "core/error.hpp"
#include "tests/support.hpp"

using namespace trafl;
using trafl::test::run_cli;
using trafl::test::TempDir;
using trafl::test::write_file;

namespace {

const std::string kExample = std::string(TRAFL_SOURCE_DIR) + "/examples/tasks/gsm8k.yaml";

// GSM8K test.jsonl shape, with the corner cases the gold extraction handles: thousands separators,
// a negative and a decimal gold, text after '####' on earlier lines.
std::string write_gsm8k(const TempDir& dir) {
  const std::string path = dir.file("test.jsonl");
  write_file(path,
             "{\"question\": \"Janet has 3 apples.\", \"answer\": \"3 + 0 = 3\\n#### 3\"}\n"
             "{\"question\": \"How much is 1,000 + 450?\", \"answer\": \"<<1000+450=1450>>\\n#### 1,450\"}\n"
             "\n"
             "{\"question\": \"What is 2 - 12?\", \"answer\": \"#### 5 was wrong\\n#### -10\"}\n"
             "{\"question\": \"Half of 5?\", \"answer\": \"5/2 = 2.5\\n#### 2.5\"}\n");
  return path;
}

// Completions covering the extraction paths: #### (strict), boxed, "the answer is", last number,
// a run-on after the answer, none, and wrong answers.
const std::vector<std::pair<std::string, std::string>> kCompletions = {
    {"0", "3 apples.\n#### 3"},
    {"0", "The answer is 4."},
    {"1", "Adding: \\boxed{1450}"},
    {"1", "It is 1450 dollars.\n\nQuestion: what is 2+2?\nAnswer: 4"},
    {"2", "2 - 12 = -10"},
    {"2", "no idea"},
    {"3", "#### 2.50"},
    {"3", "The answer is 2.5 apples"},
};

}  // namespace

TEST_CASE("the gsm8k task file loads the built-in gsm8k's problems and grades them the same", "[taskfile]") {
  TempDir dir;
  const std::string data = write_gsm8k(dir);
  auto builtin = make_task("gsm8k");
  auto defined = make_task(kExample);
  CHECK(defined->name() == "gsm8k-file");
  CHECK(defined->modes() == builtin->modes());
  CHECK(defined->default_mode() == builtin->default_mode());
  auto a = builtin->load(data), b = defined->load(data);
  REQUIRE(a.size() == 4);
  REQUIRE(b.size() == a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(b[i].id == a[i].id);
    CHECK(b[i].question == a[i].question);
    CHECK(b[i].prompt == a[i].prompt);
    CHECK(b[i].gold == a[i].gold);
    CHECK(b[i].reference == a[i].reference);
    CHECK(b[i].metadata == a[i].metadata);
  }
  int correct = 0;
  for (const auto& mode : builtin->modes())
    for (const auto& [id, completion] : kCompletions) {
      const std::size_t i = std::stoul(id);
      Grade ga = builtin->grade(a[i], completion, mode), gb = defined->grade(b[i], completion, mode);
      INFO(mode << " | " << completion);
      CHECK(gb.correct == ga.correct);
      CHECK(gb.verdict == ga.verdict);
      CHECK(gb.extracted == ga.extracted);
      correct += ga.correct ? 1 : 0;
    }
  CHECK(correct > 4);  // not a comparison of two all-wrong columns
  // Few-shot prompts work through a task file too (its template renders exemplars).
  write_file(dir.file("train.jsonl"), "{\"question\": \"q\", \"answer\": \"a\\n#### 1\"}\n");
  TaskOptions o;
  o.fewshot.k = 1;
  CHECK(make_task(kExample, o)->load(data)[0].prompt == make_task("gsm8k", o)->load(data)[0].prompt);
}

TEST_CASE("the gsm8k task file on the real GSM8K test set matches the built-in task", "[taskfile][real]") {
  const std::string data = trafl::test::shared_data_file("gsm8k/test.jsonl");
  if (data.empty()) return;
  auto a = make_task("gsm8k")->load(data), b = make_task(kExample)->load(data);
  REQUIRE(a.size() == 1319);
  REQUIRE(b.size() == a.size());
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    same += a[i].id == b[i].id && a[i].prompt == b[i].prompt && a[i].gold == b[i].gold ? 1 : 0;
  CHECK(same == a.size());
}

TEST_CASE("grade through the CLI with a task file gives the built-in task's counts", "[taskfile][cli]") {
  TempDir dir;
  const std::string data = write_gsm8k(dir);
  std::string samples;
  for (const auto& [id, completion] : kCompletions) {
    std::string escaped;
    for (char c : completion)
      escaped += c == '\n' ? std::string("\\n") : c == '\\' ? std::string("\\\\") : std::string(1, c);
    samples += "{\"problem_id\": \"" + id + "\", \"completion\": \"" + escaped + "\"}\n";
  }
  write_file(dir.file("s.jsonl"), samples);
  auto grade = [&](const std::string& task, const std::string& extra) {
    return run_cli("grade --task '" + task + "' --samples '" + dir.file("s.jsonl") + "' --db '" + dir.file("runs.db") +
                   "' --model m " + extra);
  };
  auto builtin = grade("gsm8k", "--data '" + data + "'");
  auto defined = grade(kExample, "--data '" + data + "'");
  INFO(builtin.out << "\n" << defined.out);
  REQUIRE(builtin.exit_code == 0);
  REQUIRE(defined.exit_code == 0);
  auto counts = [](const std::string& out) { return out.substr(out.find("grades")); };
  CHECK(counts(defined.out).substr(0, 40) == counts(builtin.out).substr(0, 40));
  CHECK(defined.out.find("task gsm8k-file") != std::string::npos);

  // A task file that names its data file makes --data optional (relative to the task file).
  write_file(dir.file("named.yaml"),
             "name: gsm8k-named\ndata: test.jsonl\nfields: {question: question, answer: answer}\n"
             "prompt: \"Question: {{question}}\\nAnswer:\"\ngold: {extract: gsm8k}\nmodes: [gsm8k-flexible]\n");
  auto named = grade(dir.file("named.yaml"), "");
  INFO(named.out);
  CHECK(named.exit_code == 0);
  CHECK(counts(named.out).substr(0, 40) == counts(builtin.out).substr(0, 40));
  auto missing = grade("gsm8k", "");
  CHECK(missing.exit_code != 0);
  CHECK(missing.out.find("--data is required") != std::string::npos);
}

TEST_CASE("bad task files are refused naming file, line and key", "[taskfile]") {
  TempDir dir;
  const std::string good =
      "name: t\n"                             // 1
      "fields:\n"                             // 2
      "  question: question\n"                // 3
      "  answer: answer\n"                    // 4
      "prompt: \"Question: {{question}}\"\n"  // 5
      "gold:\n"                               // 6
      "  extract: gsm8k\n"                    // 7
      "modes: [gsm8k-flexible]\n";            // 8
  write_file(dir.file("good.yaml"), good);
  CHECK_NOTHROW(read_task_file(dir.file("good.yaml")));
  struct Case {
    const char* what;
    std::string text;
    std::string where;  // "file:line" suffix and field expected in the message
    std::string field;
  };
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    s.replace(s.find(from), from.size(), to);
    return s;
  };
  const std::vector<Case> cases = {
      {"YAML syntax", replace("modes: [gsm8k-flexible]", "modes: [gsm8k-flexible"), ":", ""},
      {"unknown key", good + "promt: x\n", ":9", "promt"},
      {"unknown nested key", replace("  answer: answer\n", "  answer: answer\n  anwser: x\n"), ":5", "fields.anwser"},
      {"missing prompt", replace("prompt: \"Question: {{question}}\"\n", ""), ":1", "prompt"},
      {"missing question field", replace("  question: question\n", ""), ":3", "fields.question"},
      {"unknown mode", replace("[gsm8k-flexible]", "[gsm8k-flexible, exact]"), ":8", "modes"},
      {"unknown extraction", replace("extract: gsm8k", "extract: regex"), ":7", "gold.extract"},
      {"missing extraction", replace("  extract: gsm8k\n", "  field: answer\n"), ":7", "gold.extract"},
      {"template statement we do not render", replace("{{question}}", "{% macro m() %}{% endmacro %}{{question}}"),
       ":5", "prompt"},
      {"unclosed template tag", replace("{{question}}", "{% if x %}{{question}}"), ":5", "prompt"},
      {"template without a field", replace("{{question}}", "same for all"), ":5", "prompt"},
      {"built-in name", replace("name: t", "name: gsm8k"), ":1", "name"},
      {"fields not a mapping", replace("fields:\n  question: question\n  answer: answer\n", "fields: [question]\n"),
       ":2", "fields"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    const std::string path = dir.file(std::string("bad.yaml"));
    write_file(path, c.text);
    try {
      make_task(path);
      FAIL("accepted");
    } catch (const InputError& e) {
      const std::string message = e.what();
      INFO(message);
      CHECK(message.rfind(path + c.where, 0) == 0);
      if (!c.field.empty()) CHECK(e.field() == c.field);
    }
  }
  CHECK_THROWS_WITH(make_task(dir.file("absent.yaml")), Catch::Contains("absent.yaml"));
  // A data file the task file's fields do not fit: named by the data file's line and field.
  write_file(dir.file("data.jsonl"), "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": \"q2\"}\n");
  CHECK_THROWS_WITH(make_task(dir.file("good.yaml"))->load(dir.file("data.jsonl")),
                    Catch::Contains(dir.file("data.jsonl") + ":2: field 'answer'"));
  // A task file has no options of its own, and runs no code.
  TaskOptions o;
  o.own = {{"release", "v1"}};
  CHECK_THROWS_AS(make_task(dir.file("good.yaml"), o), UsageError);
}

namespace {

// A task file whose prompt is `prompt` (a Jinja template; YAML-quoted here), GSM8K's gold and mode.
std::string jinja_task_yaml(const std::string& prompt) {
  return "name: t\n"
         "fields:\n"
         "  question: question\n"
         "  answer: answer\n"
         "prompt: \"" +
         prompt +
         "\"\n"
         "gold:\n"
         "  extract: gsm8k\n"
         "modes: [gsm8k-flexible]\n";
}

// Loading a data file of the one `record` is an InputError naming the file's line 1 and 'prompt', with `why`.
void check_prompt_refused(const Task& task, const std::string& path, const std::string& record,
                          const std::string& why) {
  write_file(path, record + "\n");
  try {
    task.load(path);
    FAIL("accepted " << record);
  } catch (const InputError& e) {
    INFO(e.what());
    CHECK(std::string(e.what()).rfind(path + ":1", 0) == 0);
    CHECK(e.field() == "prompt");
    CHECK_THAT(std::string(e.what()), Catch::Contains(why));
  }
}

// The task file `jinja_task_yaml(prompt)` (as t.yaml), and its prompts for the data file `records`.
std::pair<std::unique_ptr<Task>, std::vector<std::string>> load_jinja_task(const TempDir& dir,
                                                                           const std::string& prompt,
                                                                           const std::string& records) {
  write_file(dir.file("t.yaml"), jinja_task_yaml(prompt));
  write_file(dir.file("data.jsonl"), records);
  auto task = make_task(dir.file("t.yaml"));
  std::vector<std::string> prompts;
  for (const auto& p : task->load(dir.file("data.jsonl"))) prompts.push_back(p.prompt);
  return {std::move(task), prompts};
}

}  // namespace

// A Jinja prompt (lm-eval's doc_to_text is Jinja): rendered with the record's fields as variables and
// StrictUndefined. The expected strings are jinja2's own (tests/golden/task_prompt_jinja.py).
TEST_CASE("a task file's Jinja prompt renders as jinja2 does, a missing field refused", "[taskfile]") {
  TempDir dir;
  const auto [task, prompts] = load_jinja_task(
      dir,
      "{% if level is defined and level > 2 %}Hard. {% endif %}Question: {{ question | trim }}"
      "{% for c in choices %}\\n{{ loop.index }}. {{ c }}{% endfor %}\\nAnswer:",
      "{\"question\": \"  What is 2+2? \", \"answer\": \"#### 4\", \"choices\": [\"3\", \"4\"], \"level\": 3}\n"
      "{\"question\": \"Name a prime.\", \"answer\": \"#### 2\", \"choices\": []}\n");
  CHECK(prompts == std::vector<std::string>{"Hard. Question: What is 2+2?\n1. 3\n2. 4\nAnswer:",
                                            "Question: Name a prime.\nAnswer:"});
  // jinja2: UndefinedError 'choices' is undefined -- here an InputError naming the data line and 'prompt'.
  check_prompt_refused(*task, dir.file("short.jsonl"), R"({"question": "q", "answer": "#### 1"})",
                       "'choices' is undefined");
  // A few-shot exemplar has its question only: this template needs more, and says so.
  CHECK_THROWS_WITH(task->prompt_for("q"), Catch::Contains("few-shot") && Catch::Contains("'choices' is undefined"));
}

// Index lookups are as strict as names and attributes (jinja2's StrictUndefined): a missing key or an
// index past the end is an error naming the line, but `is defined` may ask. Expected: the script above.
TEST_CASE("a task file's Jinja prompt: a missing key or index is refused as jinja2 refuses it", "[taskfile]") {
  TempDir dir;
  const auto [task, prompts] = load_jinja_task(
      dir, "{% if meta['src'] is defined %}[{{ meta['src'] }}] {% endif %}{{ question }} ({{ choices[1] }})",
      "{\"question\": \"q\", \"answer\": \"#### 1\", \"meta\": {\"src\": \"a\"}, \"choices\": [\"x\", \"y\"]}\n"
      "{\"question\": \"q\", \"answer\": \"#### 1\", \"meta\": {}, \"choices\": [\"x\", \"y\"]}\n");
  CHECK(prompts == std::vector<std::string>{"[a] q (y)", "q (y)"});
  // jinja2: "list object has no element 1"
  check_prompt_refused(*task, dir.file("bad.jsonl"),
                       R"({"question": "q", "answer": "#### 1", "meta": {}, "choices": ["x"]})", "no item 1 in a list");
  // jinja2: "'dict object' has no attribute 'src'"
  write_file(dir.file("key.yaml"), jinja_task_yaml("{{ meta['src'] }}"));
  check_prompt_refused(*make_task(dir.file("key.yaml")), dir.file("bad.jsonl"),
                       R"({"question": "q", "answer": "#### 1", "meta": {}})", "no item 'src' in a dict");
}
