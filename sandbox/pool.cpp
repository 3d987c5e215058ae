// Pool: one worker thread per sandbox slot, fed from a FIFO queue.
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "sandbox/sandbox.hpp"

namespace trafl::sandbox {

struct Pool::Impl {
  Sandbox& box;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::packaged_task<RunResult()>> queue;
  std::vector<std::thread> threads;
  bool stopping = false;

  explicit Impl(Sandbox& b) : box(b) {}
  void work() {
    for (;;) {
      std::packaged_task<RunResult()> task;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        task = std::move(queue.front());
        queue.pop_front();
      }
      task();
    }
  }
};

Pool::Pool(Sandbox& sandbox, unsigned workers) : impl_(std::make_unique<Impl>(sandbox)) {
  unsigned n = workers ? workers : sandbox.slots();
  for (unsigned i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->work(); });
}

Pool::~Pool() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  for (auto& t : impl_->threads) t.join();
}

unsigned Pool::workers() const { return static_cast<unsigned>(impl_->threads.size()); }

std::future<RunResult> Pool::submit(RunRequest request) {
  std::packaged_task<RunResult()> task([this, req = std::move(request)] { return impl_->box.run(req); });
  auto fut = task.get_future();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->queue.push_back(std::move(task));
  }
  impl_->cv.notify_one();
  return fut;
}

std::vector<RunResult> Pool::run_all(const std::vector<RunRequest>& requests,
                                     const std::function<void(std::size_t, const RunResult&)>& on_done) {
  std::vector<std::future<RunResult>> futures;
  futures.reserve(requests.size());
  for (std::size_t i = 0; i < requests.size(); ++i) {
    std::packaged_task<RunResult()> task([this, &requests, &on_done, i] {
      RunResult r = impl_->box.run(requests[i]);
      if (on_done) on_done(i, r);
      return r;
    });
    futures.push_back(task.get_future());
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      impl_->queue.push_back(std::move(task));
    }
    impl_->cv.notify_one();
  }
  std::vector<RunResult> out;
  out.reserve(requests.size());
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

}  // namespace trafl::sandbox
