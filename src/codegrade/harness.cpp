#include "codegrade/harness.hpp"

#include "codegrade/assert_driver.hpp"
#include "sandbox/limits.hpp"

#include "core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>

namespace trafl::codegrade {

namespace sb = trafl::sandbox;

namespace {

// LiveCodeBench's import_string (lcb_runner/evaluation/testing_util.py), run before the candidate.
const char* kLcbPrelude =
    "from string import *\nfrom re import *\nfrom datetime import *\nfrom collections import *\n"
    "from heapq import *\nfrom bisect import *\nfrom copy import *\nfrom math import *\nfrom random import *\n"
    "from statistics import *\nfrom itertools import *\nfrom functools import *\nfrom operator import *\n"
    "from io import *\nfrom sys import *\nfrom json import *\nfrom builtins import *\nfrom typing import *\n"
    "import string\nimport re\nimport datetime\nimport collections\nimport heapq\nimport bisect\nimport copy\n"
    "import math\nimport random\nimport statistics\nimport itertools\nimport functools\nimport operator\n"
    "import io\nimport sys\nimport json\nsys.setrecursionlimit(50000)\n";

// Common driver head: restores what -S removes (exit/quit), LCB's int-str limit, reads files.
const char* kDriverHead = R"PY(import sys, os, builtins
builtins.exit = builtins.quit = sys.exit
try:
    sys.set_int_max_str_digits(50000)
except AttributeError:
    pass
def _guard(main):
    # A MemoryError that reaches the driver ends the run with exit code 86 (kMemoryErrorExit), the
    # sandbox's sign of memory_exceeded for a driver: the verdict never comes from stderr text.
    try:
        main()
    except MemoryError:
        os._exit(86)
def _read(name):
    with open(os.path.join(os.getcwd(), name), encoding='utf-8') as f:
        return f.read()
def _globals(name):
    # The candidate's globals with LCB's import_string in effect. prelude_names.txt (lines
    # "module name name ...", module "=" for `import name`) binds the same names to the same values
    # lazily: a builtins dict whose __missing__ imports a module on first use. Else prelude.py runs.
    g = {'__name__': name, '__builtins__': builtins}
    lazy = _read('prelude_names.txt')
    if lazy:
        where = {}
        for line in lazy.split('\n'):
            mod, _, names = line.partition(' ')
            for n in names.split():
                where[n] = mod
        class _Prelude(dict):
            __slots__ = ()
            def __missing__(self, key):
                mod = where.get(key)
                if mod is None:
                    raise KeyError(key)
                value = __import__(key) if mod == '=' else getattr(__import__(mod), key)
                self[key] = value
                return value
        sys.setrecursionlimit(50000)
        g['__builtins__'] = _Prelude(builtins.__dict__)
        return g
    pre = _read('prelude.py')
    if pre:
        exec(compile(pre, 'prelude.py', 'exec'), g)
    return g
)PY";

// Run once per interpreter (in the sandbox): which module each name of LCB's import_string comes
// from, checked value by value against the eager prelude. Prints "OK" then the name lines.
const char* kPreludeNamesProbe = R"PY(import builtins, sys
STAR = ['string', 're', 'datetime', 'collections', 'heapq', 'bisect', 'copy', 'math', 'random', 'statistics',
        'itertools', 'functools', 'operator', 'io', 'sys', 'json', 'builtins', 'typing']
PLAIN = ['string', 're', 'datetime', 'collections', 'heapq', 'bisect', 'copy', 'math', 'random', 'statistics',
         'itertools', 'functools', 'operator', 'io', 'sys', 'json']
g = {'__name__': 'probe', '__builtins__': builtins}
with open('prelude.py', encoding='utf-8') as f:
    exec(compile(f.read(), 'prelude.py', 'exec'), g)
where = {}
for m in STAR:
    mod = __import__(m)
    names = getattr(mod, '__all__', None)
    if names is None:
        names = [n for n in dir(mod) if not n.startswith('_')]
    for n in names:
        where[n] = m
for m in PLAIN:
    where[m] = '='
missing = object()
by_mod = {}
for n, m in where.items():
    if m == 'builtins':
        continue
    v = __import__(n) if m == '=' else getattr(__import__(m), n, missing)
    if g.get(n, missing) is not v:
        print('MISMATCH', n, m)
        sys.exit(0)
    by_mod.setdefault(m, []).append(n)
for n, v in g.items():
    if not n.startswith('__') and where.get(n, 'builtins') == 'builtins' and getattr(builtins, n, missing) is not v:
        print('UNCOVERED', n)
        sys.exit(0)
print('OK')
for m, ns in by_mod.items():
    print(m, ' '.join(ns))
)PY";

