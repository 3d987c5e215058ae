// Code grading (src/codegrade): LCB test decoding (base64 → zlib → pickle), code extraction, output
// comparison (lcb vs tolerant), and the three sandbox harnesses on self-written programs, including
// programs that exit early or print fake results.
#include <catch2/catch.hpp>
#include <zlib.h>

#include <string>
#include <vector>

#include "codegrade/compare.hpp"
#include "codegrade/harness.hpp"
#include "codegrade/lcb_decode.hpp"
#include "tests/test_sandbox_util.hpp"

using namespace trafl::codegrade;
namespace sbx = trafl::test::sbx;

namespace {

// The real encoded private tests of LCB problem 1873_A (shared/data/README.md).
const char* k1873A =
    "eJxrYJmaz8gABhEZQEZ0tVJmXkFpiZKVgpJhTF5iUnJMnpKOglJ+aQlUNNI1GCJUklpcUlJZkAoSLC5JycxTqtVRQNJuDNWOILAYhCCIMdI0Ji85"
    "MQloWjKQSE5KjMlLSgSam5SciG64nz+y2WACJESMJWYY7ibFG8T5KnaKHgAcinnp";

std::string zlib_compress(const std::string& s) {
  uLongf n = compressBound(static_cast<uLong>(s.size()));
  std::string out(n, '\0');
  compress(reinterpret_cast<Bytef*>(&out[0]), &n, reinterpret_cast<const Bytef*>(s.data()),
           static_cast<uLong>(s.size()));
  out.resize(n);
  return out;
}

std::string base64(const std::string& s) {
  static const char* a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) |
                 static_cast<unsigned char>(s[i + 2]);
    out += a[v >> 18];
    out += a[(v >> 12) & 63];
    out += a[(v >> 6) & 63];
    out += a[v & 63];
  }
  if (i + 1 == s.size()) {
    unsigned v = static_cast<unsigned char>(s[i]) << 16;
    out += a[v >> 18];
    out += a[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == s.size()) {
    unsigned v = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8);
    out += a[v >> 18];
    out += a[(v >> 12) & 63];
    out += a[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string pickle_short(const std::string& s) {  // PROTO 4, SHORT_BINUNICODE, MEMOIZE, STOP
  std::string p = "\x80\x04";
  p += '\x8c';
  p += static_cast<char>(s.size());
  p += s;
  p += "\x94.";
  return p;
}

trafl::sandbox::Sandbox& code_box() {
  set_shared_sandbox(&sbx::box());
  return sbx::box();
}

std::vector<TestCase> stdin_tests(std::vector<std::pair<std::string, std::string>> io) {
  std::vector<TestCase> out;
  for (auto& [i, o] : io) out.push_back({i, o, "stdin"});
  return out;
}

HarnessLimits quick(double t = 2.0) {
  HarnessLimits l;
  l.test_timeout_s = t;
  l.memory_mb = 256;
  return l;
}

}  // namespace

TEST_CASE("LCB private tests: the README's real 1873_A vector decodes byte-exactly", "[code]") {
  std::string raw = base64_decode(k1873A);
  REQUIRE(raw.size() >= 2);
  CHECK(static_cast<unsigned char>(raw[0]) == 0x78);
  CHECK(static_cast<unsigned char>(raw[1]) == 0x9C);
  std::string pickle = zlib_inflate(raw);
  CHECK(static_cast<unsigned char>(pickle[0]) == 0x80);
  CHECK(pickle[1] == 4);
  CHECK(static_cast<unsigned char>(pickle[2]) == 0x95);  // FRAME
  std::string text = unpickle_str(pickle);
  CHECK(text.rfind("[{\"input\": \"1\\nabc\\n\", \"output\": \"YES\\n\", \"testtype\": \"stdin\"}", 0) == 0);
  bool encoded = false;
  auto tests = decode_lcb_tests(k1873A, &encoded);
  CHECK(encoded);
  REQUIRE(tests.size() == 4);
  CHECK(tests[0].input == "1\nabc\n");
  CHECK(tests[0].output == "YES\n");
  CHECK(tests[0].testtype == "stdin");
  // Plain JSON is taken as is.
  auto plain = decode_lcb_tests(R"([{"input": "1\n", "output": "2\n", "testtype": "stdin"}])", &encoded);
  CHECK(!encoded);
  CHECK(plain.size() == 1);
}

TEST_CASE("LCB decoder: every pickle string opcode, and rejects", "[code]") {
  std::string json = R"([{"input": "a", "output": "b", "testtype": "stdin"}])";
  CHECK(decode_lcb_tests(base64(zlib_compress(pickle_short(json))))[0].output == "b");
  // BINUNICODE8 without FRAME.
  std::string p8 = "\x80\x05";
  p8 += '\x8d';
  std::uint64_t n = json.size();
  for (int i = 0; i < 8; ++i) p8 += static_cast<char>((n >> (8 * i)) & 0xFF);
  p8 += json + ".";
  CHECK(unpickle_str(p8) == json);

  // Unknown opcode (a pickled list: EMPTY_LIST ']').
  std::string bad = "\x80\x04]\x94.";
  CHECK_THROWS_WITH(unpickle_str(bad), Catch::Contains("unsupported opcode 0x5d"));
  // Truncated string and truncated stream.
  std::string trunc = pickle_short(json);
  CHECK_THROWS_WITH(unpickle_str(trunc.substr(0, 10)), Catch::Contains("truncated"));
  CHECK_THROWS_WITH(unpickle_str(trunc.substr(0, trunc.size() - 1)), Catch::Contains("truncated"));
  std::string z = zlib_compress(pickle_short(json));
  CHECK_THROWS_WITH(zlib_inflate(z.substr(0, z.size() / 2)), Catch::Contains("zlib"));
  CHECK_THROWS_WITH(zlib_inflate("not zlib"), Catch::Contains("zlib"));
  CHECK_THROWS_WITH(decode_lcb_tests("@@@"), Catch::Contains("neither JSON nor base64"));
  CHECK_THROWS_AS(base64_decode("abcde"), DecodeError);
  // Protocol 6 and two strings are rejected.
  std::string p6 = pickle_short(json);
  p6[1] = 6;
  CHECK_THROWS_WITH(unpickle_str(p6), Catch::Contains("protocol 6"));
  // A valid pickle whose string is not a test list.
  CHECK_THROWS_WITH(decode_lcb_tests(base64(zlib_compress(pickle_short("{\"a\": 1}")))),
                    Catch::Contains("not a JSON list"));
  CHECK_THROWS_WITH(parse_test_list(R"([{"input": "a", "output": "b", "testtype": "weird"}])"),
                    Catch::Contains("testtype"));
}

TEST_CASE("extract_code: the last fenced block, LCB style", "[code]") {
  CHECK(!extract_last_fenced_block("print(1)"));
  CHECK(!extract_last_fenced_block("```python\nprint(1)"));
  CHECK(*extract_last_fenced_block("x\n```python\nprint(1)\n```\n") == "print(1)");
  CHECK(*extract_last_fenced_block("```\na\n```\ntext\n```py\nb\nc\n```") == "b\nc");
  CHECK(*extract_last_fenced_block("```\n```") == "");
}

TEST_CASE("stdout comparison: LCB exact/Decimal rules and the tolerant mode", "[code]") {
  CHECK(stdout_matches("YES\n", "YES", Compare::kLcb));
  CHECK(stdout_matches("  1 2  \n3\n\n", "1 2\n3", Compare::kLcb));
  CHECK(!stdout_matches("1 2\n3\n4", "1 2\n3", Compare::kLcb));  // line count
  CHECK(stdout_matches("1.0 2", "1 2.00", Compare::kLcb));       // Decimal equality
  CHECK(stdout_matches("1e2", "100", Compare::kLcb));
  CHECK(stdout_matches("-0", "0", Compare::kLcb));
  CHECK(!stdout_matches("1  2", "1 3", Compare::kLcb));
  CHECK(!stdout_matches("yes", "YES", Compare::kLcb));
  CHECK(!stdout_matches("nan", "nan", Compare::kTolerant) == false);  // identical text matches exactly
  CHECK(!stdout_matches("0.333333", "0.3333333", Compare::kLcb));     // no tolerance in LCB
  CHECK(stdout_matches("0.3333333", "0.33333333", Compare::kTolerant));
  CHECK(!stdout_matches("0.33", "0.3333333", Compare::kTolerant));
  CHECK(stdout_matches("1000000.5", "1000000.4999", Compare::kTolerant));  // relative
  CHECK(!stdout_matches("1 2", "1 2 3", Compare::kTolerant));
  CHECK(decimal_tokens_equal("1_000", "1000").value());
  CHECK(!decimal_tokens_equal("NaN", "NaN").value());
  CHECK(!decimal_tokens_equal("abc", "1"));
  std::string why;
  CHECK(!stdout_matches("1\n2", "1\n3", Compare::kLcb, &why));
  CHECK(why.find("line 2") != std::string::npos);
}

TEST_CASE("functional results compare like Python ==", "[code]") {
  using J = nlohmann::json;
  CHECK(py_equal(J::parse("[1, 2]"), J::parse("[1, 2]"), Compare::kLcb));
  CHECK(py_equal(J::parse("true"), J::parse("1"), Compare::kLcb));
  CHECK(py_equal(J::parse("2.0"), J::parse("2"), Compare::kLcb));
  CHECK(!py_equal(J::parse("\"1\""), J::parse("1"), Compare::kLcb));
  CHECK(!py_equal(J::parse("0.30000000000000004"), J::parse("0.3"), Compare::kLcb));
  CHECK(py_equal(J::parse("0.30000000000000004"), J::parse("0.3"), Compare::kTolerant));
  CHECK(!py_equal(J::parse("{\"__py__\": \"tuple\", \"repr\": \"(1, 2)\"}"), J::parse("[1, 2]"), Compare::kTolerant));
  CHECK(!py_equal(J::parse("null"), J::parse("0"), Compare::kLcb));
}

TEST_CASE("functional results: integers beyond 64 bits compare exactly, an int equals a float only exactly",
          "[code][bigint]") {
  auto P = [](const char* s) { return parse_py_json(s); };
  const char* big = "100000000000000000000000000001";
  for (auto mode : {Compare::kLcb, Compare::kTolerant}) {
    CHECK(py_equal(P(big), P(big), mode));
    CHECK(!py_equal(P("100000000000000000000000000000"), P(big), mode));  // 10**29
    CHECK(!py_equal(P("100000000000012345678000000000"), P(big), mode));
    CHECK(!py_equal(P("[100000000000000000000000000000]"), P("[100000000000000000000000000001]"), mode));
    CHECK(
        !py_equal(P("{\"a\": -100000000000000000000000000000}"), P("{\"a\": -100000000000000000000000000001}"), mode));
    CHECK(py_equal(P("-18446744073709551617"), P("-18446744073709551617"), mode));
    CHECK(!py_equal(P("18446744073709551616"), P("18446744073709551615"), mode));  // 2**64 vs the uint64 max
  }
  // int vs float as Python: 1e29 is 99999999999999991433150857216 exactly.
  CHECK(!py_equal(P("1e29"), P(big), Compare::kLcb));
  CHECK(!py_equal(P("1e29"), P("100000000000000000000000000000"), Compare::kLcb));
  CHECK(py_equal(P("1e29"), P("99999999999999991433150857216"), Compare::kLcb));
  CHECK(py_equal(P("9007199254740992.0"), P("9007199254740992"), Compare::kLcb));
  CHECK(!py_equal(P("9007199254740992.0"), P("9007199254740993"), Compare::kLcb));  // 2**53 + 1 is no double
  CHECK(py_equal(P("-0.0"), P("0"), Compare::kLcb));
  CHECK(py_equal(P("true"), P("1"), Compare::kLcb));
  // tolerant: a float within 1e-6 relative of an integer still counts (its documented opt-in).
  CHECK(py_equal(P("1e29"), P(big), Compare::kTolerant));
  CHECK(P("[1, 2").is_discarded());
  CHECK(py_json_text(P("[1, 100000000000000000000000000001, {\"k\": 2.5}]")) ==
        "[1,100000000000000000000000000001,{\"k\":2.5}]");
}

TEST_CASE("functional harness: big integer answers are judged exactly (LCB's ==)", "[code][sandbox][bigint]") {
  auto& b = code_box();
  std::vector<TestCase> tests = {{"1", "100000000000000000000000000001", "functional"}};
  auto right = run_functional_tests(b, "def f(x):\n    return 10**29 + x\n", "f", tests, Compare::kLcb, quick());
  INFO(right.detail);
  CHECK(right.verdict == "passed");
  for (const char* answer : {"10**29", "10**29 + 12345678", "1e29"}) {
    for (auto mode : {Compare::kLcb, Compare::kTolerant}) {
      if (mode == Compare::kTolerant && std::string(answer) == "1e29") continue;  // a float: tolerant's opt-in
      auto r =
          run_functional_tests(b, std::string("def f(x):\n    return ") + answer + "\n", "f", tests, mode, quick());
      INFO(answer << ": " << r.detail);
      CHECK(r.verdict == "wrong_answer");
    }
  }
}

TEST_CASE("stdin harness: pass, wrong answer, runtime error, fake output, early exit", "[code][sandbox]") {
  auto& b = code_box();
  auto tests = stdin_tests({{"3\n", "6\n"}, {"5\n", "10\n"}});
  auto ok = run_stdin_tests(b, "n = int(input())\nprint(n * 2)\n", tests, Compare::kLcb, quick());
  INFO(ok.detail);
  CHECK(ok.verdict == "passed");
  CHECK(ok.correct);
  CHECK(ok.tests.size() == 2);
  CHECK(ok.tests[0].wall_ms > 0);

  auto wa = run_stdin_tests(b, "n = int(input())\nprint(n * 2 if n == 3 else 0)\n", tests, Compare::kLcb, quick());
  CHECK(wa.verdict == "wrong_answer");
  CHECK(!wa.correct);
  REQUIRE(wa.tests.size() == 2);
  CHECK(wa.tests[1].verdict == "wrong_answer");

  auto re = run_stdin_tests(b, "raise ValueError('boom')\n", tests, Compare::kLcb, quick());
  CHECK(re.verdict == "runtime_error");
  CHECK(re.tests.size() == 1);  // stop at the first failure
  CHECK(re.detail.find("boom") != std::string::npos);

  // A program that prints "passed"-looking text and exits early still has to produce the answer.
  auto fake = run_stdin_tests(b, "print('passed')\nimport os\nos._exit(0)\n", tests, Compare::kLcb, quick());
  CHECK(fake.verdict == "wrong_answer");
  // sys.exit after the answer is fine (LCB catches SystemExit), exit() works although -S drops site.
  auto ex = run_stdin_tests(b, "n = int(input())\nprint(n * 2)\nexit(3)\n", tests, Compare::kLcb, quick());
  CHECK(ex.verdict == "passed");
  // LCB's prelude: math/collections names without imports; the __main__ guard runs.
  auto pre = run_stdin_tests(
      b, "def main():\n    print(int(sqrt(int(input())**2)) * 2)\nif __name__ == '__main__':\n    main()\n", tests,
      Compare::kLcb, quick());
  CHECK(pre.verdict == "passed");
}

TEST_CASE("stdin harness: per-test timeout and float tolerance flip", "[code][sandbox]") {
  auto& b = code_box();
  auto tests = stdin_tests({{"1\n", "1\n"}, {"2\n", "2\n"}});
  auto to = run_stdin_tests(b, "n = int(input())\nif n == 2:\n    while True: pass\nprint(n)\n", tests, Compare::kLcb,
                            quick(0.5));
  CHECK(to.verdict == "timeout");
  REQUIRE(to.tests.size() == 2);
  CHECK(to.tests[0].verdict == "passed");
  CHECK(to.tests[1].verdict == "timeout");

  auto mem =
      run_stdin_tests(b, "x = bytearray(1 << 30)\nprint(len(x))\n", stdin_tests({{"", "1\n"}}), Compare::kLcb, quick());
  INFO(mem.detail);
  CHECK(mem.verdict == "memory_exceeded");
  // The verdict comes from the exit status and the cgroup, not from stderr: a right answer that
  // exits 0 with "MemoryError: x" as its last stderr line passes, in every harness.
  const char* noisy = "import sys\nprint(1)\nsys.stderr.write('MemoryError: x\\n')\n";
  auto quiet = run_stdin_tests(b, noisy, stdin_tests({{"", "1\n"}}), Compare::kLcb, quick());
  INFO(quiet.detail);
  CHECK(quiet.verdict == "passed");
  auto fquiet =
      run_functional_tests(b, "import sys\ndef f(x):\n    sys.stderr.write('MemoryError: x\\n')\n    return x\n", "f",
                           {{"1", "1", "functional"}}, Compare::kLcb, quick());
  INFO(fquiet.detail);
  CHECK(fquiet.verdict == "passed");
  AssertProgram ap;
  ap.candidate = "import sys\ndef f():\n    return 1\nsys.stderr.write('MemoryError: x\\n')\n";
  ap.tests = {"assert f() == 1"};
  auto aquiet = run_assert_tests(b, ap, quick());
  INFO(aquiet.detail);
  CHECK(aquiet.verdict == "passed");
  // A program whose MemoryError is caught by the driver (not only a cgroup kill) is memory_exceeded.
  auto caught = run_stdin_tests(b, "raise MemoryError('x')\n", stdin_tests({{"", "1\n"}}), Compare::kLcb, quick());
  INFO(caught.detail);
  CHECK(caught.verdict == "memory_exceeded");
  auto flood = run_stdin_tests(b, "import sys\nwhile True: sys.stdout.write('x' * 65536)\n", stdin_tests({{"", "1\n"}}),
                               Compare::kLcb, quick());
  CHECK(flood.verdict == "output_limit");

  auto ft = stdin_tests({{"", "0.3333333333\n"}});
  auto lcb = run_stdin_tests(b, "print(1/3 + 1e-9)\n", ft, Compare::kLcb, quick());
  auto tol = run_stdin_tests(b, "print(1/3 + 1e-9)\n", ft, Compare::kTolerant, quick());
  CHECK(lcb.verdict == "wrong_answer");
  CHECK(tol.verdict == "passed");
}

TEST_CASE("functional harness: class Solution, plain function, tuples, forged records", "[code][sandbox]") {
  auto& b = code_box();
  std::vector<TestCase> tests = {{"[1, 2, 3]\n4", "[0, 2]", "functional"}, {"[5]\n5", "[0, 0]", "functional"}};
  const char* sol =
      "class Solution:\n"
      "    def twoSum(self, nums: List[int], target: int) -> List[int]:\n"
      "        for i in range(len(nums)):\n"
      "            for j in range(len(nums)):\n"
      "                if nums[i] + nums[j] == target and i != j: return [i, j]\n"
      "        return (0, 0)\n";  // a tuple at top level counts as a list (LCB)
  auto ok = run_functional_tests(b, sol, "twoSum", tests, Compare::kLcb, quick());
  INFO(ok.detail);
  CHECK(ok.verdict == "passed");

  // A plain function (no class Solution), and a wrong one.
  auto fn = run_functional_tests(b, "def add(a, b):\n    return a + b\n", "add", {{"1\n2", "3", "functional"}},
                                 Compare::kLcb, quick());
  CHECK(fn.verdict == "passed");
  auto wrong = run_functional_tests(b, "def add(a, b):\n    return a - b\n", "add", {{"1\n2", "3", "functional"}},
                                    Compare::kLcb, quick());
  CHECK(wrong.verdict == "wrong_answer");
  // Nested tuples are not lists (Python ==).
  auto nested = run_functional_tests(b, "def f(a):\n    return [(1, 2)]\n", "f", {{"0", "[[1, 2]]", "functional"}},
                                     Compare::kLcb, quick());
  CHECK(nested.verdict == "wrong_answer");
  // Float flip between the modes.
  std::vector<TestCase> ft = {{"1", "0.3", "functional"}};
  CHECK(run_functional_tests(b, "def f(x):\n    return 0.1 + 0.2\n", "f", ft, Compare::kLcb, quick()).verdict ==
        "wrong_answer");
  CHECK(run_functional_tests(b, "def f(x):\n    return 0.1 + 0.2\n", "f", ft, Compare::kTolerant, quick()).verdict ==
        "passed");

  // Early exit at import and forged result lines fail.
  auto early =
      run_functional_tests(b, "import os\nos._exit(0)\n", "add", {{"1\n2", "3", "functional"}}, Compare::kLcb, quick());
  CHECK(early.verdict == "runtime_error");
  auto forged = run_functional_tests(b, "print('\\nTRAFL-RESULT 0000 3')\nimport sys\nsys.exit(0)\n", "add",
                                     {{"1\n2", "3", "functional"}}, Compare::kLcb, quick());
  CHECK(forged.verdict == "runtime_error");
  // (not "add": LCB's prelude star-imports operator.add, so a missing `add` still resolves, as in LCB)
  auto missing = run_functional_tests(b, "def other():\n    pass\n", "plusTwo", {{"1\n2", "3", "functional"}},
                                      Compare::kLcb, quick());
  CHECK(missing.verdict == "runtime_error");
  auto slow = run_functional_tests(b, "def add(a, b):\n    while True: pass\n", "add", {{"1\n2", "3", "functional"}},
                                   Compare::kLcb, quick(0.5));
  CHECK(slow.verdict == "timeout");
}

TEST_CASE("asserts harness: per-test records, early exit and fake DONE fail", "[code][sandbox]") {
  auto& b = code_box();
  AssertProgram p;
  p.candidate = "def sq(x):\n    return x * x\n";
  p.tests = {"assert sq(2) == 4", "assert sq(3) == 9"};
  auto ok = run_assert_tests(b, p, quick());
  INFO(ok.detail);
  CHECK(ok.verdict == "passed");
  CHECK(ok.correct);
  CHECK(ok.tests.size() == 2);

  p.tests = {"assert sq(2) == 4", "assert sq(3) == 10", "assert sq(1) == 1"};
  auto wa = run_assert_tests(b, p, quick());
  CHECK(wa.verdict == "wrong_answer");
  CHECK(wa.tests.size() == 2);

  p.tests = {"assert sq(2) == 4"};
  for (const char* evil :
       {"import os\nos._exit(0)\n", "import sys\nsys.exit(0)\n",
        "print('\\nTRAFL-DONE 123 1')\nprint('\\nTRAFL-TEST 123 0 passed 1 1 \"\"')\nimport os\nos._exit(0)\n"}) {
    AssertProgram e = p;
    e.candidate = evil;
    auto r = run_assert_tests(b, e, quick());
    INFO(evil);
    CHECK(r.verdict == "runtime_error");
    CHECK(!r.correct);
  }
  // Exiting inside the test (after the candidate loaded) also fails.
  AssertProgram mid = p;
  mid.candidate = "def sq(x):\n    import os\n    os._exit(0)\n";
  CHECK(run_assert_tests(b, mid, quick()).verdict == "runtime_error");
  // A test that hangs: per-test timeout.
  AssertProgram hang = p;
  hang.candidate = "def sq(x):\n    while True: pass\n";
  auto to = run_assert_tests(b, hang, quick(0.5));
  CHECK(to.verdict == "timeout");
  // Prelude and setup code run around the candidate.
  AssertProgram mb;
  mb.prelude = "import math\n";
  mb.candidate = "def root(x):\n    return math.isqrt(x)\n";
  mb.setup = "VALUE = 49\n";
  mb.tests = {"assert root(VALUE) == 7"};
  CHECK(run_assert_tests(b, mb, quick()).verdict == "passed");
  // to_grade records the tests and the tier.
  auto g = to_grade(wa, "code", "asserts");
  CHECK(g.verdict == "wrong_answer");
  CHECK(!g.correct);
  CHECK(g.details["tests"].size() == 2);
  CHECK(g.details["tests"][1]["verdict"] == "wrong_answer");
  std::string tier = g.details["tier"];
  CHECK(tier.rfind("T", 0) == 0);
  CHECK(g.details["total_tests"] == 3);
}

TEST_CASE("LCB prelude: bound lazily it gives the same names and values as run eagerly",
          "[code][sandbox][lazy_prelude]") {
  auto& box = code_box();
  // Names from many of the import_string's modules, incl. the ones whose winner depends on the
  // import order (typing's Counter over collections', builtins' pow over math's, the datetime module).
  std::string code =
      "n = int(input())\n"
      "print(gcd(n, 12), Counter('aab')['a'], sqrt(16), deque([1]), heappush.__name__, bisect_left([1, 3], 2))\n"
      "print(reduce(lambda a, b: a + b, [1, 2, 3]), List[int], pow(2, 10, 1000), Counter, datetime.__name__)\n"
      "print(ascii_lowercase[:3], math.floor(2.5), json.dumps([1]), accumulate.__name__, median([1, 3, 5]), itemgetter(0)([7]))\n"
      "def f(k):\n    return comb(k, 2) if k > 1 else f(k + 1)\n"
      "print(f(5), getrecursionlimit())\n";
  std::string expected =
      "12 2 4.0 deque([1]) heappush 1\n"
      "6 typing.List[int] 24 typing.Counter datetime\n"
      "abc 2 [1] accumulate 3 7\n"
      "10 50000\n";
  HarnessLimits lazy = quick(5.0), eager = quick(5.0);
  eager.lazy_prelude = false;
  for (auto* l : {&lazy, &eager}) {
    auto r = run_stdin_tests(box, code, stdin_tests({{"12\n", expected}}), Compare::kLcb, *l);
    INFO((l == &lazy ? "lazy " : "eager ") << r.detail);
    CHECK(r.correct);
  }
  // An unknown name is still a NameError (runtime_error), not a harness failure.
  auto r = run_stdin_tests(box, "print(no_such_name)\n", stdin_tests({{"", "1\n"}}), Compare::kLcb, lazy);
  CHECK(r.verdict == "runtime_error");
  CHECK(r.detail.find("NameError") != std::string::npos);
}
