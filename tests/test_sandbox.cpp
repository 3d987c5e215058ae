// Sandbox basics: normal programs, verdict classification, the pool, tier refusal, `exec`.
#include <catch2/catch.hpp>

#include <pthread.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "sandbox/limits.hpp"
#include "sandbox/verdict.hpp"
#include "tests/support.hpp"
#include "tests/test_sandbox_util.hpp"

using namespace trafl::test::sbx;

TEST_CASE("sandbox: stdin is echoed and the tier is probed", "[sandbox]") {
  auto& b = box();
  INFO(b.report().describe());
  auto r = run(b, "import sys\ndata = sys.stdin.read()\nprint(data.upper(), end='')\n", "hello\nworld\n");
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data == "HELLO\nWORLD\n");
  CHECK(r.exit_code == 0);
  CHECK(r.tier == b.tier());
  CHECK(r.wall_ms > 0);
  CHECK(r.cpu_ms > 0);
  CHECK(r.peak_mem_kb > 0);
}

namespace {
std::atomic<int> prefork_calls{0};
}

// OpenBLAS registers a prefork handler that tears its thread pool down; run from a grading thread
// while the sampler is inside sgemm, it hung `sample` on code tasks with more than one BLAS thread.
// The sandbox therefore forks without running any handler: this one counts the calls.
TEST_CASE("sandbox: starting a program runs no pthread_atfork handler", "[sandbox]") {
  static const bool registered = pthread_atfork([] { ++prefork_calls; }, nullptr, nullptr) == 0;
  REQUIRE(registered);
  const int before = prefork_calls.load();
  for (int i = 0; i < 3; ++i) {
    auto r = run(box(), "print('ok')\n");
    INFO(describe(r));
    CHECK(r.verdict == Verdict::kPassed);
  }
  CHECK(prefork_calls.load() == before);
  // The witness works: a plain fork() does run it.
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  REQUIRE(pid > 0);
  ::waitpid(pid, nullptr, 0);
  CHECK(prefork_calls.load() == before + 1);
}

TEST_CASE("sandbox: exit codes and exceptions are runtime errors", "[sandbox]") {
  auto r = run(box(), "import sys\nprint('partial')\nsys.exit(3)\n");
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kRuntimeError);
  CHECK(r.exit_code == 3);
  CHECK(r.stdout_data == "partial\n");
  auto e = run(box(), "def f():\n    raise ValueError('boom 42')\nf()\n");
  INFO(describe(e));
  CHECK(e.verdict == Verdict::kRuntimeError);
  CHECK(e.exit_code == 1);
  CHECK(e.stderr_tail().find("ValueError: boom 42") != std::string::npos);
}

TEST_CASE("sandbox: the environment is cleared and python runs with -S -I -B", "[sandbox]") {
  auto r = run(box(),
               "import os, sys\nprint(sorted(os.environ))\nprint(sys.flags.no_site, sys.flags.isolated, "
               "sys.flags.dont_write_bytecode)\nprint(os.getuid() != 0)\n");
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data.find("1 1 1") != std::string::npos);
  CHECK(r.stdout_data.find("True") != std::string::npos);
  CHECK(r.stdout_data.find("PYENV") == std::string::npos);
  CHECK(r.stdout_data.find("'PATH'") != std::string::npos);
}

TEST_CASE("sandbox: extra files land next to the program (function-call mode)", "[sandbox]") {
  RunRequest req;
  req.program =
      "import os, sys, json\nsys.path.insert(0, os.getcwd())\nimport solution\n"
      "args = json.loads(sys.stdin.read())\nprint(json.dumps(solution.add(*args)))\n";
  req.files = {{"solution.py", "def add(a, b):\n    return a + b\n"}};
  req.stdin_data = "[2, 40]";
  req.limits.cpu_s = 1;
  auto r = box().run(req);
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data == "42\n");
  req.files = {{"../evil.py", "x"}};
  CHECK(box().run(req).verdict == Verdict::kSandboxError);
}