// stdin mode: the candidate is __main__; SystemExit counts as the end of the program (as in LCB).
const char* kStdinDriver = R"PY(
def _main():
    g = _globals('__main__')
    code = compile(_read('solution.py'), 'solution.py', 'exec')
    try:
        exec(code, g)
    except SystemExit:
        pass
    sys.stdout.flush()
_guard(_main)
)PY";

// functional mode: first stdin line = nonce, rest = one JSON argument per line.
const char* kFunctionalDriver = R"PY(
import json
def _main():
    nonce = sys.stdin.readline().strip()
    raw = sys.stdin.read()
    sys.stdin = open(os.devnull)
    out = sys.stdout
    fn = _read('fn_name.txt')
    args = [json.loads(line) for line in raw.split('\n')]
    src = _read('solution.py')
    g = _globals('tmp_sol')
    exec(compile(src, 'solution.py', 'exec'), g)
    obj = g['Solution']() if 'class Solution' in src else None
    if obj is not None:
        method = getattr(obj, fn)
    elif fn in g:
        method = g[fn]
    else:  # a prelude or builtin name, as the eager star-imports would have bound it
        b = g['__builtins__']
        method = b[fn] if isinstance(b, dict) else getattr(b, fn)
    result = method(*args)
    if isinstance(result, tuple):
        result = list(result)
    def enc(x):
        if x is None or isinstance(x, (bool, str)):
            return x
        if isinstance(x, int):
            return int(x)
        if isinstance(x, float):
            if x != x or x in (float('inf'), float('-inf')):
                return {'__py__': 'float', 'repr': repr(x)}
            return float(x)
        if type(x) is list:
            return [enc(v) for v in x]
        if type(x) is dict and all(type(k) is str for k in x):
            return {k: enc(v) for k, v in x.items()}
        return {'__py__': type(x).__name__, 'repr': repr(x)[:200]}
    payload = json.dumps(enc(result), ensure_ascii=True)
    out.write('\nTRAFL-RESULT ' + nonce + ' ' + payload + '\n')
    out.flush()
_guard(_main)
)PY";

constexpr int kMemoryErrorExit = 86;  // _guard's exit code for a MemoryError (RunRequest::memory_error_exit)

std::string make_nonce() {
  static thread_local std::mt19937_64 rng([] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^
           static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }());
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

// The lazy prelude's name table for the sandbox's interpreter, probed once per interpreter; ""
// when the probe disagrees with the eager prelude (then the eager prelude runs, as in LCB).
std::string prelude_names(sb::Sandbox& box) {
  static std::mutex mu;
  static std::map<std::string, std::string> by_python;
  std::lock_guard<std::mutex> lock(mu);
  auto it = by_python.find(box.report().python);
  if (it != by_python.end()) return it->second;
  sb::RunRequest req;
  req.program = kPreludeNamesProbe;
  req.files = {{"prelude.py", kLcbPrelude}};
  req.limits.cpu_s = 20;
  sb::RunResult r = box.run(req);
  std::string names;
  if (r.verdict == sb::Verdict::kPassed && r.stdout_data.rfind("OK\n", 0) == 0) {
    names = r.stdout_data.substr(3);
  } else if (r.verdict != sb::Verdict::kSandboxError) {
    std::cerr << "codegrade: lazy LCB prelude unavailable, running it eagerly ("
              << (r.verdict == sb::Verdict::kPassed ? r.stdout_data.substr(0, 200) : r.detail) << ")\n";
  } else {
    return "";  // not cached: the sandbox itself failed, the next call probes again
  }
  by_python[box.report().python] = names;
  return names;
}

