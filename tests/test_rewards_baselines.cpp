// The baselines' reward terms (d1/wd1 GSM8K and MATH, ESPO code) on completions written the way
// LLaDA-8B-Instruct writes them under d1's prompt, with every value computed by hand from the
// authors' Python (wd1/reward_func.py, espo/rewards.py; rewards_d1.hpp, rewards_code.hpp). And the
// reward registry: names, refusals, and the code reward end to end in the sandbox.
#include <catch2/catch.hpp>

#include "benchmarks/livecodebench.hpp"
#include "codegrade/harness.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"
#include "tasks_gen/write_task.hpp"
#include "tests/support.hpp"
#include "tests/test_sandbox_util.hpp"
#include "training/rewards.hpp"
#include "training/rewards_code.hpp"
#include "training/rewards_d1.hpp"

using namespace trafl;
namespace d1 = trafl::training::d1;

namespace {

// The canonical d1 format, one-line reasoning (GSM8K train problem 1: 48 + 24 = 72).
const std::string kCanonical =
    "<reasoning>\nNatalia sold 48 clips in April and 48 / 2 = 24 in May, so 48 + 24 = 72 in all.\n</reasoning>\n"
    "<answer>\n72\n</answer>\n";
// Multi-line reasoning and a trailing blank line, as the model writes most often.
const std::string kMultiLine =
    "<reasoning>\nShe earns 12 / 60 = 0.2 dollars per minute.\nFor 50 minutes: 0.2 * 50 = 10.\n</reasoning>\n"
    "<answer>\n10\n</answer>\n\n";
// Everything on one line (the soft pattern's only case), followed by chatter after the answer.
const std::string kOneLine = "<reasoning>48 + 24 = 72</reasoning> <answer>72</answer> I hope this helps!";
// No tags, the answer in prose with a thousands separator.
const std::string kProse = "Betty needs 100 - 50 - 15 - 30 = 5 more dollars. The answer is $1,200.";

}  // namespace

TEST_CASE("d1 GSM8K reward: each term on model-style completions, by hand", "[rewards][d1]") {
  // kCanonical: the four xml markers once each (0.5), nothing after "\n</answer>\n" (-0) nor after
  // "\n</answer>" but the final "\n" (-(1-1)·0.001); soft 0 (no DOTALL: the reasoning spans lines);
  // strict 0.5; "72" is digits 0.5; equal to the gold 2.0. Total 3.5, the maximum.
  CHECK(d1::xml_count(kCanonical) == Approx(0.5));
  CHECK(d1::soft_format(kCanonical) == 0.0);
  CHECK(d1::strict_format(kCanonical) == 0.5);
  CHECK(d1::integer_answer(kCanonical) == 0.5);
  CHECK(d1::gsm8k_correctness(kCanonical, "72") == 2.0);
  CHECK(d1::gsm8k_reward(kCanonical, "72") == Approx(3.5));
  CHECK(d1::gsm8k_reward(kCanonical, "73") == Approx(1.5));

  // kMultiLine: after the last "\n</answer>\n" one "\n" (-0.001); after the last "\n</answer>" two
  // characters "\n\n" (-(2-1)·0.001): 0.5 - 0.002 = 0.498. Strict 0: the reasoning has 2 lines.
  // Strict's `$` would allow exactly one trailing "\n" more (next check).
  CHECK(d1::xml_count(kMultiLine) == Approx(0.498));
  CHECK(d1::soft_format(kMultiLine) == 0.0);
  CHECK(d1::strict_format(kMultiLine) == 0.0);
  CHECK(d1::gsm8k_reward(kMultiLine, "10") == Approx(0.498 + 0.5 + 2.0));
  CHECK(d1::strict_format(kCanonical + "\n") == 0.5);    // `$` matches before a final newline
  CHECK(d1::strict_format(kCanonical + "\n\n") == 0.0);  // but not before two

  // kOneLine: no marker with its newlines (0); soft matches (0.5); strict 0; "72" digits and correct.
  CHECK(d1::xml_count(kOneLine) == 0.0);
  CHECK(d1::soft_format(kOneLine) == 0.5);
  CHECK(d1::strict_format(kOneLine) == 0.0);
  CHECK(d1::gsm8k_reward(kOneLine, "72") == Approx(3.0));
  // The soft pattern is anchored at the start (re.match): a preamble loses it.
  CHECK(d1::soft_format("Sure! " + kOneLine) == 0.0);
  // ... and its answer must close on the line it opened.
  CHECK(d1::soft_format("<reasoning>x</reasoning>\n<answer>\n72\n</answer>") == 0.0);
  CHECK(d1::soft_format("<reasoning>x</reasoning>\n\n<answer>72</answer>") == 0.5);  // \s* spans lines

  // kProse: no tags, so the "answer" is the whole text stripped: not digits, not the gold.
  CHECK(d1::extract_xml_answer(kProse) == kProse);
  CHECK(d1::gsm8k_reward(kProse, "5") == 0.0);

  // The last <answer> wins, up to the next </answer>; strip() takes the newlines.
  CHECK(d1::extract_xml_answer("<answer>1</answer> then <answer>\n 2 \n</answer>") == "2");
  CHECK(d1::integer_answer("<answer>-3</answer>") == 0.0);   // isdigit: no sign
  CHECK(d1::integer_answer("<answer>3.5</answer>") == 0.0);  // nor a point
  CHECK(d1::integer_answer("<answer></answer>") == 0.0);     // "".isdigit() is False

  // xmlcount counts code points, not bytes: "€" (3 bytes) after the answer costs 0.001 once.
  const std::string euro = "<reasoning>\nx\n</reasoning>\n<answer>\n1\n</answer>\n\xE2\x82\xAC";
  CHECK(d1::xml_count(euro) == Approx(0.5 - 0.001 - 0.001));
  // A marker twice scores nothing for it ("<reasoning>\n" twice: 0.375 at most).
  CHECK(d1::xml_count("<reasoning>\n<reasoning>\nx\n</reasoning>\n<answer>\n1\n</answer>\n") == Approx(0.375));
}