TEST_CASE("sandbox: verdict classification", "[sandbox]") {
  using trafl::sandbox::detail::classify;
  using trafl::sandbox::detail::Observation;
  RunResult r;
  Observation o;
  o.namespaces = true;
  o.child_started = false;
  o.wait_status = 1 << 8;  // bwrap exit 1 before starting the program
  r.stderr_data = "bwrap: Can't find source path /x: Permission denied\n";
  classify(o, r);
  CHECK(r.verdict == Verdict::kSandboxError);
  CHECK(r.detail.find("Can't find source path") != std::string::npos);

  o.child_started = true;
  o.wait_status = (128 + SIGXCPU) << 8;
  r = RunResult{};
  classify(o, r);
  CHECK(r.verdict == Verdict::kTimeout);
  CHECK(r.signal == SIGXCPU);

  o.wait_status = (128 + SIGSEGV) << 8;
  r = RunResult{};
  classify(o, r);
  CHECK(r.verdict == Verdict::kRuntimeError);
  CHECK(r.signal == SIGSEGV);

  o.wait_status = 0;
  o.oom_kills = 2;
  r = RunResult{};
  classify(o, r);
  CHECK(r.verdict == Verdict::kMemoryExceeded);

  o.wall_hit = true;  // the survivors of an OOM kill then hung
  r = RunResult{};
  classify(o, r);
  CHECK(r.verdict == Verdict::kMemoryExceeded);
  o.wall_hit = false;

  // MemoryError: only a trusted driver's exit code says so; stderr text is the program's to write.
  o.oom_kills = 0;
  o.wait_status = 1 << 8;
  r = RunResult{};
  r.stderr_data = "Traceback...\nMemoryError\n";
  classify(o, r);
  CHECK(r.verdict == Verdict::kRuntimeError);
  o.wait_status = 0;
  r = RunResult{};
  r.stderr_data = "MemoryError: x\n";
  classify(o, r);
  CHECK(r.verdict == Verdict::kPassed);
  o.memory_error_exit = 86;
  o.wait_status = 86 << 8;
  r = RunResult{};
  classify(o, r);
  CHECK(r.verdict == Verdict::kMemoryExceeded);
  o.memory_error_exit = -1;
  r = RunResult{};
  classify(o, r);
  CHECK(r.verdict == Verdict::kRuntimeError);

  o.stdout_cap_hit = true;
  o.wall_hit = true;
  r = RunResult{};
  classify(o, r);
  CHECK(r.verdict == Verdict::kOutputLimit);  // first match wins
  o.launch_error = "sandbox set-up failed at setresuid: EAGAIN";
  classify(o, r);
  CHECK(r.verdict == Verdict::kSandboxError);
  CHECK(std::string(to_string(Verdict::kWrongAnswer)) == "wrong_answer");
  CHECK(parse_tier("T3") == Tier::kDegraded);
}

TEST_CASE("sandbox: the pool runs programs on every slot, results in order", "[sandbox]") {
  Pool pool(box());
  CHECK(pool.workers() == box().slots());
  std::vector<RunRequest> reqs(8);
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    reqs[i].program = "import sys\nprint(int(sys.stdin.read()) * 2)\n";
    reqs[i].stdin_data = std::to_string(i);
    reqs[i].limits.cpu_s = 2;
  }
  std::atomic<int> done{0};
  auto results = pool.run_all(reqs, [&](std::size_t, const RunResult&) { ++done; });
  REQUIRE(results.size() == reqs.size());
  CHECK(done == 8);
  for (std::size_t i = 0; i < results.size(); ++i) {
    INFO(describe(results[i]));
    CHECK(results[i].verdict == Verdict::kPassed);
    CHECK(results[i].stdout_data == std::to_string(2 * i) + "\n");
  }
  auto fut = pool.submit(reqs[3]);
  CHECK(fut.get().stdout_data == "6\n");
}

TEST_CASE("sandbox: refuses to run unsandboxed without the explicit flag", "[sandbox]") {
  Options o;
  o.workers = 1;
  o.force_tier = Tier::kUnsandboxed;
  o.log = [](const std::string&) {};
  CHECK_THROWS_WITH(Sandbox(o), Catch::Contains("--allow-unsandboxed"));
  o.allow_unsandboxed = true;
  Sandbox unsafe(o);
  auto r = run(unsafe, "print(6 * 7)\n");
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data == "42\n");
  CHECK(r.tier == Tier::kUnsandboxed);
  CHECK(r.detail.find("UNSANDBOXED") != std::string::npos);
}

TEST_CASE("sandbox: exec command prints verdict, limits and output", "[sandbox]") {
  trafl::test::TempDir dir;
  trafl::test::write_file(dir.file("prog.py"), "import sys\nprint('got', sys.stdin.read().strip())\n");
  trafl::test::write_file(dir.file("in.txt"), "abc\n");
  auto res = trafl::test::run_cli("exec '" + dir.file("prog.py") + "' --stdin '" + dir.file("in.txt") +
                                  "' --timeout 2 --memory 256 --json");
  if (res.out.find("exec") != std::string::npos && res.out.find("verdict") == std::string::npos && res.exit_code != 0) {
    std::cout << "SKIPPED exec command test because `exec` is not registered in cli/main.cpp yet: " << res.out << "\n";
    return;
  }
  INFO(res.out);
  CHECK(res.exit_code == 0);
  CHECK(res.out.find("\"verdict\": \"passed\"") != std::string::npos);
  CHECK(res.out.find("got abc") != std::string::npos);
  trafl::test::write_file(dir.file("loop.py"), "while True: pass\n");
  res = trafl::test::run_cli("exec '" + dir.file("loop.py") + "' --timeout 0.5");
  INFO(res.out);
  CHECK(res.out.find("verdict     timeout") != std::string::npos);
  CHECK(res.out.find("limits      cpu 0.50 s") != std::string::npos);
}

