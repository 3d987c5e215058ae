// perf_sandbox: sandbox overhead and pool throughput.
//   ninja perf_sandbox && ./perf_sandbox [runs=60] [pool_jobs=120] [python]
// 1. Per-test overhead: a trivial program (`pass`) run bare (the resolved interpreter, -S -I -B, via
//    posix_spawn) and through Sandbox::run, alternating, in the same process: mean/median and the
//    ratio (goal <= 2.5x).
// 2. Pool throughput: pool_jobs runs of `pass` and of a ~40 ms CPU-bound program through Pool with the
//    default slots (cores + 1, sandbox::default_slots) and with one worker per core, in tests/s, against
//    bare parallel spawning; "busy" = CPU of the runner and all reaped process trees
//    (RUSAGE_SELF + RUSAGE_CHILDREN) / (wall x cores) (goal >= 90%).
// 3. One LiveCodeBench stdin test through the real harness (driver + LCB's import_string), with the
//    prelude run eagerly (as LCB does) and bound lazily (the default), alternating: ms per test.
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "codegrade/harness.hpp"
#include "sandbox/sandbox.hpp"

extern char** environ;

using namespace trafl::sandbox;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

void bare_run(const std::string& python, const std::string& script) {
  std::vector<const char*> argv = {python.c_str(), "-S", "-I", "-B", script.c_str(), nullptr};
  pid_t pid;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  if (posix_spawn(&pid, python.c_str(), &fa, nullptr, const_cast<char* const*>(argv.data()), environ) == 0) {
    int st;
    waitpid(pid, &st, 0);
  }
  posix_spawn_file_actions_destroy(&fa);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}
double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}

double cpu_s(int who) {
  rusage ru{};
  getrusage(who, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 60;
  int jobs = argc > 2 ? std::atoi(argv[2]) : 120;
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  Options opts;                         // default slots (cores + 1)
  if (argc > 3) opts.python = argv[3];  // interpreter (default: python3 from PATH, resolved to the real binary)
  Sandbox box(opts);
  const std::string python = box.report().python;
  char tmpl[] = "/tmp/perf-sandbox-XXXXXX";
  int fd = mkstemp(tmpl);
  (void)!write(fd, "pass\n", 5);
  close(fd);
  const std::string script = tmpl;

  RunRequest trivial;
  trivial.program = "pass\n";
  trivial.limits.cpu_s = 5;
  trivial.limits.memory_mb = 256;
  for (int i = 0; i < 5; ++i) {  // warm-up
    bare_run(python, script);
    box.run(trivial);
  }
  std::vector<double> bare, sbx;
  int failures = 0;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    bare_run(python, script);
    bare.push_back(ms_since(t0));
    t0 = Clock::now();
    auto r = box.run(trivial);
    sbx.push_back(ms_since(t0));
    failures += r.verdict != Verdict::kPassed;
  }
  std::printf("tier: %s, cores: %u, load average at start: ", to_string(box.tier()), cores);
  {
    std::ifstream la("/proc/loadavg");
    std::string l;
    std::getline(la, l);
    std::printf("%s\n", l.c_str());
  }
  std::printf("sequential, %d runs each (python -S -I -B, `pass`):\n", runs);
  std::printf("  bare     mean %7.2f ms  median %7.2f ms\n", mean(bare), median(bare));
  std::printf("  sandbox  mean %7.2f ms  median %7.2f ms  (%d failures)\n", mean(sbx), median(sbx), failures);
  std::printf("  overhead ratio: mean %.2fx, median %.2fx (goal <= 2.5x)\n", mean(sbx) / mean(bare),
              median(sbx) / median(bare));

  auto pool_bench = [&](const char* name, const std::string& program, double bare_ms_per_run, unsigned workers) {
    std::vector<RunRequest> reqs(static_cast<std::size_t>(jobs));
    for (auto& r : reqs) {
      r.program = program;
      r.limits.cpu_s = 5;
      r.limits.memory_mb = 256;
    }
    Pool pool(box, workers);
    double self0 = cpu_s(RUSAGE_SELF), kids0 = cpu_s(RUSAGE_CHILDREN);
    auto t0 = Clock::now();
    auto results = pool.run_all(reqs);
    double wall = ms_since(t0) / 1000.0;
    double used = cpu_s(RUSAGE_SELF) - self0 + cpu_s(RUSAGE_CHILDREN) - kids0;
    double run_cpu = 0;
    int bad = 0;
    for (auto& r : results) {
      run_cpu += r.cpu_ms / 1000.0;
      bad += r.verdict != Verdict::kPassed;
    }
    std::printf(
        "pool (%u workers), %d x %s: %.1f tests/s, busy %.0f%% (%.2f s CPU of runner + reaped trees, of which "
        "programs %.2f s, over %.2f s x %u cores), %d failures; bare ideal %.1f tests/s\n",
        pool.workers(), jobs, name, jobs / wall, 100.0 * used / (wall * cores), used, run_cpu, wall, cores, bad,
        cores * 1000.0 / bare_ms_per_run);
  };
  // Bare parallel spawning of `pass` for the same number of cores.
  {
    std::atomic<int> next{0};
    auto t0 = Clock::now();
    std::vector<std::thread> ts;
    for (unsigned c = 0; c < cores; ++c)
      ts.emplace_back([&] {
        while (next.fetch_add(1) < jobs) bare_run(python, script);
      });
    for (auto& t : ts) t.join();
    std::printf("bare parallel (%u threads), %d x pass: %.1f runs/s\n", cores, jobs, jobs / (ms_since(t0) / 1000.0));
  }
  {
    std::vector<trafl::codegrade::TestCase> tests = {{"12\n", "24\n", "stdin"}};
    const std::string code = "n = int(input())\nprint(n * 2)\n";
    trafl::codegrade::HarnessLimits eager, lazy;
    eager.lazy_prelude = false;
    std::vector<double> te, tl;
    int wrong = 0;
    for (int i = 0; i < runs / 2 + 2; ++i) {
      for (auto* l : {&eager, &lazy}) {
        auto t0 = Clock::now();
        auto r = trafl::codegrade::run_stdin_tests(box, code, tests, trafl::codegrade::Compare::kLcb, *l);
        (l == &eager ? te : tl).push_back(ms_since(t0));
        wrong += !r.correct;
      }
    }
    te.erase(te.begin(), te.begin() + 2);  // the first lazy call probes the name table
    tl.erase(tl.begin(), tl.begin() + 2);
    std::printf(
        "LCB stdin test through the harness, %zu each: eager prelude median %.1f ms, lazy prelude median %.1f ms "
        "(%.2fx faster), %d not passed\n",
        te.size(), median(te), median(tl), median(te) / median(tl), wrong);
  }
  const std::string cpu40 = "s = 0\nfor i in range(1200000):\n    s += i\n";
  for (unsigned workers : {box.slots(), cores}) {  // the default, then one per core
    pool_bench("pass", "pass\n", median(bare), workers);
    pool_bench("~40 ms CPU", cpu40, median(bare) + 40, workers);
  }
  unlink(script.c_str());
  return 0;
}
