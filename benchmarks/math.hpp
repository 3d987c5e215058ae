#pragma once
// MATH-family tasks: Hendrycks MATH (full 5,000-problem test set, one JSON object per line with
// `problem`, `solution`, `level` "Level N", `type`, optional `idx`) and MATH-500 (`problem`,
// `solution`, `answer`, `subject`, `level` int, `unique_id`), with two prompt styles.
//
// Tasks built on this loader (registered in benchmarks/registry.cpp):
//   math          either file shape (sniffed from the first record); boxed prompt; default "symbolic"
//   math500       MATH-500 shape only;                               boxed prompt; default "symbolic"
//   minerva_math  either file shape; Minerva prompt "Problem:\n{problem}\n\nSolution:"; default "minerva"
//   synthetic     MATH-500 shape (make-fixtures output); see benchmarks/synthetic.hpp
//
// Gold: Hendrycks shape → content of the LAST \boxed{…}/\fbox{…} of `solution` (brace matched,
// trafl::last_boxed_content); MATH-500 shape → the `answer` field as written. Golds are not
// normalised here; the grader normalises per mode.
// Ids: Hendrycks shape → `idx` when present, else the 0-based record index; MATH-500 → `unique_id`.
// Metadata: level ("1".."5", or "?" when the file's level is unparsable, e.g. "Level ?") and
// subject (Hendrycks `type` / MATH-500 `subject`).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "benchmarks/task.hpp"
#include "core/jsonl.hpp"

namespace trafl {

// ---- helpers shared by the file-backed adapters (gsm8k, math, minerva, synthetic) ------------------
namespace bench {

// Accumulates problems while a file is read: rejects duplicate ids (naming both lines and the id
// field) and, at the end, an empty file ("no problems").
class ProblemList {
 public:
  explicit ProblemList(std::string path) : path_(std::move(path)) {}
  void add(Problem problem, std::size_t line, std::string_view id_field);
  std::vector<Problem> finish() &&;
  bool empty() const { return problems_.empty(); }

 private:
  std::string path_;
  std::vector<Problem> problems_;
  std::unordered_map<std::string, std::size_t> first_line_;  // id → line where it first appeared
};

// A string field that must be present, a string, and not blank.
std::string require_text(const JsonlRecord& rec, const std::string& file, std::string_view field);

// The content of the last \boxed{…}/\fbox{…} of `text` (the value of `field`); InputError naming the
// field when there is none, when it is unclosed, or when it is empty.
std::string require_boxed(const JsonlRecord& rec, const std::string& file, std::string_view field,
                          std::string_view text);

// "Level 3" → "3"; "3" → "3"; anything unparsable ("Level ?", "") → "?" (as Hendrycks'
// get_level_type maps it to None).
std::string parse_level(std::string_view text);
// The `level` field as metadata: a string parsed by parse_level, or an integer. Other types, or a
// missing field, are an InputError.
std::string require_level(const JsonlRecord& rec, const std::string& file, std::string_view field);

}  // namespace bench

enum class MathShape { kHendrycks, kMath500 };
enum class MathPromptStyle {
  kBoxed,    // "{problem}\n\nPlease reason step by step, and put your final answer within \boxed{}."
  kMinerva,  // "Problem:\n{problem}\n\nSolution:"  (lm-eval minerva_math, zero-shot)
};

std::string math_prompt(std::string_view problem, MathPromptStyle style);

// Loads a MATH-family file. `shape` nullopt = sniff from the first record (MATH-500 when it has both
// `answer` and `unique_id`). Validates the whole file before returning.
std::vector<Problem> load_math_file(const std::string& path, std::optional<MathShape> shape, MathPromptStyle style);

class MathTask : public Task {
 public:
  struct Config {
    std::string name;
    std::string description;
    std::optional<MathShape> shape;  // nullopt: either shape
    MathPromptStyle prompt = MathPromptStyle::kBoxed;
    std::string default_mode = "symbolic";
  };
  static Config hendrycks();     // "math"
  static Config math500();       // "math500"
  static Config minerva_math();  // "minerva_math"

  explicit MathTask(Config config) : config_(std::move(config)) {}
  std::string name() const override { return config_.name; }
  std::string description() const override { return config_.description; }
  std::string default_mode() const override { return config_.default_mode; }
  std::vector<std::string> modes() const override;
  std::vector<Problem> load(const std::string& path) const override;
  std::string prompt_for(std::string_view question) const override { return math_prompt(question, config_.prompt); }

 private:
  Config config_;
};

}  // namespace trafl
