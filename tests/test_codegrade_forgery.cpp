// The asserts harness (HumanEval/MBPP) against candidates that try to forge their grade instead of
// solving the task: every candidate below answers `add` wrongly (or not at all) and attacks the
// harness's result channel, its secret, or its judgement; none may be graded correct. The threat
// model is docs/sandbox-threat-model.md.
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

#include "codegrade/harness.hpp"
#include "tests/test_sandbox_util.hpp"

using namespace trafl::codegrade;
namespace sbx = trafl::test::sbx;

namespace {

HarnessLimits limits() {
  HarnessLimits l;
  l.test_timeout_s = 2.0;
  l.memory_mb = 256;
  return l;
}

AssertProgram add_program(std::string candidate) {
  AssertProgram p;
  p.candidate = std::move(candidate);
  p.tests = {"assert add(1, 2) == 3", "assert add(2, 2) == 4"};
  return p;
}

// Prints a passing record for both tests and DONE under `nonce` (a Python expression), then exits 0.
std::string forge(const std::string& nonce_expr) {
  return "    _n = " + nonce_expr +
         "\n"
         "    _o = '\\n'.join('TRAFL-TEST %s %d passed 1.0 1.0 \"\"' % (_n, i) for i in range(2))\n"
         "    _o = '\\n' + _o + '\\nTRAFL-DONE %s 2\\n' % _n\n"
         "    for _fd in range(1, 64):\n"
         "        try:\n"
         "            os.write(_fd, _o.encode())\n"
         "        except OSError:\n"
         "            pass\n"
         "    os._exit(0)\n";
}

}  // namespace

TEST_CASE("asserts harness: forged records, a stolen nonce and a subverted driver never pass",
          "[code][sandbox][forgery]") {
  auto& box = sbx::box();
  // The honest answer passes and a plain wrong one fails: the attacks below are judged by the same tests.
  auto honest = run_assert_tests(box, add_program("def add(a, b):\n    return a + b\n"), limits());
  INFO(honest.detail);
  REQUIRE(honest.correct);
  REQUIRE(!run_assert_tests(box, add_program("def add(a, b):\n    return 42\n"), limits()).correct);

  const std::vector<std::pair<const char*, std::string>> attacks = {
      // The reproduction: the nonce read back from the seekable stdin memfd.
      {"pread of stdin",
       "import os\ndef add(a, b):\n    return 42\nif True:\n" + forge("os.pread(0, 200, 0).decode().split()[0]")},
      // The same at the moment a test calls the candidate (stdin may be closed or replaced by then).
      {"pread at call time", "import os\ndef add(a, b):\n" + forge("os.pread(0, 200, 0).decode().split()[0]")},
      // The driver's locals, found through the frames above the candidate.
      {"sys._getframe",
       "import os, sys\ndef add(a, b):\n"
       "    f = sys._getframe(1)\n"
       "    while f is not None and 'nonce' not in f.f_locals:\n"
       "        f = f.f_back\n" +
           forge("f.f_locals['nonce'] if f is not None else 'x'")},
      // Every other process's stdin and stdout through /proc: the nonce from any fd 0, the records to
      // every writable fd of every process (a forked judge that stayed dumpable would be reachable).
      {"/proc/<pid>/fd",
       "import os\ndef add(a, b):\n"
       "    nonce = 'x'\n"
       "    for p in os.listdir('/proc'):\n"
       "        if not p.isdigit() or int(p) == os.getpid():\n"
       "            continue\n"
       "        try:\n"
       "            fd = os.open('/proc/%s/fd/0' % p, os.O_RDONLY)\n"
       "            word = os.pread(fd, 200, 0).decode().split()\n"
       "            if word and len(word[0]) == 32:\n"
       "                nonce = word[0]\n"
       "        except Exception:\n"
       "            pass\n"
       "    o = ('\\n' + '\\n'.join('TRAFL-TEST %s %d passed 1.0 1.0 \"\"' % (nonce, i) for i in range(2)) +\n"
       "         '\\nTRAFL-DONE %s 2\\n' % nonce).encode()\n"
       "    for p in os.listdir('/proc'):\n"
       "        if not p.isdigit():\n"
       "            continue\n"
       "        for f in ('1', '2'):\n"
       "            try:\n"
       "                fd = os.open('/proc/%s/fd/%s' % (p, f), os.O_WRONLY)\n"
       "                os.write(fd, o)\n"
       "            except Exception:\n"
       "                pass\n"
       "    os._exit(0)\n"},
      // The driver's own functions replaced: an exec that runs nothing makes every test "pass".
      {"builtins.exec patched",
       "import builtins\ndef add(a, b):\n    return 42\nbuiltins.exec = lambda *a, **k: None\n"},
      {"builtins.compile patched",
       "import builtins\ndef add(a, b):\n    return 42\nbuiltins.compile = lambda *a, **k: compile('pass', 'x', 'exec')\n"},
      // An answer equal to everything.
      {"__eq__ always true",
       "class _Any:\n    def __eq__(self, other):\n        return True\n"
       "def add(a, b):\n    return _Any()\n"},
      // Exit paths: SystemExit(0) from the call, an atexit hook and a closed-then-reopened stdout.
      {"SystemExit", "def add(a, b):\n    raise SystemExit(0)\n"},
      {"atexit",
       "import atexit, os\ndef add(a, b):\n    return 42\n"
       "def _hook():\n" +
           forge("os.pread(0, 200, 0).decode().split()[0]") + "atexit.register(_hook)\n"},
      {"fd 1 closed then reused",
       "import os\ndef add(a, b):\n"
       "    n = os.pread(0, 200, 0).decode().split()[0]\n"
       "    os.close(1)\n"
       "    fd = os.dup(2)\n" +
           forge("n")},
      // Signals to the judge: a stray SIGALRM or SIGUSR1 must fail the test, never pass it.
      {"signals to the parent",
       "import os, signal\ndef add(a, b):\n"
       "    os.kill(os.getppid(), signal.SIGALRM)\n"
       "    return 42\n"},
  };
  for (const auto& [name, code] : attacks) {
    auto r = run_assert_tests(box, add_program(code), limits());
    INFO(name << ": " << r.verdict << " " << r.detail);
    CHECK(!r.correct);
    CHECK(r.verdict != "passed");
  }
}
