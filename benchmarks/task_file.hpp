#pragma once
// Tasks defined without recompiling: a YAML task file (read with yaml-cpp) naming the data file, the
// fields, the prompt template, the gold extraction and the grading modes. Every command that takes
// --task takes a task file's path instead of a name (make_task: a name ending in .yaml or .yml).
//
//   name: gsm8k-file                  # required; the runs' task name (not a built-in task's name)
//   description: GSM8K from a file    # optional
//   data: test.jsonl                  # optional; the default --data, relative to the task file's folder
//   fields:
//     question: question              # required
//     answer: answer                  # required: the worked answer (reference, few-shot target)
//     id: idx                         # optional; absent = the 0-based record index
//     metadata: {subject: type}       # optional: metadata key -> field
//   prompt: "Question: {{question}}\nAnswer:"   # lm-eval's doc_to_text: {{field}}, or Jinja (tags,
//                                     # filters; the record's fields as variables, StrictUndefined)
//   gold:
//     field: answer                   # optional; default fields.answer
//     extract: gsm8k                  # gsm8k | boxed | as_is (benchmarks/defined_task.hpp)
//   modes: [gsm8k-flexible, gsm8k-strict, symbolic]  # math grading modes; the first is the default
//
// Every mistake (YAML syntax, an unknown or missing key, a wrong type, an unknown mode or extraction,
// a template construct the Jinja renderer does not know) is an InputError naming the file, the line and the key.
#include <memory>
#include <string>
#include <string_view>

#include "benchmarks/defined_task.hpp"

namespace trafl {

bool is_task_file(std::string_view name);  // ends in .yaml or .yml
TaskDefinition read_task_file(const std::string& path);
std::unique_ptr<Task> load_task_file(const std::string& path);

}  // namespace trafl