std::vector<std::pair<std::string, std::string>> prelude_files(sb::Sandbox& box, const HarnessLimits& limits) {
  std::string lazy = limits.lcb_prelude && limits.lazy_prelude ? prelude_names(box) : "";
  return {{"prelude_names.txt", lazy}, {"prelude.py", limits.lcb_prelude && lazy.empty() ? kLcbPrelude : ""}};
}

sb::Limits test_limits(const HarnessLimits& h, double cpu_s) {
  sb::Limits l;
  l.cpu_s = cpu_s;
  l.wall_s = cpu_s * 2 + 1;
  l.memory_mb = h.memory_mb;
  return l;
}

TestRecord from_run(std::size_t index, const sb::RunResult& r) {
  TestRecord t;
  t.index = index;
  t.verdict = sb::to_string(r.verdict);
  t.wall_ms = r.wall_ms;
  t.cpu_ms = r.cpu_ms;
  t.peak_mem_kb = r.peak_mem_kb;
  if (r.verdict != sb::Verdict::kPassed) {
    t.detail = r.detail;
    std::string tail = r.stderr_tail(3);
    if (!tail.empty()) t.detail += " | " + tail.substr(0, 600);
  }
  return t;
}

// Adds one test to the result; returns false when the run should stop.
bool add(CodeResult& res, TestRecord t, const HarnessLimits& limits) {
  bool ok = t.verdict == "passed";
  if (!ok && res.verdict == "passed") {
    res.verdict = t.verdict;
    res.detail = fmt::format("test {}: {}", t.index, t.detail);
  }
  res.tests.push_back(std::move(t));
  return ok || !limits.stop_at_first_failure;
}

void finish(CodeResult& res) {
  res.correct = res.verdict == "passed" && res.tests.size() == res.total_tests;
  if (res.verdict == "passed" && !res.correct) {
    res.verdict = "runtime_error";
    res.detail = "not every test ran";
  }
}

// The per-sample budget of LCB: (t+1)·n+5 seconds of wall time over all tests.
struct Budget {
  double left_ms;
  Budget(const HarnessLimits& l, std::size_t n)
      : left_ms(((l.test_timeout_s + 1) * static_cast<double>(n) + 5) * 1000) {}
};

// The loop both per-test harnesses share: LCB's per-sample budget, one sandbox run per test,
// the harness's own judgement of a run that exited cleanly, and stop at the first failure.
// make_request(test) → RunRequest; judge(test, run, record) may turn the record into a failure.
template <class MakeRequest, class Judge>
CodeResult run_each_test(sb::Sandbox& box, const std::vector<TestCase>& tests, const HarnessLimits& limits,
                         MakeRequest make_request, Judge judge) {
  CodeResult res;
  res.total_tests = tests.size();
  res.tier = sb::to_string(box.tier());
  Budget budget(limits, tests.size());
  for (std::size_t i = 0; i < tests.size(); ++i) {
    if (budget.left_ms <= 0) {
      res.budget_exceeded = true;
      add(res, TestRecord{i, "timeout", 0, 0, 0, "per-sample time budget exhausted"}, limits);
      break;
    }
    sb::RunResult r = box.run(make_request(tests[i]));
    budget.left_ms -= r.wall_ms;
    TestRecord t = from_run(i, r);
    if (r.verdict == sb::Verdict::kPassed) judge(tests[i], r, t);
    if (!add(res, std::move(t), limits)) break;
  }
  finish(res);
  return res;
}

}  // namespace

