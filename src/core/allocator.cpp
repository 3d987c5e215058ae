#include "core/allocator.hpp"

#include <malloc.h>

namespace trafl {

void keep_freed_memory_in_heap() {
  // Setting either threshold also switches off glibc's dynamic adjustment of both.
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
}

}  // namespace trafl
