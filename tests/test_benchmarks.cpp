// Task adapters (benchmarks/): registry, loading, gold extraction, ids, prompts, validation errors.
// Fixture files are written by each test; nothing here needs the real data or the grader.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "benchmarks/gsm8k.hpp"
#include "benchmarks/math.hpp"
#include "benchmarks/task.hpp"
#include "core/error.hpp"
#include "tests/support.hpp"

using trafl::InputError;
using trafl::make_task;
using trafl::Problem;
using trafl::test::TempDir;
using trafl::test::write_file;

namespace {

// The message of the InputError that loading `path` with `task` throws ("" if it does not throw).
std::string load_error(const std::string& task, const std::string& path) {
  try {
    make_task(task)->load(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// Checks that loading throws an InputError naming file:line and (when given) the field.
void check_load_error(const std::string& task, const std::string& path, std::size_t line, const std::string& field,
                      const std::string& also = "") {
  std::string msg = load_error(task, path);
  INFO("task " << task << ", message: " << msg);
  REQUIRE(!msg.empty());
  if (line > 0) CHECK(msg.find(path + ":" + std::to_string(line) + ":") != std::string::npos);
  if (!field.empty()) CHECK(msg.find("field '" + field + "'") != std::string::npos);
  if (!also.empty()) CHECK(msg.find(also) != std::string::npos);
}

const char* kHendrycksGood =
    R"J({"problem": "What is $1+1$?", "level": "Level 1", "type": "Algebra", "solution": "It is $\\boxed{2}$.", "idx": 0})J"
    "\n";

}  // namespace

TEST_CASE("registry knows every math task and rejects unknown names", "[benchmarks]") {
  auto names = trafl::task_names();
  for (const char* want : {"gsm8k", "math", "math500", "minerva_math", "minerva", "synthetic"}) {
    INFO(want);
    CHECK(std::find(names.begin(), names.end(), want) != names.end());
    auto task = make_task(want);
    CHECK(task->name() == want);
    auto modes = task->modes();
    CHECK(std::find(modes.begin(), modes.end(), task->default_mode()) != modes.end());
    for (const auto& m : modes) CHECK(trafl::is_math_mode(m));
    CHECK(!task->description().empty());
  }
  CHECK(make_task("gsm8k")->default_mode() == "gsm8k-flexible");
  CHECK(make_task("math")->default_mode() == "symbolic");
  CHECK(make_task("math500")->default_mode() == "symbolic");
  CHECK(make_task("minerva")->default_mode() == "symbolic");
  CHECK(make_task("minerva_math")->default_mode() == "minerva");
  CHECK(make_task("synthetic")->default_mode() == "symbolic");
  try {
    make_task("gsm9k");
    FAIL("no UsageError");
  } catch (const trafl::UsageError& e) {
    std::string msg = e.what();
    CHECK(msg.find("gsm9k") != std::string::npos);
    CHECK(msg.find("gsm8k") != std::string::npos);
    CHECK(msg.find("math500") != std::string::npos);
  }
}

TEST_CASE("gsm8k: gold after ####, thousands separators removed, negatives, line-index ids", "[benchmarks]") {
  TempDir dir;
  auto path = dir.file("test.jsonl");
  write_file(path,
             R"J({"question": "How many apples?", "answer": "She has 2 + 3 = <<2+3=5>>5 apples.\n#### 5"})J"
             "\n"
             R"J({"question": "How much money?", "answer": "He earns 25 * 85 = <<25*85=2125>>2125.\n#### 2,125"})J"
             "\n"
             R"J({"question": "What is the change in temperature?", "answer": "It drops 10 degrees.\n#### -10"})J"
             "\n"
             R"J({"question": "Big one?", "answer": "A lot.\n#### 1,450,000\n"})J"
             "\n");
  auto task = make_task("gsm8k");
  auto problems = task->load(path);
  REQUIRE(problems.size() == 4);
  CHECK(problems[0].id == "0");
  CHECK(problems[3].id == "3");
  CHECK(problems[0].gold == "5");
  CHECK(problems[1].gold == "2125");
  CHECK(problems[2].gold == "-10");
  CHECK(problems[3].gold == "1450000");
  CHECK(problems[1].reference == "He earns 25 * 85 = <<25*85=2125>>2125.\n#### 2,125");
  CHECK(problems[0].question == "How many apples?");
  CHECK(problems[0].prompt == "Question: How many apples?\nAnswer:");

  CHECK(trafl::gsm8k_gold_from_answer("x\n#### 3.5") == std::optional<std::string>("3.5"));
  CHECK(trafl::gsm8k_gold_from_answer("#### 12 ") == std::optional<std::string>("12"));
  CHECK_FALSE(trafl::gsm8k_gold_from_answer("no final line").has_value());
  CHECK_FALSE(trafl::gsm8k_gold_from_answer("#### twelve").has_value());
  CHECK_FALSE(trafl::gsm8k_gold_from_answer("#### ").has_value());
}

TEST_CASE("gsm8k: bad input names file, line and field", "[benchmarks]") {
  TempDir dir;
  const std::string good = R"J({"question": "Q?", "answer": "A.\n#### 1"})J"
                           "\n";
  auto path = dir.file("bad.jsonl");

  write_file(path, good + R"J({"question": "Q?", "answer": "no final line"})J"
                          "\n");
  check_load_error("gsm8k", path, 2, "answer", "####");

  write_file(path, good + good +
                       R"J({"question": "Q?", "answer": "#### seven"})J"
                       "\n");
  check_load_error("gsm8k", path, 3, "answer");

  write_file(path, good + R"J({"answer": "#### 1"})J"
                          "\n");
  check_load_error("gsm8k", path, 2, "question", "missing");

  write_file(path, good + R"J({"question": 12, "answer": "#### 1"})J"
                          "\n");
  check_load_error("gsm8k", path, 2, "question", "expected a string");

  write_file(path, good + R"J({"question": "Q?", "answer": "#### 1")J"
                          "\n");
  check_load_error("gsm8k", path, 2, "", "malformed JSON");

  write_file(path, "");
  check_load_error("gsm8k", path, 0, "", "no problems");
  write_file(path, "\n  \n");
  check_load_error("gsm8k", path, 0, "", "no problems");
}

TEST_CASE("math: last boxed of the solution (nested braces, several boxes, fbox), level and subject", "[benchmarks]") {
  TempDir dir;
  auto path = dir.file("math.jsonl");
  write_file(
      path,
      R"J({"problem": "P0", "level": "Level 3", "type": "Algebra", "solution": "So $x = \\boxed{\\frac{1}{2}}$.", "idx": 7})J"
      "\n"
      R"J({"problem": "P1", "level": "Level 5", "type": "Precalculus", "solution": "First $\\boxed{1}$ then $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}$.", "idx": 8})J"
      "\n"
      R"J({"problem": "P2", "level": "Level ?", "type": "Geometry", "solution": "Area is \\fbox{$12\\sqrt{2}$}.", "idx": 9})J"
      "\n"
      R"J({"problem": "P3", "level": "Level 1", "type": "Number Theory", "solution": "Hence $\\boxed{\\{1,2\\}}$", "idx": "x-10"})J"
      "\n");
  auto task = make_task("math");
  auto problems = task->load(path);
  REQUIRE(problems.size() == 4);
  CHECK(problems[0].gold == "\\frac{1}{2}");
  CHECK(problems[1].gold == "\\left( 3, \\frac{\\pi}{2} \\right)");
  CHECK(problems[2].gold == "$12\\sqrt{2}$");
  CHECK(problems[3].gold == "\\{1,2\\}");
  CHECK(problems[0].id == "7");
  CHECK(problems[3].id == "x-10");
  CHECK(problems[0].metadata.at("level") == "3");
  CHECK(problems[1].metadata.at("level") == "5");
  CHECK(problems[2].metadata.at("level") == "?");
  CHECK(problems[0].metadata.at("subject") == "Algebra");
  CHECK(problems[1].metadata.at("subject") == "Precalculus");
  CHECK(problems[0].question == "P0");
  CHECK(problems[0].reference == "So $x = \\boxed{\\frac{1}{2}}$.");
  CHECK(problems[0].prompt.rfind("P0\n\n", 0) == 0);
  CHECK(problems[0].prompt.find("\\boxed{}") != std::string::npos);

  CHECK(trafl::bench::parse_level("Level 4") == "4");
  CHECK(trafl::bench::parse_level("level  2 ") == "2");
  CHECK(trafl::bench::parse_level("3") == "3");
  CHECK(trafl::bench::parse_level("Level ?") == "?");
  CHECK(trafl::bench::parse_level("") == "?");
  CHECK(trafl::bench::parse_level("Level 3b") == "?");
}

TEST_CASE("math: ids fall back to the 0-based line index when there is no idx", "[benchmarks]") {
  TempDir dir;
  auto path = dir.file("math.jsonl");
  write_file(path, R"J({"problem": "P0", "level": "Level 2", "type": "Algebra", "solution": "$\\boxed{1}$"})J"
                   "\n"
                   R"J({"problem": "P1", "level": "Level 2", "type": "Algebra", "solution": "$\\boxed{2}$"})J"
                   "\n");
  auto problems = make_task("math")->load(path);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].id == "0");
  CHECK(problems[1].id == "1");
}

