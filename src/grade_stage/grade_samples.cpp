#include "grade_stage/grade_samples.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <filesystem>
#include <thread>
#include <unordered_map>

#include "codegrade/code_task.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/progress.hpp"
#include "store/store.hpp"

namespace trafl {

namespace fs = std::filesystem;

std::string default_model_name(const std::string& samples_path) {
  fs::path p = fs::path(samples_path).filename();
  if (p.extension() == ".gz") p = p.stem();
  return p.stem().string();
}

namespace {

// Grades one page with a few threads. Task::grade is a pure function of its inputs, so workers
// share nothing but the read-only task and problems; each writes only its own slots of `out`.
std::vector<GradeRow> grade_page(const Task& task, const std::vector<Problem>& problems,
                                 const std::unordered_map<std::string, std::size_t>& index,
                                 const std::vector<PendingSample>& page, const std::string& mode, unsigned threads,
                                 GradeMemo* memo) {
  std::vector<GradeRow> out(page.size());
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  // Chunks of 64 keep the math graders' overhead low; smaller pages are split finer so that every
  // thread gets work (code grading runs programs: a few samples per thread already fill the sandbox).
  const std::size_t kChunk =
      std::max<std::size_t>(1, std::min<std::size_t>(64, page.size() / (std::max(1u, threads) * 4)));
  auto work = [&] {
    try {
      for (;;) {
        std::size_t begin = next.fetch_add(kChunk);
        if (begin >= page.size() || failed) return;
        for (std::size_t i = begin; i < std::min(page.size(), begin + kChunk); ++i) {
          const PendingSample& s = page[i];
          auto it = index.find(s.problem_id);
          // Cannot happen for samples we stored from this data file (same sha256), but a clear
          // message beats an out-of-range crash if the database was edited by hand.
          if (it == index.end())
            throw std::runtime_error(fmt::format("sample {} refers to problem '{}', which is not in the data file",
                                                 s.sample_id, s.problem_id));
          out[i].sample_id = s.sample_id;
          const Problem& problem = problems[it->second];
          out[i].grade =
              memo ? memo->grade(task, problem, s.completion, mode) : task.grade(problem, s.completion, mode);
          out[i].grade.mode = mode;  // the identity column: always the mode we were asked for
        }
      }
    } catch (...) {
      if (!failed.exchange(true)) error = std::current_exception();
    }
  };
  unsigned n = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>((page.size() + kChunk - 1) / kChunk)));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  return out;
}

std::string lm_eval_note(const SamplesFileCheck& check) {
  return check.lm_eval_filter.empty() ? std::string() : check.lm_eval_filter;
}

}  // namespace

unsigned grading_threads_for(const Task& task, unsigned requested) {
  if (requested) return requested;
  // Code tasks: enough concurrent grade() calls to keep every sandbox slot busy.
  if (const auto* sandboxed = dynamic_cast<const codegrade::SandboxedGrading*>(&task))
    return sandboxed->grading_threads();
  return std::min(8u, std::max(1u, std::thread::hardware_concurrency()));
}

PendingGradeCounts grade_pending(Store& store, std::int64_t run_id, const Task& task,
                                 const std::vector<Problem>& problems, const std::string& mode, std::size_t page_size,
                                 unsigned threads, std::int64_t* after, Progress* bar, GradeMemo* memo) {
  std::unordered_map<std::string, std::size_t> index;
  index.reserve(problems.size());
  for (std::size_t i = 0; i < problems.size(); ++i) index.emplace(problems[i].id, i);
  PendingGradeCounts counts;
  std::int64_t cursor = after ? *after : 0;
  for (;;) {
    auto page = store.ungraded(run_id, mode, page_size, cursor);
    if (page.empty()) break;
    cursor = page.back().sample_id;
    auto grades = grade_page(task, problems, index, page, mode, threads, memo);
    // A sandbox failure says nothing about the program: such grades are not stored (a re-run
    // grades those samples again) and the caller fails loudly.
    auto failed = std::remove_if(grades.begin(), grades.end(),
                                 [](const GradeRow& g) { return g.grade.verdict == "sandbox_error"; });
    counts.sandbox_errors += static_cast<std::int64_t>(grades.end() - failed);
    grades.erase(failed, grades.end());
    counts.graded += static_cast<std::int64_t>(grades.size());
    counts.stored += static_cast<std::int64_t>(store.put_grades(grades));
    if (after) *after = cursor;
    if (bar) bar->advance(page.size());
  }
  return counts;
}

