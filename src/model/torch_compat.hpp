#pragma once
// The one place that tells LibTorch versions apart. Debian 12 ships LibTorch 1.13, Debian 13 and
// current PyTorch wheels ship 2.x (scripts/check-builds builds against both). Code that differs
// between them tests one of the macros or uses one of the helpers below, never TORCH_VERSION_* directly.
#include <torch/version.h>

#include <type_traits>
#include <utility>

// at::scaled_dot_product_attention (fused flash / memory-efficient attention kernels on CUDA) with its
// `scale` argument, which arrived in LibTorch 2.1 (2.0 had the function but always scaled by 1/sqrt(hd)).
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
#define TRAFL_TORCH_HAS_SDPA 1
#else
#define TRAFL_TORCH_HAS_SDPA 0
#endif

namespace trafl::torch_compat {

// c10d::TCPStoreOptions::useLibUV (LibTorch 2.2+, true by default since 2.4). Debian 13's LibTorch 2.6
// is built without libuv and refuses a store that asks for it ("use_libuv was requested but PyTorch
// was build without libuv support"); the socket store every version has is enough for a rendezvous.
// Detected on the options type rather than guessed from the version.
template <typename Options, typename = void>
struct HasUseLibUV : std::false_type {};
template <typename Options>
struct HasUseLibUV<Options, std::void_t<decltype(std::declval<Options&>().useLibUV)>> : std::true_type {};

template <typename Options>
void use_socket_tcp_store(Options& options) {
  if constexpr (HasUseLibUV<Options>::value) options.useLibUV = false;
}

}  // namespace trafl::torch_compat