TEST_CASE("math500 shape: gold = answer, id = unique_id, integer level -- read by math500 and by math",
          "[benchmarks]") {
  TempDir dir;
  auto path = dir.file("math500.jsonl");
  write_file(
      path,
      R"J({"problem": "Convert $(0,3)$ to polar.", "solution": "So $\\boxed{\\left( 3, \\frac{\\pi}{2} \\right)}.$", "answer": "\\left( 3, \\frac{\\pi}{2} \\right)", "subject": "Precalculus", "level": 2, "unique_id": "test/precalculus/807.json"})J"
      "\n"
      R"J({"problem": "Q2", "solution": "No box here; the answer field is the gold.", "answer": "5", "subject": "Algebra", "level": 5, "unique_id": "test/algebra/1.json"})J"
      "\n");
  for (const char* name : {"math500", "math", "synthetic"}) {
    INFO(name);
    auto problems = make_task(name)->load(path);
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].id == "test/precalculus/807.json");
    CHECK(problems[0].gold == "\\left( 3, \\frac{\\pi}{2} \\right)");
    CHECK(problems[0].metadata.at("level") == "2");
    CHECK(problems[0].metadata.at("subject") == "Precalculus");
    CHECK(problems[1].gold == "5");
    CHECK(problems[1].metadata.at("level") == "5");
    CHECK(problems[0].prompt.find("\\boxed{}") != std::string::npos);
  }
  // minerva_math reads the same shape with the Minerva prompt.
  auto problems = make_task("minerva_math")->load(path);
  CHECK(problems[0].prompt == "Problem:\nConvert $(0,3)$ to polar.\n\nSolution:");
}

