#include "model/cpu_threads.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <dlfcn.h>

namespace trafl::model {

void set_cpu_threads(int n) {
  if (n <= 0) return;
  at::set_num_threads(n);
  // Looked up at run time: present when the process loaded OpenBLAS (Debian's libblas.so.3
  // alternative), absent with MKL or the reference BLAS.
  using SetThreads = void (*)(int);
  if (auto* set_blas = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set_blas(n);
}

}  // namespace trafl::model
