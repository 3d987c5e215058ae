#pragma once
// Streams completions out of a samples file (JSON Lines, plain or .gz) in the shapes people have:
//   trafl     {"problem_id": "12" | 12, "completion": "...", ["sample_index": 3]}
//   lm-eval   samples_*.jsonl: {"doc_id": 12, "resps": [["gen", "gen", ...]], "filtered_resps": [...],
//             "filter": "flexible-extract", ...} — every string in resps is one sample
//   task-id   {"task_id": "HumanEval/0", "completion" | "solution": "..."}  (HumanEval / EvalPlus)
// The shape is detected per line (or forced). Where a line gives no sample_index, indices are
// assigned per problem in order of appearance, so the same file always yields the same identities.
// Every error is an InputError naming file, line and field.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/jsonl.hpp"

namespace trafl {

enum class SamplesShape { kAuto, kTrafl, kLmEval, kTaskId };
SamplesShape parse_samples_shape(std::string_view text);  // "auto" | "trafl" | "lm-eval" | "task-id"; UsageError otherwise
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
};

struct SampleRecord {
  std::size_t line = 0;         // 1-based line of the samples file
  std::string problem_id;
  std::int64_t sample_index = 0;
  std::string completion;
  const char* id_field = "";    // the field that held the problem id (for error messages)
  bool explicit_index = false;  // sample_index came from the file
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
  const std::string& lm_eval_filter() const { return options_.lm_eval_filter; }

 private:
  void read_trafl(const JsonlRecord& rec, std::vector<SampleRecord>& out);
  void read_task_id(const JsonlRecord& rec, std::vector<SampleRecord>& out);
  bool read_lm_eval(const JsonlRecord& rec, std::vector<SampleRecord>& out);
  std::int64_t index_for(const JsonlRecord& rec, const std::string& problem_id, bool& explicit_index);

  std::string path_;
  SamplesReaderOptions options_;
  std::unique_ptr<JsonlReader> reader_;
  std::unordered_map<std::string, std::int64_t> seen_per_problem_;  // next implicit index
  std::size_t lines_read_ = 0, lines_skipped_ = 0, lm_eval_lines_ = 0;
};

struct SamplesFileCheck {
  std::size_t samples = 0;
  std::size_t lines = 0;
  std::size_t lines_skipped = 0;
  std::size_t problems_with_samples = 0;
  std::size_t lm_eval_lines = 0;
  std::string lm_eval_filter;  // the filter actually read ("" when the file has none)
};

// Reads the whole file once, before anything is written anywhere: every line well-formed, every
// problem id one of `problem_ids` (the task's data file), no (problem id, sample index) twice,
// at least one sample. Throws InputError naming file, line and field. `on_progress` (optional)
// is called now and then with the bytes read so far.
SamplesFileCheck validate_samples_file(const std::string& path, const SamplesReaderOptions& options,
                                       const std::unordered_map<std::string, std::size_t>& problem_ids,
                                       const std::function<void(std::size_t)>& on_progress = {});

}  // namespace trafl
