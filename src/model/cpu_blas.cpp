#include "model/cpu_blas.hpp"

#include <dlfcn.h>

#include <stdexcept>

namespace trafl::model {
namespace {

// The Fortran BLAS interface (LP64: 32-bit integers, column-major, arguments by pointer). The
// hidden character-length arguments gfortran appends are not read for one-character options.
using Sgemm = void (*)(const char* transa, const char* transb, const int* m, const int* n, const int* k,
                       const float* alpha, const float* a, const int* lda, const float* b, const int* ldb,
                       const float* beta, float* c, const int* ldc);

Sgemm sgemm_fn() {
  static const auto f = reinterpret_cast<Sgemm>(dlsym(RTLD_DEFAULT, "sgemm_"));
  return f;
}

int as_int(std::int64_t v) {
  if (v < 0 || v > 0x7fffffff) throw std::length_error("cpu_sgemm: dimension beyond the BLAS's 32-bit range");
  return static_cast<int>(v);
}

}  // namespace

bool have_cpu_sgemm() { return sgemm_fn() != nullptr; }

void cpu_sgemm(bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t lda,
               const float* B, std::int64_t ldb, float* C, std::int64_t ldc, float beta) {
  // Row-major C = A·op(B) is column-major Cᵀ = op(B)ᵀ·Aᵀ: the same memory read with the operands
  // swapped, so no copy or transpose is made.
  const int m = as_int(N), n = as_int(M), k = as_int(K), la = as_int(ldb), lb = as_int(lda), lc = as_int(ldc);
  const float one = 1.0f;
  const char ta = trans_b ? 'T' : 'N', tb = 'N';
  sgemm_fn()(&ta, &tb, &m, &n, &k, &one, B, &la, A, &lb, &beta, C, &lc);
}

}  // namespace trafl::model
