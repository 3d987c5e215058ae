#pragma once
// CPU threads for LibTorch work (torch-free header).
//
// Two thread pools do the work on CPU with Debian's LibTorch: LibTorch's intra-op pool (OpenMP,
// libgomp) for element-wise ops, and OpenBLAS's own pthread pool (libopenblas0-pthread behind
// libblas.so.3) for the matrix products.
//  * at::set_num_threads alone leaves OpenBLAS's pool at every core, so a "one thread" process
//    still uses all cores, and two threads of one process that each call sgemm serialise on
//    OpenBLAS's lock and spin in sched_yield (a sharded demo campaign ran ~20x slower than one
//    shard alone). So both are set.
//  * With both pools at n > 1 they fight: after every element-wise op libgomp's workers spin
//    (OMP_WAIT_POLICY's default, read from the environment when libgomp loads, before main) on
//    the cores OpenBLAS's workers need for the next sgemm, and vice versa. Measured on the
//    2-core machine, tiny model (d 128, 4 layers), 2 threads: a sampler step at batch 16 took
//    70–84 ms with both pools at 2, 30 ms with the element-wise pool at 1 and OpenBLAS at 2
//    (31 ms with both at 2 under OMP_WAIT_POLICY=PASSIVE); at batch 1, 8.6 ms vs 2.3 ms.
//    So with a separate OpenBLAS pool the element-wise pool gets one thread unless libgomp was
//    started passive (export OMP_WAIT_POLICY=PASSIVE to give element-wise ops every thread too,
//    which pays off for large models on many cores).
// With a BLAS that shares LibTorch's OpenMP pool (MKL in the official LibTorch) both get n.
#include <cstdint>
#include <functional>

namespace trafl::model {

// n > 0: n threads for the matrix products (and for element-wise ops, see above); n <= 0: as many
// as LibTorch's default (the cores), with the same rule.
void set_cpu_threads(int n);

// What set_cpu_threads chose, for logs: "OpenBLAS 2, element-wise 1".
struct CpuThreads {
  int blas = 0;  // 0: the BLAS has no thread control of its own (it shares LibTorch's pool)
  int element_wise = 0;
};
CpuThreads cpu_threads();

// While alive, OpenBLAS runs on the calling thread only (restored on destruction): for loops of
// small products where waking the pool costs more than it brings. Process-wide, like OpenBLAS's
// own setting, so another thread's products in that window also run single-threaded (slower,
// never wrong). A no-op without OpenBLAS.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int saved_ = 0;  // 0: nothing to restore
};

// The thread count for work split by the caller (parallel_tasks): OpenBLAS's, or LibTorch's
// intra-op count without a separate OpenBLAS pool; 1 inside a parallel_tasks task (no nesting).
int task_threads();

// Runs task(0) .. task(count - 1), each exactly once, on up to `workers` threads: the caller and
// workers - 1 tasks on LibTorch's inter-op pool (threads that block when idle, unlike the
// element-wise pool's spinning ones), taking indices from a shared counter. Meanwhile OpenBLAS is
// single-threaded (SingleThreadedBlas) and the tasks see the caller's grad / inference mode. The
// first exception thrown by a task is rethrown here after every thread has stopped. workers <= 1 or
// count <= 1: all on the caller, in order.
void parallel_tasks(int workers, std::int64_t count, const std::function<void(std::int64_t)>& task);

}  // namespace trafl::model
