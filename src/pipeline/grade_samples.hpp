#pragma once
// `trafl-eval grade`: import a samples file into the run database and grade it.
//   make_task → load + validate the data file → validate the WHOLE samples file (nothing is
//   written, not even a new database file, unless it is valid) → ensure the run → store problems
//   → store samples in batches → grade the run's ungraded samples in batches.
// Every write is idempotent and batched in transactions, so re-running the same command adds
// nothing, and a run killed at any point is finished exactly by running it again.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "benchmarks/task.hpp"
#include "pipeline/samples_reader.hpp"

namespace trafl {

struct GradeOptions {
  std::string task;          // task name (benchmarks registry)
  std::string data_path;     // the task's data file
  std::string samples_path;  // samples file (.jsonl or .jsonl.gz)
  std::string db_path;       // run database (created if missing)
  std::string model;         // "" = the samples file's stem
  std::string mode;          // grading mode; "" = the task's default
  SamplesReaderOptions reader;
  std::size_t batch_size = 10000;  // samples per transaction (ingest and grading)
  unsigned threads = 0;            // grading threads; 0 = up to 8, by hardware
  bool progress = true;            // progress bars on stderr
  // Library callers (and tests) may supply the task object; then `task` is ignored.
  std::shared_ptr<const Task> task_object;
};

struct GradeSummary {
  std::int64_t run_id = 0;
  std::string model, task, mode;
  std::size_t problems = 0;              // problems in the data file
  std::size_t problems_with_samples = 0;
  std::size_t samples_in_file = 0;
  std::size_t lines_skipped = 0;         // lm-eval lines of another filter
  std::string lm_eval_filter;            // the lm-eval filter read ("" if none)
  std::int64_t samples_new = 0, samples_total = 0;   // in this run
  std::int64_t grades_new = 0, grades_total = 0;     // in this run, this mode
  std::int64_t correct = 0;                          // in this run, this mode
  double seconds = 0;
};

GradeSummary grade_samples(const GradeOptions& options);

// "runs/samples_gsm8k.jsonl.gz" → "samples_gsm8k".
std::string default_model_name(const std::string& samples_path);

}  // namespace trafl
