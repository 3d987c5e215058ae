#pragma once
// Trusted test harnesses for untrusted code, run in the sandbox; every comparison happens here in
// the parent. Three kinds:
//   stdin      (AtCoder/Codeforces): one sandbox run per test; the candidate is the script, the test
//              input its stdin, its stdout compared with stdout_matches().
//   functional (LeetCode): one run per test; a driver execs the candidate (class Solution →
//              Solution().fn, else the function fn), calls it with one JSON value per input line and
//              prints ONE nonce-tagged JSON record of the result; missing records fail. A candidate
//              that forges the record gains nothing: the record only carries a value, which the
//              parent compares, and the candidate could as well have returned it.
//   asserts    (HumanEval/MBPP): one run per sample; the test snippets decide pass/fail, so the
//              candidate must not run where they are judged: a judge process runs the tests and
//              writes the records, a worker forked before the nonce exists runs the candidate and
//              answers calls with plain values (assert_driver.hpp, docs/sandbox-threat-model.md).
// Verdicts: passed, wrong_answer, timeout, memory_exceeded, output_limit, runtime_error,
// sandbox_error. A sample's verdict is its first failing test's; correct = every test passed.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "codegrade/compare.hpp"
#include "codegrade/lcb_decode.hpp"
#include "grading/grade.hpp"
#include "sandbox/sandbox.hpp"

namespace trafl::codegrade {

struct HarnessLimits {
  double test_timeout_s = 6.0;  // per test (CPU; wall = 2× + 1)
  std::size_t memory_mb = 1024;
  bool stop_at_first_failure = true;
  bool lcb_prelude = true;  // LCB's import_string (stdlib star-imports, recursion limit 50000)
  // The import_string's names bound lazily (same names, same values, checked once per interpreter;
  // each module imported on first use): ~40 ms less per test than importing 18 modules up front.
  // A program that inspects globals() sees fewer names; false runs the import lines as LCB does.
  bool lazy_prelude = true;
};

struct TestRecord {
  std::size_t index = 0;
  std::string verdict;
  double wall_ms = 0, cpu_ms = 0;
  std::uint64_t peak_mem_kb = 0;
  std::string detail;
};

struct CodeResult {
  std::string verdict = "passed";
  bool correct = false;
  std::size_t total_tests = 0;
  std::vector<TestRecord> tests;  // the tests that ran, in order
  std::string tier;
  std::string detail;            // first failure's detail
  bool budget_exceeded = false;  // the per-sample budget (t+1)·n+5 s ran out
};

CodeResult run_stdin_tests(sandbox::Sandbox& box, const std::string& code, const std::vector<TestCase>& tests,
                           Compare mode, const HarnessLimits& limits);
CodeResult run_functional_tests(sandbox::Sandbox& box, const std::string& code, const std::string& fn_name,
                                const std::vector<TestCase>& tests, Compare mode, const HarnessLimits& limits);

struct AssertProgram {
  std::string prelude;             // run before the candidate (MBPP test_imports)
  std::string candidate;           // untrusted code (HumanEval: prompt + completion)
  std::string setup;               // run after the candidate (MBPP test_setup_code)
  std::vector<std::string> tests;  // each run in the candidate's globals; AssertionError = wrong_answer
};
CodeResult run_assert_tests(sandbox::Sandbox& box, const AssertProgram& program, const HarnessLimits& limits);

// The Grade of a result: verdict, correct, mode, and details {tests:[{index, verdict, wall_ms,
// cpu_ms, peak_mem_kb, detail}], total_tests, tests_run, tier, ...}.
Grade to_grade(const CodeResult& result, std::string extracted, std::string_view mode, nlohmann::json extra = {});

// The sandbox that code tasks use. Created on first use from the environment:
//   TRAFL_SANDBOX_TIER=1..4, TRAFL_ALLOW_UNSANDBOXED=1, TRAFL_PYTHON=..., TRAFL_SANDBOX_WORKERS=n.
// set_shared_sandbox() installs one owned elsewhere (tests); nullptr restores the default.
sandbox::Sandbox& shared_sandbox();
void set_shared_sandbox(sandbox::Sandbox* box);

// Settings for the shared sandbox from the command line (`grade --sandbox-tier/--allow-unsandboxed/
// --workers/--python`); each set field overrides its environment variable. Call before the first
// shared_sandbox(); UsageError once the sandbox exists (its tier and slots are fixed at the probe).
struct SandboxSettings {
  std::string tier;                // "" or 1..4 / T1..T4
  bool allow_unsandboxed = false;  // true overrides; false leaves TRAFL_ALLOW_UNSANDBOXED in charge
  unsigned workers = 0;            // 0: the environment's (TRAFL_SANDBOX_WORKERS), else sandbox::default_slots()
  std::string python;
};
void configure_shared_sandbox(const SandboxSettings& settings);

}  // namespace trafl::codegrade