TEST_CASE("d1 MATH reward: boxed inside the answer tags, by hand", "[rewards][d1]") {
  // (1 for <answer> + 1 for \boxed in it) · 0.5 = 1.0
  CHECK(d1::boxed_in_answer("<reasoning>\n1/2 of the pie.\n</reasoning>\n<answer>\n\\boxed{\\frac{1}{2}}\n</answer>") ==
        1.0);
  // no <answer>: the whole text is searched: (0 + 1) · 0.5
  CHECK(d1::boxed_in_answer("So the answer is $\\boxed{5}$.") == 0.5);
  // <answer> without \boxed: (1 + 0.5) · 0.5; neither: 0.5 · 0.5
  CHECK(d1::boxed_in_answer("<answer>5</answer>") == 0.75);
  CHECK(d1::boxed_in_answer("The answer is 5.") == 0.25);
  // \boxed after the first </answer> is outside the first answer
  CHECK(d1::boxed_in_answer("<answer>5</answer> \\boxed{5}") == 0.75);
}

TEST_CASE("ESPO code format: one fenced python block making up the whole completion", "[rewards][code]") {
  using training::code_reward::espo_format;
  const std::string code = "a, b = map(int, input().split())\nprint(a + b)\n";
  CHECK(espo_format("Read both numbers and print their sum.\n```python\n" + code + "```") == 1.0);
  CHECK(espo_format("```python\n" + code + "```\n") == 1.0);                      // one newline after the fence
  CHECK(espo_format("```python\n" + code + "```\n\n") == 0.0);                    // not two
  CHECK(espo_format("```python\n" + code + "```\nThis prints the sum.") == 0.0);  // prose after it
  CHECK(espo_format("```\n" + code + "```") == 0.0);                              // no language tag
  CHECK(espo_format("```py\n" + code + "```") == 0.0);
  CHECK(espo_format("```python\nx = 1\n```\n```python\nprint(x)\n```") == 0.0);   // two blocks
  CHECK(espo_format("Use `input()` twice:\n```python\n" + code + "```") == 1.0);  // single backticks are fine
  CHECK(espo_format("``"
                    "```python\n" +
                    code + "```") == 1.0);          // P may end in backticks ((?!```) per char)
  CHECK(espo_format("```python\n" + code) == 0.0);  // cut off before the closing fence
}

