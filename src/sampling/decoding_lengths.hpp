#pragma once
// The one rule for a sampler's lengths, shared by `generate` and `sample` (issue 20: generate
// defaulted to blocks of 32 and refused --gen-length 16, while sample adapted), torch-free.
//   steps        0 → gen_length (one token committed per step, LLaDA's setting)
//   block_length 0 → 32 when 32 divides gen_length, else gen_length (one block)
// Refused with the reason: non-positive values, a block length that does not divide the
// generation length, steps that are not a multiple of the number of blocks, and more steps than
// tokens (every step commits at least one token of its block, so extra steps would be forward
// passes that commit nothing).
#include <cstdint>

namespace trafl::sampling {

struct DecodingLengths {
  std::int64_t gen_length = 0;
  std::int64_t steps = 0;
  std::int64_t block_length = 0;
};

// UsageError naming the flag (--gen-length, --steps, --block-length) on a refusal.
DecodingLengths resolve_decoding_lengths(std::int64_t gen_length, std::int64_t steps, std::int64_t block_length);

}  // namespace trafl::sampling
