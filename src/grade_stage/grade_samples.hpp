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
#include "grade_stage/grade_memo.hpp"
#include "grade_stage/samples_reader.hpp"

namespace trafl {

class Store;
class Progress;

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
  std::size_t problems = 0;  // problems in the data file
  std::size_t problems_with_samples = 0;
  std::size_t samples_in_file = 0;
  std::size_t lines_skipped = 0;                    // lm-eval lines of another filter
  std::string lm_eval_filter;                       // the lm-eval filter read ("" if none)
  std::size_t lines_by_question = 0;                // lines whose id named another problem than their text
  std::int64_t samples_new = 0, samples_total = 0;  // in this run
  std::int64_t grades_new = 0, grades_total = 0;    // in this run, this mode
  std::int64_t correct = 0;                         // in this run, this mode
  double seconds = 0;
};

GradeSummary grade_samples(const GradeOptions& options);

// Grades the run's samples that have no grade in `mode` and ids > *after (pages of `page_size`,
// one transaction each), advancing *after past every sample seen. `problems` must hold every
// problem the run's samples refer to. Sandbox failures (verdict sandbox_error) are not stored and
// are counted instead, so a later call (with after = 0) grades them again. Used by `grade` and by
// the sampling campaign's background grader. With `memo`, a completion graded before (same problem,
// mode and text) takes the remembered grade instead of being graded again (see grade_memo.hpp).
struct PendingGradeCounts {
  std::int64_t graded = 0;          // grades computed and offered to the store
  std::int64_t stored = 0;          // of those, rows new
  std::int64_t sandbox_errors = 0;  // not stored
};
PendingGradeCounts grade_pending(Store& store, std::int64_t run_id, const Task& task,
                                 const std::vector<Problem>& problems, const std::string& mode, std::size_t page_size,
                                 unsigned threads, std::int64_t* after, Progress* bar = nullptr,
                                 GradeMemo* memo = nullptr);
// Threads grade_pending should use for this task: `requested` if non-zero, else enough to keep the
// sandbox busy for code tasks, else up to 8 by hardware.
unsigned grading_threads_for(const Task& task, unsigned requested);

// "runs/samples_gsm8k.jsonl.gz" → "samples_gsm8k".
std::string default_model_name(const std::string& samples_path);

}  // namespace trafl