TEST_CASE("reward registry: names, refusals, d1-gsm8k through a problem's worked answer", "[rewards]") {
  const std::vector<std::string> names = training::reward_names();
  CHECK(names == std::vector<std::string>{"task", "d1-gsm8k", "d1-math", "espo-code"});
  CHECK_THROWS_AS(training::make_reward("d1-countdown", "gsm8k", {}), UsageError);
  CHECK_THROWS_AS(training::make_reward("espo-code", "gsm8k", {}), UsageError);  // a code reward for math
  CHECK_THROWS_AS(training::make_reward("d1-gsm8k", "livecodebench", {}), UsageError);
  training::RewardOptions with_format;
  with_format.format_weight = 0.5;
  CHECK_THROWS_AS(training::make_reward("d1-gsm8k", "gsm8k", with_format), UsageError);
  CHECK_THROWS_AS(training::make_reward("d1-math", "gsm8k", {}), UsageError);  // gsm8k has no hendrycks mode

  // d1's gold is the worked answer's text after "####", stripped (commas kept): "1,200" here, while
  // our grader's gold drops the comma.
  Problem p;
  p.gold = "1200";
  p.reference = "He earns 100 * 12 = <<100*12=1200>>1200.\n#### 1,200";
  auto r = training::make_reward("d1-gsm8k", "gsm8k", {});
  const std::vector<double> s = r->score(p, {kCanonical, "<reasoning>\nx\n</reasoning>\n<answer>\n1,200\n</answer>\n",
                                             "<reasoning>\nx\n</reasoning>\n<answer>\n1200\n</answer>\n"});
  REQUIRE(s.size() == 3);
  CHECK(s[0] == Approx(1.5));        // format 1.5, wrong answer
  CHECK(s[1] == Approx(1.0 + 2.0));  // "1,200": correct, not digits
  CHECK(s[2] == Approx(1.5));        // "1200" != "1,200" under exact match
  // The task reward is the grader's 0/1 (the default, today's behaviour).
  auto task = training::make_reward("task", "gsm8k", {});
  CHECK(task->score(p, {"The answer is 1200."}) == std::vector<double>{1.0});
}

TEST_CASE("espo-code reward end to end: format + fraction of tests passed in the sandbox", "[rewards][code][sandbox]") {
  trafl::test::TempDir dir;
  tasks_gen::MakeTaskOptions mo;
  mo.kind = "code";
  mo.seed = 3;
  mo.train = 2;
  mo.test = 2;
  mo.out_dir = dir.file("c");
  const auto made = tasks_gen::make_generated_task(mo);
  TaskOptions to;
  to.own["prompt_style"] = "short";
  to.run_all_tests = true;
  const std::vector<Problem> problems = make_task("livecodebench", to)->load(made.test);
  JsonlReader refs(made.reference);
  JsonlRecord rec;
  REQUIRE(refs.next(rec));
  std::string ref = rec.value.at("completion").get<std::string>();  // "```\n<code>```" (or with a newline)
  REQUIRE(ref.rfind("```\n", 0) == 0);
  const std::string code = ref.substr(4, ref.rfind("```") - 4);

  codegrade::set_shared_sandbox(&trafl::test::sbx::box());
  training::RewardOptions o;
  o.task_options = to;
  auto reward = training::make_reward("espo-code", "livecodebench", o);
  const std::vector<double> s = reward->score(
      problems[0], {
                       "Here is the program.\n```python\n" + code + "```",       // format 1 + all 6 tests
                       "```python\nprint(-1)\n```",                              // format 1 + no test
                       "```python\n" + code + "```\nIt reads the input first.",  // prose after: 0, tests not run
                       ref,                                                      // no language tag: 0
                   });
  codegrade::set_shared_sandbox(nullptr);
  REQUIRE(s.size() == 4);
  CHECK(s[0] == Approx(2.0));
  CHECK(s[1] == Approx(1.0));
  CHECK(s[2] == 0.0);
  CHECK(s[3] == 0.0);
}
