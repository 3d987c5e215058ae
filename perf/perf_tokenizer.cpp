// perf_tokenizer: load time, encode and decode throughput of a tokenizer.json.
//
//   ninja -C build-tok perf_tokenizer && build-tok/perf_tokenizer [tokenizer.json] [megabytes]
//
// Without a file it generates the tiny LLaDA-style tokenizer (256 bytes + 200 merges). The text is a mix of
// English prose, code, LaTeX, digits and CJK (the conformance corpus's flavour), repeated to the given size
// (default 4 MB) and encoded in 2 KB prompts, as prompts are encoded in practice.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tokenizer/tokenizer.hpp"

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

int main(int argc, char** argv) {
  using namespace trafl::tok;
  const double megabytes = argc > 2 ? std::atof(argv[2]) : 4.0;
  const std::string sample =
      "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins with 4.\n"
      "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n"
      "$\\frac{a}{b} + \\sqrt{x^2 + y^2} = \\int_0^\\infty e^{-x^2}\\,dx$ so the answer is $\\boxed{72}$.\n"
      "日本語のテキストを分割します。中文分词测试：我爱北京天安门。 Emoji 😀👍🏽 and café.\n";
  auto t0 = std::chrono::steady_clock::now();
  Tokenizer tok = [&] {
    if (argc > 1) return Tokenizer::from_file(argv[1]);
    TinyTokenizerOptions o;
    for (int i = 0; i < 50; ++i) o.corpus += sample;
    o.num_merges = 200;
    return Tokenizer::from_json_string(make_tiny_tokenizer_json(o), "<tiny>");
  }();
  double load_s = seconds_since(t0);

  std::string prompt;
  while (prompt.size() < 2048) prompt += sample;
  const std::size_t n = static_cast<std::size_t>(megabytes * 1e6 / static_cast<double>(prompt.size())) + 1;
  std::size_t tokens = 0;
  std::vector<TokenId> last;
  t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    last = tok.encode_ids(prompt, false);
    tokens += last.size();
  }
  double enc_s = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  std::size_t chars = 0;
  for (std::size_t i = 0; i < n; ++i) chars += tok.decode(last).size();
  double dec_s = seconds_since(t0);
  const double mb = static_cast<double>(n * prompt.size()) / 1e6;
  std::printf("tokenizer: %s (vocab %zu)\n", argc > 1 ? argv[1] : "<tiny generated>", tok.vocab_size());
  std::printf("load: %.3f s\n", load_s);
  std::printf("encode: %.1f MB in %.3f s = %.2f MB/s, %.0f tokens/s (%zu tokens per %zu-byte prompt)\n", mb, enc_s,
              mb / enc_s, static_cast<double>(tokens) / enc_s, last.size(), prompt.size());
  std::printf("decode: %.0f tokens/s\n", static_cast<double>(tokens) / dec_s);
  return chars == n * prompt.size() ? 0 : 1;
}
