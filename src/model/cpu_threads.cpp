#include "model/cpu_threads.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <dlfcn.h>

#include <cctype>
#include <cstdlib>
#include <string>

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

// LibTorch's default intra-op count (the cores), captured before the first change.
int default_threads() {
  static const int n = at::get_num_threads();
  return n;
}

}  // namespace

void set_cpu_threads(int n) {
  if (n <= 0) n = default_threads();
  else default_threads();  // capture the default before changing it
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
  if (saved_ > 1) set(1);
  else saved_ = 0;
}

SingleThreadedBlas::~SingleThreadedBlas() {
  if (saved_ > 0) openblas_setter()(saved_);
}

}  // namespace trafl::model