CodeResult run_stdin_tests(sb::Sandbox& box, const std::string& code, const std::vector<TestCase>& tests, Compare mode,
                           const HarnessLimits& limits) {
  auto make_request = [&](const TestCase& test) {
    sb::RunRequest req;
    req.program = std::string(kDriverHead) + kStdinDriver;
    req.files = prelude_files(box, limits);
    req.files.emplace_back("solution.py", code);
    req.stdin_data = test.input;
    req.memory_error_exit = kMemoryErrorExit;
    req.limits = test_limits(limits, limits.test_timeout_s);
    // Expected outputs can be large (LCB has outputs of many MB): never cap below twice their size.
    req.limits.stdout_cap = std::max(req.limits.stdout_cap, test.output.size() * 2 + (1u << 20));
    return req;
  };
  auto judge = [&](const TestCase& test, const sb::RunResult& r, TestRecord& t) {
    std::string why;
    if (!stdout_matches(r.stdout_data, test.output, mode, &why)) {
      t.verdict = "wrong_answer";
      t.detail = why;
    }
  };
  return run_each_test(box, tests, limits, make_request, judge);
}

CodeResult run_functional_tests(sb::Sandbox& box, const std::string& code, const std::string& fn_name,
                                const std::vector<TestCase>& tests, Compare mode, const HarnessLimits& limits) {
  std::string nonce;  // fresh per test: set by make_request, read by judge
  auto make_request = [&](const TestCase& test) {
    nonce = make_nonce();
    sb::RunRequest req;
    req.program = std::string(kDriverHead) + kFunctionalDriver;
    req.files = prelude_files(box, limits);
    req.files.emplace_back("solution.py", code);
    req.files.emplace_back("fn_name.txt", fn_name);
    req.stdin_data = nonce + "\n" + test.input;
    req.memory_error_exit = kMemoryErrorExit;
    req.limits = test_limits(limits, limits.test_timeout_s);
    req.limits.stdout_cap = std::max(req.limits.stdout_cap, test.output.size() * 4 + (1u << 20));
    return req;
  };
  auto judge = [&](const TestCase& test, const sb::RunResult& r, TestRecord& t) {
    std::string tag = "\nTRAFL-RESULT " + nonce + " ";
    auto pos = r.stdout_data.rfind(tag);
    if (pos == std::string::npos) {
      t.verdict = "runtime_error";
      t.detail = "no harness result record: the program exited before the harness reported";
      return;
    }
    auto start = pos + tag.size();
    auto end = r.stdout_data.find('\n', start);
    // Parsed as json.loads would: integers beyond 64 bits stay exact (LCB compares with Python's ==).
    auto got = parse_py_json(
        std::string_view(r.stdout_data).substr(start, end == std::string::npos ? std::string::npos : end - start));
    auto expected = parse_py_json(test.output);
    if (got.is_discarded()) {
      t.verdict = "runtime_error";
      t.detail = "malformed harness result record";
    } else if (expected.is_discarded()) {
      t.verdict = "sandbox_error";
      t.detail = "expected output is not JSON (bad test data)";
    } else if (!py_equal(got, expected, mode)) {
      t.verdict = "wrong_answer";
      std::string g = py_json_text(got), e = py_json_text(expected);
      t.detail = fmt::format("got {} expected {}", g.substr(0, 200), e.substr(0, 200));
    }
  };
  return run_each_test(box, tests, limits, make_request, judge);
}

