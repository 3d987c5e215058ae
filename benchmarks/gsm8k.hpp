#pragma once
// GSM8K (openai/grade-school-math test.jsonl / train.jsonl): one object per line with `question`
// and `answer`; the answer is a worked solution whose last line is `#### <number>`.
//
//   id        0-based record index as text ("0", "1", …) = the 0-based line index for a file without blank
//             lines (blank lines are skipped, not counted) — lm-eval's doc_id for the same file
//   gold      the number after the last `####`, thousands separators removed ("2,125" → "2125",
//             "-10" stays "-10"); anything that is not a plain decimal number is an InputError
//   reference the whole `answer` text (with calculator annotations and the `####` line)
//   prompt    "Question: {question}\nAnswer:" — lm-eval gsm8k.yaml's doc_to_text, zero-shot by default
//             (lm-eval's default is 5-shot from the train split: --num-fewshot 5 draws the same exemplars,
//             benchmarks/fewshot.hpp)
//   modes     gsm8k-flexible (default), gsm8k-strict, symbolic
#include <optional>
#include <string>
#include <string_view>

#include "benchmarks/task.hpp"
#include "core/jsonl.hpp"

namespace trafl {

// The gold number of a GSM8K answer text ("… #### 1,450,000" → "1450000"); nullopt when the text
// has no `####` or what follows it is not a number.
std::optional<std::string> gsm8k_gold_from_answer(std::string_view answer);
// The same for the field `field` of a record: InputError naming file, line and field when there is none.
std::string require_gsm8k_gold(const JsonlRecord& rec, const std::string& file, std::string_view field,
                               std::string_view answer);
std::string gsm8k_prompt(std::string_view question);

class Gsm8kTask : public Task {
 public:
  std::string name() const override { return "gsm8k"; }
  std::string description() const override;
  std::string default_mode() const override { return "gsm8k-flexible"; }
  std::vector<std::string> modes() const override { return {"gsm8k-flexible", "gsm8k-strict", "symbolic"}; }
  std::vector<Problem> load(const std::string& path) const override;
  std::string prompt_for(std::string_view question) const override { return gsm8k_prompt(question); }
};

}  // namespace trafl
