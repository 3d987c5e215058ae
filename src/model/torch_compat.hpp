#pragma once
// The one place that tells LibTorch versions apart. Debian 12 ships LibTorch 1.13, Debian 13 and
// current PyTorch wheels ship 2.x (scripts/check-builds builds against both). Code that differs
// between them tests one of the macros below, never TORCH_VERSION_* directly.
#include <torch/version.h>

// at::scaled_dot_product_attention (fused flash / memory-efficient attention kernels on CUDA) with its
// `scale` argument, which arrived in LibTorch 2.1 (2.0 had the function but always scaled by 1/sqrt(hd)).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define TRAFL_TORCH_HAS_SDPA 1
#else
#define TRAFL_TORCH_HAS_SDPA 0
#endif
