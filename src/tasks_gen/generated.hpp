#pragma once
// Generated tasks for the tiny-model demo (`trafl-eval make-task`), written in the benchmarks' own
// formats so the real adapters and graders run on them unchanged:
//   math  GSM8K lines {"question", "answer"}: short multi-step arithmetic word problems whose worked
//         answer ends in "#### N". Every problem has several valid solution orders (a sum of 3-4
//         numbers can be added in any order, two products can be formed in either order, a
//         subtraction of two amounts can subtract the total), and each reference solution picks one
//         order at random, so the SFT data itself holds several paths.
//   code  LiveCodeBench code_generation_lite lines (stdin problems: read integers on one line, print a
//         simple function of them), public + private tests (private base64/zlib/pickle as published).
// Sizes are for byte-level tokenisation (the tiny models' tokenizer): prompts of about 60 bytes,
// answers of at most about 48.
#include <cstdint>
#include <string>
#include <vector>

namespace trafl::tasks_gen {

struct SftPair {
  std::string prompt;    // exactly what the adapter gives a model for this problem
  std::string response;  // the reference answer in the form the model should produce
};

struct MathItem {
  std::string question;
  std::string answer;     // worked steps + "#### N"
  long value = 0;         // N
  std::string kind;       // template name (sum3, sum4, products, remove, times, product3)
  std::vector<int> nums;  // the template's numbers, in question order
};

// `split` ("train"/"test") selects the PRNG stream; `avoid` holds questions that must not be
// repeated (the test questions when generating train).
std::vector<MathItem> generate_math(int count, std::uint64_t seed, const std::string& split,
                                    const std::vector<std::string>& avoid = {});
// Another valid worked answer of the same problem (a fresh random order), for tests and diversity.
std::string math_answer_again(const MathItem& item, std::uint64_t seed);

struct CodeTest {
  std::string input, output;
};
struct CodeItem {
  std::string id;    // question_id
  std::string kind;  // sum, max, ..., sum_plus (with k), ...
  int k = 0;         // the parameter of parameterised kinds, 0 otherwise
  std::string title, content, difficulty, contest_date;
  std::string solution;  // reference Python program
  std::vector<CodeTest> public_tests, private_tests;
};

// Test problems are distinct (kind, k) pairs; train problems never use a parameterised (kind, k)
// pair of the test split (`held_out`), while the seven plain kinds appear in both.
std::vector<CodeItem> generate_code(int count, std::uint64_t seed, const std::string& split,
                                    const std::vector<std::string>& held_out = {});
std::string code_combo(const CodeItem& item);  // "sum_plus/3", "max"

}  // namespace trafl::tasks_gen
