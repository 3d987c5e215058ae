#pragma once
// Single-precision matrix products straight through the process's BLAS (torch-free header).
//
// LibTorch on Debian calls libblas.so.3 (OpenBLAS) for every product; for the many small products
// of CPU attention (one [L x hd] x [hd x Lk] pair per row and head) its per-call tensor bookkeeping
// (select, transpose, resolve_conj, output checks: ~10 dispatches per head) cost more than the
// arithmetic. The standard Fortran entry point sgemm_ is looked up at run time in what the process
// already loaded, so nothing new is linked: present with OpenBLAS, the reference BLAS or a
// dynamically linked MKL; absent from LibTorch builds that link MKL statically, where callers keep
// their tensor path.
#include <cstdint>

namespace trafl::model {

// True when the process has a BLAS sgemm_ to call.
bool have_cpu_sgemm();

// Row-major C[M, N] = A[M, K] · B[K, N] + beta · C (trans_b: B given as [N, K], its transpose used;
// beta 0: C is only written, 1: the product is added to it, as a residual connection wants).
// lda / ldb / ldc are row strides in elements; the last dimension of each matrix is contiguous.
// Runs on the calling thread's share of the BLAS (see SingleThreadedBlas in cpu_threads.hpp).
// Precondition: have_cpu_sgemm().
void cpu_sgemm(bool trans_b, std::int64_t M, std::int64_t N, std::int64_t K, const float* A, std::int64_t lda,
               const float* B, std::int64_t ldb, float* C, std::int64_t ldc, float beta = 0.0f);

}  // namespace trafl::model