TEST_CASE("math500 task requires the MATH-500 shape", "[benchmarks]") {
  TempDir dir;
  auto path = dir.file("m.jsonl");
  write_file(path, kHendrycksGood);
  check_load_error("math500", path, 1, "answer", "missing");
}

TEST_CASE("minerva_math: MATH with the Minerva prompt and default mode", "[benchmarks]") {
  TempDir dir;
  auto path = dir.file("math.jsonl");
  write_file(path, kHendrycksGood);
  auto task = make_task("minerva_math");
  auto problems = task->load(path);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].prompt == "Problem:\nWhat is $1+1$?\n\nSolution:");
  CHECK(problems[0].gold == "2");
  CHECK(task->default_mode() == "minerva");
}

TEST_CASE("minerva (OCW): gold = last boxed of the solution, course metadata, id = idx", "[benchmarks]") {
  TempDir dir;
  auto path = dir.file("ocw.jsonl");
  write_file(
      path,
      R"J({"problem": "Find the diameter (in cm).", "solution": "\\[ s=\\alpha f=\\boxed{1.6} \\mathrm{~cm} \\]", "type": "Introduction to Astronomy (8.282J Spring 2006)", "idx": 0})J"
      "\n"
      R"J({"problem": "Rate?", "solution": "Guess $\\boxed{1}$; in fact $\\boxed{4.5e-5}$ s.", "type": "Physical Chemistry (5.61 Fall 2017)", "idx": 1})J"
      "\n");
  auto problems = make_task("minerva")->load(path);
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].gold == "1.6");
  CHECK(problems[1].gold == "4.5e-5");
  CHECK(problems[0].id == "0");
  CHECK(problems[1].id == "1");
  CHECK(problems[0].metadata.at("course") == "Introduction to Astronomy (8.282J Spring 2006)");
  CHECK(problems[0].prompt.find("\\boxed{}") != std::string::npos);
}

