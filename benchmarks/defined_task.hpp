#pragma once
// A math task defined by data rather than code: which fields of a JSONL file hold the question, the
// worked answer, the id and the metadata, the prompt template, how the gold is extracted and the grading
// modes. A task file (benchmarks/task_file.hpp, YAML) fills a TaskDefinition; the built-in tasks stay
// classes of their own. Problems, prompts and golds follow the same rules as the built-ins':
//   id        the `id` field (string or integer), else the 0-based record index (lm-eval's doc_id)
//   reference the `answer` field as written (a few-shot exemplar's target)
//   gold      from the gold field: gsm8k = the number after the last '####' (commas removed, as the
//             built-in gsm8k), boxed = the last \boxed{}/\fbox{} content, as_is = the field's text
//   prompt    the template with each {{field}} replaced by that field of the record
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "benchmarks/task.hpp"
#include "tokenizer/jinja_template.hpp"

namespace trafl {

// "Question: {{question}}\nAnswer:" as literal text and field names, in order; or, for a template with
// more than {{field}} substitutions (tags, filters, expressions), the parsed Jinja template, rendered
// with the record's fields as variables and StrictUndefined, as lm-eval renders doc_to_text.
struct PromptTemplate {
  struct Piece {
    bool is_field = false;
    std::string text;  // literal text, or the field's name
  };
  std::vector<Piece> pieces;                    // empty when jinja is set
  std::shared_ptr<const chat::Template> jinja;  // tokenizer/jinja_template.hpp (the chat templates' renderer)
};

enum class GoldExtraction { kGsm8k, kBoxed, kAsIs };

struct TaskDefinition {
  std::string file;  // the task file, for messages
  std::string name, description;
  std::string data;  // default data file (resolved against the task file's folder); "" = --data required
  std::string question_field, answer_field, id_field;         // id_field "" = the record index
  std::vector<std::pair<std::string, std::string>> metadata;  // metadata key -> field
  PromptTemplate prompt;
  std::string gold_field;
  GoldExtraction gold = GoldExtraction::kAsIs;
  std::vector<std::string> modes;  // math grading modes; the first is the default
};

class DefinedTask : public Task {
 public:
  explicit DefinedTask(TaskDefinition def) : def_(std::move(def)) {}
  std::string name() const override { return def_.name; }
  std::string description() const override;
  std::string default_mode() const override { return def_.modes.front(); }
  std::vector<std::string> modes() const override { return def_.modes; }
  std::vector<Problem> load(const std::string& path) const override;
  std::string prompt_for(std::string_view question) const override;
  std::string default_data() const override { return def_.data; }

 private:
  TaskDefinition def_;
};

}  // namespace trafl
