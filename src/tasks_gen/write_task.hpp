#pragma once
// `trafl-eval make-task`: writes a generated task into a directory.
//   train.jsonl              the train split in the benchmark's format (gsm8k / livecodebench)
//   test.jsonl               the test split, same format
//   sft.jsonl                {"prompt", "response"} per train problem: the adapter's own prompt and the
//                            reference answer as the model should write it (code: a fenced block)
//   reference-samples.jsonl  the test split's reference answers as a trafl samples file
//                            ({problem_id, sample_index, completion}): `grade` on it must say 100%
//   task.json                what was generated: kind, seed, counts, the adapter and its task options,
//                            prompt/response sizes in bytes (= tokens at byte-level tokenisation)
// Same (kind, seed, counts), same bytes.
#include <cstdint>
#include <string>

namespace trafl::tasks_gen {

struct MakeTaskOptions {
  std::string kind;  // math | code
  std::uint64_t seed = 1;
  int train = 2000;
  int test = 40;
  std::string out_dir;
};

struct MakeTaskResult {
  std::string adapter;                                // gsm8k | livecodebench
  std::string prompt_style;                           // task option the adapter must use ("" = its default)
  std::string train, test, sft, reference, manifest;  // paths
  std::size_t max_prompt_bytes = 0, max_response_bytes = 0;
  double mean_prompt_bytes = 0, mean_response_bytes = 0;
};

// UsageError for an unknown kind or out-of-range counts; creates out_dir if needed.
MakeTaskResult make_generated_task(const MakeTaskOptions& options);

}  // namespace trafl::tasks_gen
