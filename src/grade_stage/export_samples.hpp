#pragma once
// `trafl-eval export`: a run database's samples and grades written in other harnesses' own shapes
// (so a user can grade the same samples there and compare), or flat for notebooks. One file per
// run in the output folder, each written whole to a temporary name and renamed (never half-written):
//   lm-eval   samples_<task>_run<id>.jsonl: one line per problem, lm-eval's log_samples keys
//             (doc_id, doc{problem_id, question, answer}, target, arguments, resps [[all samples]],
//             filtered_resps, filter "none", metrics ["exact_match"], exact_match = fraction correct)
//             and "trafl": {mode, sample_index[], verdict[], correct[]}
//   evalplus  run<id>_<task>.evalplus.jsonl (humaneval, mbpp): {"task_id" ("HumanEval/0",
//             "Mbpp/2"), "solution": the program we graded, trafl_sample_index/verdict/correct}
//   lcb       run<id>_<task>_eval_all.json (livecodebench): LiveCodeBench's _eval_all array, one
//             element per problem: question fields, output_list (our completions), code_list (the
//             code we extracted and ran), graded_list, pass@1, metadata [{trafl_verdict}]
//   jsonl     run<id>_<task>.jsonl: one object per sample; run fields, "config.<key>" and
//             "meta.<key>" as keys of their own, problem_id, sample_index, question, gold,
//             completion, mode, verdict, correct, extracted
//   csv       run<id>_<task>.csv: the same columns (RFC 4180 quoting; correct as 1/0, empty if ungraded)
// Every format re-imports with `grade` (lm-eval, task-id, lcb, trafl shapes) to the same grades.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trafl {

enum class ExportFormat { kLmEval, kEvalPlus, kLcb, kJsonl, kCsv };
ExportFormat parse_export_format(std::string_view text);  // UsageError listing the names
const char* to_string(ExportFormat format);

struct ExportOptions {
  std::string db_path;
  std::string out_dir;  // created if missing
  ExportFormat format = ExportFormat::kJsonl;
  std::vector<std::int64_t> runs;  // empty: every run the format applies to
  std::string mode;                // "" = per run, the mode with the most grades
};

struct ExportedRun {
  std::int64_t run_id = 0;
  std::string task, mode, path;
  std::int64_t samples = 0, graded = 0, correct = 0;
};

struct ExportResult {
  std::vector<ExportedRun> files;
  std::vector<std::string> skipped;  // "run N (task T)": runs the format does not apply to
};

// Throws UsageError for a run the format cannot express (asked for by --run), InputError for an
// unreadable database or an unwritable folder.
ExportResult export_runs(const ExportOptions& options);

}  // namespace trafl
