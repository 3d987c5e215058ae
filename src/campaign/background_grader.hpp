#pragma once
// Grading that runs next to sampling (torch-free). One thread with its own store connection wakes
// whenever the sampler commits a batch, grades every registered run's ungraded samples in each
// mode (math in-process; code tasks fan out to the sandbox pool through grade_pending's threads)
// and goes back to sleep; finish() drains the backlog and joins. The database is the queue: what
// this thread has not graded when the process dies is simply ungraded, and the next run grades it.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/task.hpp"
#include "grade_stage/grade_memo.hpp"

namespace trafl {
class Store;
}

namespace trafl::campaign {

class BackgroundGrader {
 public:
  BackgroundGrader(std::string db_path, std::shared_ptr<const Task> task, std::vector<Problem> problems,
                   std::vector<std::string> modes, std::vector<std::int64_t> run_ids, unsigned threads,
                   std::size_t page_size);
  ~BackgroundGrader();  // stops without draining (an exception is unwinding the campaign)
  BackgroundGrader(const BackgroundGrader&) = delete;
  BackgroundGrader& operator=(const BackgroundGrader&) = delete;

  void notify();  // new samples were committed
  // Drains the backlog, joins, rethrows a grading error. Safe to call once.
  void finish();
  bool failed() const { return failed_; }

  std::int64_t graded() const { return graded_; }  // grades computed (all modes)
  std::int64_t stored() const { return stored_; }  // rows new
  std::int64_t sandbox_errors() const { return sandbox_errors_; }

 private:
  void loop();
  bool pass(Store& store);  // one sweep over runs × modes; true if anything was graded

  std::string db_path_;
  std::shared_ptr<const Task> task_;
  std::vector<Problem> problems_;
  std::vector<std::string> modes_;
  std::vector<std::int64_t> run_ids_;
  unsigned threads_;
  std::size_t page_size_;
  std::vector<std::int64_t> cursors_;  // per (run, mode): last sample id looked at
  GradeMemo memo_;                     // shared by every run of the campaign (same task, same problems)

  std::mutex mu_;
  std::condition_variable cv_;
  bool pending_ = true, draining_ = false, abort_ = false;
  std::atomic<bool> failed_{false};
  std::exception_ptr error_;
  std::atomic<std::int64_t> graded_{0}, stored_{0}, sandbox_errors_{0};
  std::thread thread_;
};

}  // namespace trafl::campaign
