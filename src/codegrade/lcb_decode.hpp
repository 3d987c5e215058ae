#pragma once
// LiveCodeBench test-case decoding: `private_test_cases` is either a plain JSON list or
// base64 → zlib → pickle (protocol ≤ 5, one str) → JSON list. Decoded natively; the pickle reader
// accepts only PROTO, FRAME, SHORT_BINUNICODE, BINUNICODE, BINUNICODE8, MEMOIZE and STOP
// (what CPython writes for a single str) and rejects everything else.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace trafl::codegrade {

// Why a blob could not be decoded (the caller adds file:line:field).
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The stated maximum of one problem's decoded private tests (the pickle's bytes after zlib). The
// published LCB releases stay well below it (660 MB inflated over the 342 problems of v5+v6, about
// 2 MB a problem); a value that inflates past it is refused as a zlib bomb (a ~1000:1 stream of 680 KB
// had inflated to 724 MB in 5.9 s before this cap). Inflating stops as soon as the output passes it, so
// a bomb costs at most this much memory and ~0.2 s.
constexpr std::size_t kMaxDecodedTestsBytes = std::size_t(256) << 20;

std::string base64_decode(std::string_view text);  // standard alphabet, '=' padding; whitespace ignored
// zlib wrapper; output past `max_out` bytes throws DecodeError naming the limit.
std::string zlib_inflate(std::string_view data, std::size_t max_out = kMaxDecodedTestsBytes);
std::string unpickle_str(std::string_view pickle);  // the single str of a pickle

struct TestCase {
  std::string input;
  std::string output;
  std::string testtype;  // "stdin" or "functional"
};

// Parses a JSON list of {"input","output","testtype"} objects (all strings).
std::vector<TestCase> parse_test_list(std::string_view json_text);
// LCB's rule: plain JSON first; if that is not valid JSON, base64 → zlib → pickle → JSON.
// `encoded` (optional) is set to whether the compressed form was used. The decoded pickle may not
// exceed `max_bytes` (DecodeError naming the limit).
std::vector<TestCase> decode_lcb_tests(std::string_view field_value, bool* encoded = nullptr,
                                       std::size_t max_bytes = kMaxDecodedTestsBytes);

// The inverse, as the published files hold private tests: base64(zlib(pickle protocol 4 of the str)),
// byte for byte what CPython's pickle.dumps(s, 4) + zlib.compress(level 9) + b64encode write.
// (lcb_encode.cpp; make-task uses it so generated tasks exercise the real decoding path.)
std::string pickle_str(std::string_view text);
std::string base64_encode(std::string_view bytes);
std::string encode_lcb_tests(std::string_view json_text);

}  // namespace trafl::codegrade
