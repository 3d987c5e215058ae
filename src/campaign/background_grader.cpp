// BackgroundGrader (see background_grader.hpp).
#include "campaign/background_grader.hpp"

#include "grade_stage/grade_samples.hpp"
#include "store/store.hpp"

namespace trafl::campaign {

BackgroundGrader::BackgroundGrader(std::string db_path, std::shared_ptr<const Task> task, std::vector<Problem> problems,
                                   std::vector<std::string> modes, std::vector<std::int64_t> run_ids, unsigned threads,
                                   std::size_t page_size)
    : db_path_(std::move(db_path)),
      task_(std::move(task)),
      problems_(std::move(problems)),
      modes_(std::move(modes)),
      run_ids_(std::move(run_ids)),
      threads_(grading_threads_for(*task_, threads)),
      page_size_(page_size),
      cursors_(run_ids_.size() * modes_.size(), 0) {
  thread_ = std::thread([this] { loop(); });
}

BackgroundGrader::~BackgroundGrader() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      abort_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
}

void BackgroundGrader::notify() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = true;
  }
  cv_.notify_all();
}

void BackgroundGrader::finish() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    draining_ = true;
    pending_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (error_) std::rethrow_exception(error_);
}

bool BackgroundGrader::pass(Store& store) {
  bool any = false;
  for (std::size_t r = 0; r < run_ids_.size(); ++r)
    for (std::size_t m = 0; m < modes_.size(); ++m) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (abort_) return false;
      }
      auto counts = grade_pending(store, run_ids_[r], *task_, problems_, modes_[m], page_size_, threads_,
                                  &cursors_[r * modes_.size() + m], nullptr, &memo_);
      graded_ += counts.graded;
      stored_ += counts.stored;
      sandbox_errors_ += counts.sandbox_errors;
      any = any || counts.graded > 0 || counts.sandbox_errors > 0;
    }
  return any;
}

void BackgroundGrader::loop() {
  try {
    Store store(db_path_);
    for (;;) {
      bool draining;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return pending_ || abort_; });
        if (abort_) return;
        pending_ = false;
        draining = draining_;
      }
      // Grade until a sweep finds nothing (more batches may land meanwhile); when draining, the
      // sampler has stopped, so an empty sweep means everything is graded.
      while (pass(store)) {}
      if (draining) return;
    }
  } catch (...) {
    error_ = std::current_exception();
    failed_ = true;
  }
}

}  // namespace trafl::campaign
