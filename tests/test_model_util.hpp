#pragma once
// NOTE: Debian LibTorch 1.13 pulls in glog, whose CHECK macro replaces Catch's: include
// <catch2/catch.hpp> LAST in any test unit that includes torch headers.
// Tiny LLaDA configs for the [model] / [sampler] tests (ids match the tiny byte-level tokenizer:
// 256 bytes, then BOS 256, EOS 257, start/end header 258/259, EOT 260, MASK 261).
#include <ATen/Parallel.h>

#include "model/config.hpp"

namespace trafl::test {

inline model::ModelConfig tiny_llada_config(std::int64_t d_model = 32, std::int64_t layers = 2) {
  model::ModelConfig c = model::llada_8b_config();
  c.d_model = d_model;
  c.n_layers = layers;
  c.n_heads = 4;
  c.n_kv_heads = 4;
  c.mlp_hidden_size = 2 * d_model;
  c.vocab_size = 262;
  c.embedding_size = 264;
  c.max_sequence_length = 512;
  c.rope_theta = 10000.0;
  c.mask_token_id = 261;
  c.eos_token_ids = {257};
  c.pad_token_id = 257;
  c.bos_token_id = 256;
  return c;
}

inline void torch_test_threads() { at::set_num_threads(2); }

}  // namespace trafl::test
