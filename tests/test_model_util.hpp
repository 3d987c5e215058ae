#pragma once
// NOTE: Debian LibTorch 1.13 pulls in glog, whose CHECK macro replaces Catch's: include
// <catch2/catch.hpp> LAST in any test unit that includes torch headers.
// Tiny LLaDA configs for the [model] / [sampler] tests (ids match the tiny byte-level tokenizer:
// 256 bytes, then BOS 256, EOS 257, start/end header 258/259, EOT 260, MASK 261).
#include "model/config.hpp"
#include "model/cpu_threads.hpp"

namespace trafl::test {

inline model::ModelConfig tiny_llada_config(std::int64_t d_model = 32, std::int64_t layers = 2) {
  return model::tiny_byte_llada_config(d_model, layers, 2 * d_model, 512);
}

// Two threads, with the rule the CLI uses (model/cpu_threads.hpp: OpenBLAS 2, element-wise 1).
inline void torch_test_threads() { model::set_cpu_threads(2); }

}  // namespace trafl::test
