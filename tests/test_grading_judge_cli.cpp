// `trafl-eval judge` end to end, as a user runs it.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support.hpp"

using trafl::test::run_cli;

TEST_CASE("judge explains a symbolic verdict", "[grading][cli]") {
  auto r = run_cli("judge --task math500 --gold '\\frac{1}{2}' --response 'so \\boxed{0.5}'");
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("symbolic"));
  CHECK_THAT(r.out, Catch::Contains("extracted answer:     0.5"));
  CHECK_THAT(r.out, Catch::Contains("decided by:           rational"));
  CHECK_THAT(r.out, Catch::Contains("verdict:              correct"));
}

TEST_CASE("judge picks the task's default mode and honours --mode", "[grading][cli]") {
  auto gsm = run_cli("judge --task gsm8k --gold 2125 --response 'It costs $2,125.' --json");
  REQUIRE(gsm.exit_code == 0);
  auto j = nlohmann::json::parse(gsm.out);
  CHECK(j.at("mode") == "gsm8k-flexible");
  CHECK(j.at("verdict") == "correct");
  CHECK(j.at("details").at("extractor") == "last_number");
  auto strict = run_cli("judge --task gsm8k --gold 2125 --response 'It costs $2,125.' --mode gsm8k-strict --json");
  REQUIRE(strict.exit_code == 0);
  CHECK(nlohmann::json::parse(strict.out).at("verdict") == "no_answer");
  auto hend = run_cli("judge --task math --gold '\\frac{1}{2}' --response '\\boxed{0.50}' --mode hendrycks --json");
  REQUIRE(hend.exit_code == 0);
  CHECK(nlohmann::json::parse(hend.out).at("verdict") == "wrong");
  auto minerva = run_cli("judge --task minerva --gold '1.6' --response '\\boxed{1.60}' --json");
  REQUIRE(minerva.exit_code == 0);
  CHECK(nlohmann::json::parse(minerva.out).at("mode") == "symbolic");
  CHECK(nlohmann::json::parse(minerva.out).at("verdict") == "correct");
}

TEST_CASE("judge rejects an unknown mode or task with a usage error", "[grading][cli]") {
  auto bad_mode = run_cli("judge --task math --gold 1 --response '\\boxed{1}' --mode sympy");
  CHECK(bad_mode.exit_code == 2);
  CHECK_THAT(bad_mode.out, Catch::Contains("valid modes: symbolic, hendrycks, minerva, gsm8k-strict, gsm8k-flexible"));
  auto bad_task = run_cli("judge --task mmlu --gold 1 --response 1");
  CHECK(bad_task.exit_code == 2);
  CHECK_THAT(bad_task.out, Catch::Contains("unknown task"));
}

TEST_CASE("judge says why an answer is wrong", "[grading][cli]") {
  auto text = run_cli("judge --task math500 --gold '\\{1, 2\\}' --response 'so \\boxed{\\{1, 3\\}}'");
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("verdict:              wrong"));
  CHECK_THAT(text.out, Catch::Contains("why:                  sets differ: the answer lacks gold's 2"));
  auto json = run_cli("judge --task math500 --gold '\\frac{1}{12}' --response 'so \\boxed{0.083}' --json");
  REQUIRE(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j.at("verdict") == "wrong");
  CHECK(j.at("path") == "rational");
  CHECK_THAT(j.at("reason").get<std::string>(), Catch::Contains("gold 1/12 and answer 0.083"));
  auto none = run_cli("judge --task math500 --gold 5 --response 'I do not know.' --json");
  REQUIRE(none.exit_code == 0);
  CHECK(nlohmann::json::parse(none.out).at("reason").get<std::string>().rfind("no answer: ", 0) == 0);
  auto right = run_cli("judge --task math500 --gold '\\frac{1}{2}' --response 'so \\boxed{0.5}' --json");
  REQUIRE(right.exit_code == 0);
  CHECK_FALSE(nlohmann::json::parse(right.out).contains("reason"));
}
