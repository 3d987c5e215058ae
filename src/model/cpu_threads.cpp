#include "model/cpu_threads.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <dlfcn.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <exception>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace trafl::model {
namespace {

using SetThreads = void (*)(int);
using GetThreads = int (*)();

// Looked up at run time: present when the process loaded OpenBLAS (Debian's libblas.so.3
// alternative), absent with MKL or the reference BLAS.
SetThreads openblas_setter() {
  static const auto f = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  return f;
}
GetThreads openblas_getter() {
  static const auto f = reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return f;
}

bool omp_passive() {
  const char* v = std::getenv("OMP_WAIT_POLICY");
  if (!v) return false;
  std::string s(v);
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s == "passive";
}

// True on a thread while it runs parallel_tasks' tasks: nested splits then stay on that thread.
thread_local bool in_parallel_task = false;

// LibTorch's default intra-op count (the cores), captured before the first change.
int default_threads() {
  static const int n = at::get_num_threads();
  return n;
}

}  // namespace

void set_cpu_threads(int n) {
  if (n <= 0)
    n = default_threads();
  else
    default_threads();  // capture the default before changing it
  if (SetThreads set_blas = openblas_setter()) {
    set_blas(n);
    at::set_num_threads(omp_passive() ? n : 1);
  } else {
    at::set_num_threads(n);
  }
}

CpuThreads cpu_threads() {
  CpuThreads t;
  t.element_wise = at::get_num_threads();
  if (GetThreads get = openblas_getter()) t.blas = get();
  return t;
}

SingleThreadedBlas::SingleThreadedBlas() {
  SetThreads set = openblas_setter();
  GetThreads get = openblas_getter();
  if (!set || !get) return;
  saved_ = get();
  // Lowering the count only changes OpenBLAS's active count: its pool keeps its threads (measured: the
  // process has the same number of threads after thousands of switches).
  if (saved_ > 1)
    set(1);
  else
    saved_ = 0;
}

SingleThreadedBlas::~SingleThreadedBlas() {
  if (saved_ > 0) openblas_setter()(saved_);
}

int task_threads() {
  if (in_parallel_task) return 1;
  const CpuThreads t = cpu_threads();
  return std::max(1, t.blas > 0 ? t.blas : t.element_wise);
}

void parallel_tasks(int workers, std::int64_t count, const std::function<void(std::int64_t)>& task) {
  workers = static_cast<int>(std::min<std::int64_t>(std::max(workers, 1), count));
  if (workers <= 1 || in_parallel_task) {
    for (std::int64_t i = 0; i < count; ++i) task(i);
    return;
  }
  const SingleThreadedBlas one_thread;
  const bool grad = c10::GradMode::is_enabled(), inference = c10::InferenceMode::is_enabled();
  std::atomic<std::int64_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(workers));
  auto drain = [&](int w) {
    in_parallel_task = true;
    try {
      c10::InferenceMode im(inference);
      c10::AutoGradMode gm(grad);
      for (std::int64_t i; (i = next.fetch_add(1)) < count;) task(i);
    } catch (...) {
      errors[static_cast<std::size_t>(w)] = std::current_exception();
      next = count;  // the others stop before their next task
    }
    in_parallel_task = false;
  };
  std::vector<std::future<void>> helpers;
  for (int w = 1; w < workers; ++w) {
    auto done = std::make_shared<std::promise<void>>();
    helpers.push_back(done->get_future());
    at::launch([&drain, w, done] {
      drain(w);
      done->set_value();
    });
  }
  drain(0);
  for (auto& h : helpers) h.wait();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace trafl::model
