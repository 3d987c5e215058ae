#pragma once
// Streams completions out of a samples file in the shapes people have (README "Samples accepted"):
//   trafl     JSON Lines {"problem_id": "12" | 12, "completion": "...", ["sample_index": 3],
//             ["question": "...", "gold": "..."]}  (the last two as `export --format jsonl` writes them)
//   lm-eval   samples_<task>_<date>.jsonl: {"doc_id": 12, "doc": {...}, "target": "...",
//             "resps": [["gen", ...]], "filtered_resps": [...], "filter": "strict-match", ...};
//             every string in resps is one sample
//   task-id   JSON Lines {"task_id": "HumanEval/0" | "Mbpp/2", "solution" and/or "completion"}
//             (HumanEval / EvalPlus; EvalPlus grades `solution` when both are there, so do we)
//   lcb       LiveCodeBench's runner output, one JSON array (pretty-printed):
//             [{"question_id": "abc301_a", "question_content": "...", "code_list": ["...", ...], ...}];
//             `..._eval_all.json` adds graded_list/pass@1/metadata. Every code_list element is a sample.
// Files are plain or .gz. The shape is detected per line (or forced). Where a line gives no
// sample_index, indices are assigned per problem in order of appearance, so the same file always
// yields the same identities. With a catalog, every line is resolved to a problem and cross-checked
// against the question/gold it carries (grade_stage/samples_identity.hpp). Every error is an
// InputError naming file, line and field.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/jsonl.hpp"
#include "grade_stage/samples_identity.hpp"

namespace trafl {

enum class SamplesShape { kAuto, kTrafl, kLmEval, kTaskId, kLcb };
// "auto" | "trafl" | "lm-eval" | "task-id" | "lcb"; UsageError otherwise
SamplesShape parse_samples_shape(std::string_view text);
const char* to_string(SamplesShape shape);

// Which lm-eval field holds the samples. resps are the raw generations (our graders do their own
// answer extraction, so this is the default); filtered_resps are lm-eval's post-filter answers.
enum class LmEvalField { kResps, kFilteredResps };
LmEvalField parse_lm_eval_field(std::string_view text);  // "resps" | "filtered_resps"; UsageError otherwise
const char* to_string(LmEvalField field);

struct SamplesReaderOptions {
  SamplesShape shape = SamplesShape::kAuto;
  LmEvalField lm_eval_field = LmEvalField::kResps;
  // lm-eval writes one line per (doc, filter), each repeating the same resps: reading them all
  // would count every generation once per filter. Only lines of this filter are read; "" = the
  // first filter named in the file.
  std::string lm_eval_filter;
  // When set, ids are resolved and cross-checked against the task's problems (and problem_id is
  // the resolved problem's id); when null, ids are taken as written. Not owned.
  const ProblemCatalog* catalog = nullptr;
};

struct SampleRecord {
  std::size_t line = 0;  // 1-based line of the samples file
  std::string problem_id;
  std::int64_t sample_index = 0;
  std::string completion;
  const char* id_field = "";    // the field that held the problem id (for error messages)
  bool explicit_index = false;  // sample_index came from the file
  bool by_question = false;     // resolved by the line's question text, not its id
};

class SamplesReader {
 public:
  explicit SamplesReader(std::string path, SamplesReaderOptions options = {});
  ~SamplesReader();
  SamplesReader(const SamplesReader&) = delete;
  SamplesReader& operator=(const SamplesReader&) = delete;

  // Appends the samples of the next line that has any (an lm-eval line can hold many) to `out`.
  // Returns false at end of file.
  bool next(std::vector<SampleRecord>& out);

  const std::string& path() const { return path_; }
  std::size_t bytes_read() const;
  std::size_t lines_read() const { return lines_read_; }
  std::size_t lines_skipped() const { return lines_skipped_; }  // lm-eval lines of another filter
  std::size_t lm_eval_lines() const { return lm_eval_lines_; }
  std::size_t lines_by_question() const { return lines_by_question_; }  // id named another problem
  const std::string& lm_eval_filter() const { return options_.lm_eval_filter; }

 private:
  // One line's samples before they get their problem and indices.
  struct Line {
    SampleClaims claims;
    std::vector<std::string> texts;
    bool may_index = false;  // a one-sample line whose sample_index field counts
  };
  bool next_record(JsonlRecord& rec);
  Line read_trafl(const JsonlRecord& rec);
  Line read_task_id(const JsonlRecord& rec);
  Line read_lcb(const JsonlRecord& rec);
  bool read_lm_eval(const JsonlRecord& rec, Line& line);
  void emit(const JsonlRecord& rec, Line line, std::vector<SampleRecord>& out);

  std::string path_;
  SamplesReaderOptions options_;
  std::unique_ptr<JsonlReader> reader_;  // JSON Lines
  std::vector<JsonlRecord> array_;       // or the elements of one JSON array (LiveCodeBench)
  std::size_t array_next_ = 0, array_bytes_ = 0;
  std::unordered_map<std::string, std::int64_t> seen_per_problem_;  // next implicit index
  std::size_t lines_read_ = 0, lines_skipped_ = 0, lm_eval_lines_ = 0, lines_by_question_ = 0;
};

struct SamplesFileCheck {
  std::size_t samples = 0;
  std::size_t lines = 0;
  std::size_t lines_skipped = 0;
  std::size_t problems_with_samples = 0;
  std::size_t lm_eval_lines = 0;
  std::size_t lines_by_question = 0;  // lines whose id named another problem than their text
  std::string lm_eval_filter;         // the filter actually read ("" when the file has none)
};

// Reads the whole file once, before anything is written anywhere: every line well-formed, every
// line resolved to a problem of `catalog` (the task's data file) and agreeing with it, no (problem
// id, sample index) twice, at least one sample. Throws InputError naming file, line and field.
// `on_progress` (optional) is called now and then with the bytes read so far.
SamplesFileCheck validate_samples_file(const std::string& path, const SamplesReaderOptions& options,
                                       const ProblemCatalog& catalog,
                                       const std::function<void(std::size_t)>& on_progress = {});

}  // namespace trafl