GradeSummary grade_samples(const GradeOptions& options) {
  auto started = std::chrono::steady_clock::now();
  if (options.batch_size == 0) throw UsageError("batch size must be at least 1");

  // 1. The task, its mode, its data — all checked before the samples file is even opened.
  std::shared_ptr<const Task> task = options.task_object;
  if (!task) task = make_task(options.task);
  std::string mode = options.mode.empty() ? task->default_mode() : options.mode;
  auto modes = task->modes();
  if (std::find(modes.begin(), modes.end(), mode) == modes.end())
    throw UsageError(
        fmt::format("task {} has no grading mode '{}' (modes: {})", task->name(), mode, fmt::join(modes, ", ")));
  std::vector<Problem> problems = task->load(options.data_path);
  // Code tasks' golds are test programs, not answers a harness's target could be compared with.
  const bool golds_are_answers = dynamic_cast<const codegrade::SandboxedGrading*>(task.get()) == nullptr;
  const ProblemCatalog catalog(problems, golds_are_answers);

  // 2. The whole samples file, read once without writing anything: a bad line anywhere means
  // the database (or its absence) is left exactly as it was.
  SamplesFileCheck check;
  {
    std::error_code ec;
    auto size = fs::file_size(options.samples_path, ec);
    Progress bar("validating", ec ? 0 : size, options.progress, "bytes");
    check = validate_samples_file(options.samples_path, options.reader, catalog,
                                  [&](std::size_t bytes) { bar.set(bytes); });
  }

  GradeSummary summary;
  summary.model = options.model.empty() ? default_model_name(options.samples_path) : options.model;
  summary.task = task->name();
  summary.mode = mode;
  summary.problems = problems.size();
  summary.problems_with_samples = check.problems_with_samples;
  summary.samples_in_file = check.samples;
  summary.lines_skipped = check.lines_skipped;
  summary.lm_eval_filter = lm_eval_note(check);
  summary.lines_by_question = check.lines_by_question;

  // 3. The run. Imported samples have no decoding configuration we can know, but which lm-eval
  // field (and filter) they came from changes what a sample IS, so it is part of the identity:
  // importing filtered_resps after resps makes a second run instead of silently mixing the two.
  RunSpec spec;
  spec.model = summary.model;
  spec.task = summary.task;
  spec.data_path = options.data_path;
  spec.data_sha256 = task->data_identity(options.data_path);  // a file, or a directory + release selection
  if (check.lm_eval_lines > 0 && options.reader.lm_eval_field == LmEvalField::kFilteredResps)
    spec.config = {{"lm_eval_field", "filtered_resps"}, {"lm_eval_filter", check.lm_eval_filter}};
  // Few-shot settings change the stored prompts: samples graded under other settings are another run.
  if (auto prompts = task->prompt_identity(options.data_path); !prompts.is_null()) spec.config["fewshot"] = prompts;
  spec.source = options.samples_path;

  Store store(options.db_path);
  summary.run_id = store.ensure_run(spec);
  store.put_problems(summary.run_id, problems);

  // 4. Samples, in batches of one transaction each. The reader assigns the same identities as
  // during validation (same file, same filter), so a re-run inserts nothing.
  {
    SamplesReaderOptions reader_options = options.reader;
    reader_options.lm_eval_filter = check.lm_eval_filter;
    reader_options.catalog = &catalog;  // the same resolution as during validation
    SamplesReader reader(options.samples_path, reader_options);
    Progress bar("storing", check.samples, options.progress, "samples");
    std::vector<SampleRecord> records;
    std::vector<SampleRow> rows;
    std::vector<std::size_t> lines;
    auto flush = [&] {
      if (rows.empty()) return;
      auto result = store.put_samples_checked(summary.run_id, rows);
      if (!result.conflicts.empty()) {
        std::size_t at = result.conflicts.front();
        throw InputError(
            options.samples_path, lines[at], "completion",
            fmt::format("sample (problem '{}', index {}) is already stored in run {} of {} with a different "
                        "completion; samples from another generation need another --model name",
                        rows[at].problem_id, rows[at].sample_index, summary.run_id, options.db_path));
      }
      summary.samples_new += static_cast<std::int64_t>(result.inserted);
      bar.advance(rows.size());
      rows.clear();
      lines.clear();
    };
    while (reader.next(records)) {
      for (auto& r : records) {
        SampleRow row;
        row.problem_id = std::move(r.problem_id);
        row.sample_index = r.sample_index;
        row.completion = std::move(r.completion);
        rows.push_back(std::move(row));
        lines.push_back(r.line);
      }
      records.clear();
      if (rows.size() >= options.batch_size) flush();
    }
    flush();
  }
  summary.samples_total = store.count_samples(summary.run_id);

  // 5. Grading: page through the run's samples that have no grade in this mode. Grading runs on
  // a few threads; writes go through this one connection, one transaction per page.
  {
    std::int64_t pending = summary.samples_total - store.count_grades(summary.run_id, mode);
    unsigned threads = grading_threads_for(*task, options.threads);
    Progress bar(fmt::format("grading ({})", mode), static_cast<std::uint64_t>(std::max<std::int64_t>(0, pending)),
                 options.progress, "samples");
    std::int64_t after = 0;
    GradeMemo memo;
    auto counts =
        grade_pending(store, summary.run_id, *task, problems, mode, options.batch_size, threads, &after, &bar, &memo);
    summary.grades_new += counts.stored;
    std::int64_t sandbox_errors = counts.sandbox_errors;
    if (sandbox_errors > 0)
      throw std::runtime_error(fmt::format(
          "{} sample(s) of run {} could not be graded because the sandbox failed (verdict sandbox_error, never "
          "blamed on the program); their grades were NOT stored and the other grades were. Fix the sandbox "
          "(see `trafl-eval exec`) and re-run the same command to grade the rest.",
          sandbox_errors, summary.run_id));
  }
  summary.grades_total = store.count_grades(summary.run_id, mode);
  summary.correct = store.count_correct(summary.run_id, mode);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return summary;
}

}  // namespace trafl