TEST_CASE("math-family bad input names file, line and field", "[benchmarks]") {
  TempDir dir;
  auto path = dir.file("bad.jsonl");
  const std::string good = kHendrycksGood;
  auto line = [](const std::string& json) { return json + "\n"; };

  SECTION("no boxed answer in the solution") {
    write_file(
        path,
        good +
            line(
                R"J({"problem": "P", "level": "Level 1", "type": "Algebra", "solution": "The answer is 2.", "idx": 1})J"));
    check_load_error("math", path, 2, "solution", "boxed");
    check_load_error("minerva_math", path, 2, "solution", "boxed");
  }
  SECTION("unclosed box") {
    write_file(
        path,
        line(
            R"J({"problem": "P", "level": "Level 1", "type": "Algebra", "solution": "So $\\boxed{\\frac{1}{2}$", "idx": 1})J"));
    check_load_error("math", path, 1, "solution");
  }
  SECTION("missing field") {
    write_file(path, good + line(R"J({"problem": "P", "level": "Level 1", "solution": "$\\boxed{1}$", "idx": 1})J"));
    check_load_error("math", path, 2, "type", "missing");
  }
  SECTION("wrong type") {
    write_file(
        path,
        good +
            line(R"J({"problem": 5, "level": "Level 1", "type": "Algebra", "solution": "$\\boxed{1}$", "idx": 1})J"));
    check_load_error("math", path, 2, "problem", "expected a string");
    write_file(
        path,
        good + line(R"J({"problem": "P", "level": [1], "type": "Algebra", "solution": "$\\boxed{1}$", "idx": 1})J"));
    check_load_error("math", path, 2, "level");
    write_file(
        path,
        good +
            line(
                R"J({"problem": "P", "level": "Level 1", "type": "Algebra", "solution": "$\\boxed{1}$", "idx": 1.5})J"));
    check_load_error("math", path, 2, "idx");
  }
  SECTION("malformed line") {
    write_file(path, good + line(R"J({"problem": "P", "level": "Level 1")J") + good);
    check_load_error("math", path, 2, "", "malformed JSON");
  }
  SECTION("not an object") {
    write_file(path, good + line("[1, 2]"));
    check_load_error("math", path, 2, "", "object");
  }
  SECTION("duplicate ids") {
    write_file(
        path,
        good +
            line(R"J({"problem": "P", "level": "Level 1", "type": "Algebra", "solution": "$\\boxed{1}$", "idx": 5})J") +
            good);
    check_load_error("math", path, 3, "idx", "duplicate id '0' (first seen on line 1)");
  }
  SECTION("empty file") {
    write_file(path, "");
    check_load_error("math", path, 0, "", "no problems");
    check_load_error("math500", path, 0, "", "no problems");
    check_load_error("minerva", path, 0, "", "no problems");
    check_load_error("synthetic", path, 0, "", "no problems");
  }
  SECTION("missing file") { check_load_error("math", dir.file("absent.jsonl"), 0, "", "cannot open"); }
  SECTION("math500: duplicate unique_id, empty answer, non-string answer") {
    const std::string a = line(
        R"J({"problem": "P", "solution": "S", "answer": "1", "subject": "Algebra", "level": 1, "unique_id": "u/1"})J");
    write_file(path, a + a);
    check_load_error("math500", path, 2, "unique_id", "duplicate");
    write_file(
        path,
        a + line(
                R"J({"problem": "P", "solution": "S", "answer": "  ", "subject": "Algebra", "level": 1, "unique_id": "u/2"})J"));
    check_load_error("math500", path, 2, "answer", "empty");
    write_file(
        path,
        a + line(
                R"J({"problem": "P", "solution": "S", "answer": 3, "subject": "Algebra", "level": 1, "unique_id": "u/2"})J"));
    check_load_error("math500", path, 2, "answer", "expected a string");
    write_file(path,
               a + line(R"J({"problem": "P", "solution": "S", "answer": "3", "subject": "Algebra", "level": 1})J"));
    check_load_error("math500", path, 2, "unique_id", "missing");
  }
  SECTION("minerva OCW: no box, missing course, duplicate idx") {
    const std::string o = line(
        R"J({"problem": "P", "solution": "$\\boxed{1.6}$ cm", "type": "Relativity (8.033 Fall 2006)", "idx": 3})J");
    write_file(
        path,
        o + line(R"J({"problem": "P", "solution": "1.6 cm", "type": "Relativity (8.033 Fall 2006)", "idx": 4})J"));
    check_load_error("minerva", path, 2, "solution", "boxed");
    write_file(path, o + line(R"J({"problem": "P", "solution": "$\\boxed{1}$", "idx": 4})J"));
    check_load_error("minerva", path, 2, "type", "missing");
    write_file(path, o + o);
    check_load_error("minerva", path, 2, "idx", "duplicate id '3'");
  }
}

TEST_CASE("load validates the whole file: an error on the last line throws, nothing is returned", "[benchmarks]") {
  TempDir dir;
  auto path = dir.file("late.jsonl");
  std::string text;
  for (int i = 0; i < 50; ++i)
    text += R"J({"question": "Q", "answer": "#### 1"})J"
            "\n";
  text += R"J({"question": "Q", "answer": "#### x"})J"
          "\n";
  write_file(path, text);
  check_load_error("gsm8k", path, 51, "answer");
}