CodeResult run_assert_tests(sb::Sandbox& box, const AssertProgram& p, const HarnessLimits& limits) {
  CodeResult res;
  res.total_tests = p.tests.size();
  res.tier = sb::to_string(box.tier());
  std::string nonce = make_nonce();
  nlohmann::json spec = {
      {"tests", p.tests}, {"timeout", limits.test_timeout_s}, {"stop", limits.stop_at_first_failure}};
  sb::RunRequest req;
  req.program = std::string(kDriverHead) + assert_driver_source();
  req.memory_error_exit = kMemoryErrorExit;
  req.files = {{"solution.py", p.candidate},
               {"prelude.py", p.prelude},
               {"setup.py", p.setup},
               {"tests.json", spec.dump(-1, ' ', true)}};
  req.stdin_data = nonce + "\n";
  double n = static_cast<double>(std::max<std::size_t>(1, p.tests.size()));
  req.limits = test_limits(limits, std::min((limits.test_timeout_s + 1) * n + 5, sb::LimitBounds::max_cpu_s));
  req.limits.wall_s = req.limits.cpu_s;
  sb::RunResult r = box.run(req);

  // Parse the nonce-tagged records.
  std::vector<TestRecord> recs;
  bool done = false;
  std::string load_error, setup_error;
  const std::string& out = r.stdout_data;
  std::size_t pos = 0;
  while ((pos = out.find("\nTRAFL-", pos)) != std::string::npos) {
    std::size_t start = pos + 7;
    std::size_t end = out.find('\n', start);
    std::string line = out.substr(start, end == std::string::npos ? std::string::npos : end - start);
    pos = start;
    auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    std::string kind = line.substr(0, sp);
    std::string rest = line.substr(sp + 1);
    if (rest.compare(0, nonce.size(), nonce) != 0 || rest.size() <= nonce.size() || rest[nonce.size()] != ' ') continue;
    rest = rest.substr(nonce.size() + 1);
    if (kind == "DONE") {
      done = true;
    } else if (kind == "LOAD" || kind == "SETUP") {
      auto j = nlohmann::json::parse(rest, nullptr, false);
      (kind == "LOAD" ? load_error : setup_error) = j.is_string() ? j.get<std::string>() : rest;
    } else if (kind == "TEST") {
      // index status wall cpu "why"
      std::size_t idx;
      char status[64];
      double wall, cpu;
      int consumed = 0;
      if (std::sscanf(rest.c_str(), "%zu %63s %lf %lf %n", &idx, status, &wall, &cpu, &consumed) < 4) continue;
      if (idx != recs.size()) continue;  // records must come in order, one per test
      auto why = nlohmann::json::parse(rest.substr(static_cast<std::size_t>(consumed)), nullptr, false);
      TestRecord t{idx, status, wall, cpu, r.peak_mem_kb, why.is_string() ? why.get<std::string>() : ""};
      if (t.verdict == "died") {
        // The worker ended during the test: the run says why (a cgroup OOM kill, the wall limit),
        // else it is the program's own exit or crash.
        bool run_says = r.verdict == sb::Verdict::kMemoryExceeded || r.verdict == sb::Verdict::kTimeout ||
                        r.verdict == sb::Verdict::kOutputLimit;
        t.verdict = run_says ? sb::to_string(r.verdict) : "runtime_error";
        if (run_says) t.detail += "; " + r.detail;
      }
      recs.push_back(std::move(t));
    }
  }

  if (r.verdict == sb::Verdict::kSandboxError || !setup_error.empty()) {
    add(res,
        TestRecord{0, "sandbox_error", r.wall_ms, r.cpu_ms, r.peak_mem_kb,
                   setup_error.empty() ? r.detail : "the asserts driver could not start: " + setup_error},
        limits);
  } else {
    for (auto& t : recs) {
      if (!add(res, t, limits)) break;
    }
    bool stopped = !res.tests.empty() && res.tests.back().verdict != "passed";
    if (!load_error.empty()) {
      add(res,
          TestRecord{0, "runtime_error", r.wall_ms, r.cpu_ms, r.peak_mem_kb,
                     "while loading the program: " + load_error},
          limits);
    } else if (!stopped && (!done || r.verdict != sb::Verdict::kPassed)) {
      // The process ended (killed, crashed, or exited early) before every test reported.
      TestRecord t = from_run(res.tests.size(), r);
      if (r.verdict == sb::Verdict::kPassed) {
        t.verdict = "runtime_error";
        t.detail = "the program exited before the harness reported every test";
      }
      add(res, std::move(t), limits);
    }
  }
  finish(res);
  return res;
}

