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