TEST_CASE("sandbox: a forced tier 2 runs outside the cgroup of the probe's tier-1 trial", "[sandbox][tier2]") {
  if (!has_namespaces(box(), "the forced tier-2 test")) return;
  if (!box().report().cgroup_memory) {
    std::cout << "SKIPPED forced tier-2 cgroup test because there are no cgroups to leak\n";
    return;
  }
  Options o;
  o.workers = 1;
  o.force_tier = Tier::kNamespaces;
  o.log = [](const std::string&) {};
  Sandbox t2(o);
  REQUIRE(t2.tier() == Tier::kNamespaces);
  // 400 MB under a 1024 MB limit: the probe ran its trial with a 256 MB cgroup, which must not apply.
  auto r =
      run(t2, "x = bytearray(400 << 20)\nfor i in range(0, len(x), 4096):\n    x[i] = 1\nprint('ok')\n", "", 5.0, 1024);
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data == "ok\n");
}

TEST_CASE("sandbox: every limit is validated in one place -- nan, negatives, overflows are refused by name",
          "[sandbox][limits]") {
  using trafl::sandbox::limits_from_flags;
  using trafl::sandbox::limits_problem;
  const trafl::sandbox::LimitNames names{"--timeout", "--wall", "--memory", "--output-kb"};
  auto refused = [&](trafl::sandbox::LimitFlags f, const char* flag) {
    try {
      limits_from_flags(f, names);
    } catch (const trafl::UsageError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(flag) != std::string::npos);
      return true;
    }
    return false;
  };
  CHECK(refused({std::nan(""), {}, {}, {}}, "--timeout"));
  CHECK(refused({-1.0, {}, {}, {}}, "--timeout"));
  CHECK(refused({1e300, {}, {}, {}}, "--timeout"));
  CHECK(refused({{}, std::nan(""), {}, {}}, "--wall"));
  CHECK(refused({{}, -2.0, {}, {}}, "--wall"));
  CHECK(refused({{}, {}, std::size_t{17592186044432}, {}}, "--memory"));  // (x << 20) wrapped to 16 MB
  CHECK(refused({{}, {}, std::size_t{15}, {}}, "--memory"));
  CHECK(refused({{}, {}, {}, std::size_t{18014398509481985}}, "--output-kb"));  // (x << 10) wrapped to 1 KiB
  CHECK(refused({{}, {}, {}, std::size_t{0}}, "--output-kb"));
  auto ok = limits_from_flags({2.5, 0.0, std::size_t{64}, std::size_t{8}}, names);
  CHECK(ok.cpu_s == 2.5);
  CHECK(ok.memory_mb == 64);
  CHECK(ok.stdout_cap == 8192);
  // Sandbox::run refuses bad Limits from any caller as a sandbox_error, without running anything.
  RunRequest req;
  req.program = "print(1)\n";
  req.limits.cpu_s = std::nan("");
  auto r = box().run(req);
  CHECK(r.verdict == Verdict::kSandboxError);
  CHECK(r.detail.find("invalid limits") != std::string::npos);
  Limits fine;
  CHECK(limits_problem(fine).empty());
}

TEST_CASE("exec, grade and sample refuse bad limits with a clear message (CLI)", "[sandbox][limits]") {
  trafl::test::TempDir dir;
  trafl::test::write_file(dir.file("prog.py"), "import time\ntime.sleep(30)\n");
  auto q = [](const std::string& s) { return "'" + s + "'"; };
  for (const auto& [args, flag] :
       std::vector<std::pair<std::string, std::string>>{{"--timeout nan", "--timeout"},
                                                        {"--timeout -1", "--timeout"},
                                                        {"--memory 17592186044432", "--memory"},
                                                        {"--output-kb 18014398509481985", "--output-kb"},
                                                        {"--memory 1", "--memory"}}) {
    auto t0 = std::chrono::steady_clock::now();
    auto res = trafl::test::run_cli("exec " + q(dir.file("prog.py")) + " " + args);
    INFO(args << ": " << res.out);
    CHECK(res.exit_code != 0);
    CHECK(res.out.find(flag) != std::string::npos);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));  // refused, not run
  }
  trafl::test::write_file(dir.file("mbpp.jsonl"), trafl::test::mbpp_square_line());
  trafl::test::write_file(dir.file("ms.jsonl"), R"({"task_id": 11, "completion": "def sq(x):\n    return x*x\n"})"
                                                "\n");
  for (const auto& [args, flag] :
       std::vector<std::pair<std::string, std::string>>{{"--memory 1", "--memory"},
                                                        {"--test-timeout -1", "--test-timeout"},
                                                        {"--test-timeout nan", "--test-timeout"}}) {
    auto res = trafl::test::run_cli("grade -q --task mbpp --data " + q(dir.file("mbpp.jsonl")) + " --samples " +
                                    q(dir.file("ms.jsonl")) + " --db " + q(dir.file("runs.db")) + " " + args);
    INFO(args << ": " << res.out);
    CHECK(res.exit_code != 0);
    CHECK(res.out.find(flag) != std::string::npos);
  }
}
