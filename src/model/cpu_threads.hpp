#pragma once
// CPU threads for LibTorch work (torch-free header).
//
// Why not just at::set_num_threads: Debian's LibTorch runs its matrix products through
// libblas.so.3, which with libopenblas0-pthread keeps its OWN thread pool sized to every core.
// at::set_num_threads(1) leaves that pool alone, so a "one thread" process still uses all cores,
// and two threads of one process that each call sgemm serialise on OpenBLAS's lock and spin in
// sched_yield (seen as a sharded demo campaign running ~20x slower than one shard alone). This
// sets both. With a BLAS that has no openblas_set_num_threads (MKL in the official LibTorch) only
// LibTorch's count is set.
namespace trafl::model {

// n > 0: use n threads for LibTorch's intra-op pool and for OpenBLAS; n <= 0: leave the defaults.
void set_cpu_threads(int n);

}  // namespace trafl::model