Grade to_grade(const CodeResult& r, std::string extracted, std::string_view mode, nlohmann::json extra) {
  Grade g;
  g.verdict = r.verdict;
  g.correct = r.correct;
  g.extracted = std::move(extracted);
  g.mode = std::string(mode);
  nlohmann::json tests = nlohmann::json::array();
  for (const auto& t : r.tests) {
    nlohmann::json j = {{"index", t.index},
                        {"verdict", t.verdict},
                        {"wall_ms", t.wall_ms},
                        {"cpu_ms", t.cpu_ms},
                        {"peak_mem_kb", t.peak_mem_kb}};
    if (!t.detail.empty()) j["detail"] = t.detail;
    tests.push_back(std::move(j));
  }
  g.details = extra.is_object() ? extra : nlohmann::json::object();
  g.details["tests"] = std::move(tests);
  g.details["total_tests"] = r.total_tests;
  g.details["tests_run"] = r.tests.size();
  g.details["tier"] = r.tier;
  if (!r.detail.empty()) g.details["failure"] = r.detail;
  if (r.budget_exceeded) g.details["budget_exceeded"] = true;
  // Make it strictly valid UTF-8 JSON (stderr tails may hold arbitrary bytes).
  g.details = nlohmann::json::parse(g.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return g;
}

namespace {
std::mutex g_box_mutex;
sb::Sandbox* g_override = nullptr;
std::unique_ptr<sb::Sandbox> g_default;
SandboxSettings g_settings;
}  // namespace

void configure_shared_sandbox(const SandboxSettings& settings) {
  std::lock_guard<std::mutex> lock(g_box_mutex);
  if (g_default) throw UsageError("the code sandbox is already running: its settings can no longer change");
  if (!settings.tier.empty() && !sb::parse_tier(settings.tier))
    throw UsageError(fmt::format("--sandbox-tier '{}' is not 1, 2, 3 or 4", settings.tier));
  if (settings.workers > sb::kMaxSlots)
    throw UsageError(
        fmt::format("--workers {} is above the maximum of {} sandbox slots", settings.workers, sb::kMaxSlots));
  g_settings = settings;
}

sb::Sandbox& shared_sandbox() {
  std::lock_guard<std::mutex> lock(g_box_mutex);
  if (g_override) return *g_override;
  if (!g_default) {
    sb::Options o;
    if (const char* t = std::getenv("TRAFL_SANDBOX_TIER"); t && *t) {
      auto tier = sb::parse_tier(t);
      if (!tier) throw std::runtime_error(fmt::format("TRAFL_SANDBOX_TIER='{}' is not 1-4", t));
      o.force_tier = tier;
    }
    if (const char* a = std::getenv("TRAFL_ALLOW_UNSANDBOXED"); a && std::string(a) == "1") o.allow_unsandboxed = true;
    if (const char* p = std::getenv("TRAFL_PYTHON"); p && *p) o.python = p;
    if (const char* w = std::getenv("TRAFL_SANDBOX_WORKERS"); w && *w) o.workers = static_cast<unsigned>(std::atoi(w));
    if (!g_settings.tier.empty()) o.force_tier = sb::parse_tier(g_settings.tier);
    if (g_settings.allow_unsandboxed) o.allow_unsandboxed = true;
    if (g_settings.workers > 0) o.workers = g_settings.workers;
    if (!g_settings.python.empty()) o.python = g_settings.python;
    o.log = [](const std::string& line) { std::cerr << line << "\n"; };
    try {
      g_default = std::make_unique<sb::Sandbox>(o);
    } catch (const std::exception& e) {
      throw UsageError(
          fmt::format("{} (sandbox settings: grade --sandbox-tier/--allow-unsandboxed/--workers/--python, "
                      "or TRAFL_SANDBOX_TIER=1..4, TRAFL_ALLOW_UNSANDBOXED=1, TRAFL_PYTHON, TRAFL_SANDBOX_WORKERS)",
                      e.what()));
    }
  }
  return *g_default;
}

void set_shared_sandbox(sb::Sandbox* box) {
  std::lock_guard<std::mutex> lock(g_box_mutex);
  g_override = box;
}

}  // namespace trafl::codegrade

#include "codegrade/code_task.hpp"

namespace trafl::codegrade {
unsigned SandboxedGrading::grading_threads() const { return std::max(2u, shared_sandbox().slots() * 2); }
}  // namespace trafl::codegrade
