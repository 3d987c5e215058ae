#include "sampling/decoding_lengths.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace trafl::sampling {

DecodingLengths resolve_decoding_lengths(std::int64_t gen_length, std::int64_t steps, std::int64_t block_length) {
  DecodingLengths d;
  d.gen_length = gen_length;
  if (gen_length <= 0) throw UsageError(fmt::format("--gen-length {}: must be positive", gen_length));
  if (steps < 0 || block_length < 0)
    throw UsageError(
        fmt::format("gen length {}: --steps and --block-length must be positive (0: the default)", gen_length));
  d.steps = steps == 0 ? gen_length : steps;
  d.block_length = block_length == 0 ? (gen_length % 32 == 0 ? 32 : gen_length) : block_length;
  if (gen_length % d.block_length != 0)
    throw UsageError(fmt::format("gen length {}: --block-length {} does not divide it", gen_length, d.block_length));
  if (d.steps > gen_length)
    throw UsageError(
        fmt::format("gen length {}: --steps {} is more than the {} tokens to generate; each step commits at "
                    "least one token, so at most {} steps (the default) do work and the rest would be "
                    "forward passes that commit nothing",
                    gen_length, d.steps, gen_length, gen_length));
  const std::int64_t blocks = gen_length / d.block_length;
  if (d.steps % blocks != 0)
    throw UsageError(fmt::format("gen length {}: --steps {} is not a multiple of the {} blocks of {} tokens",
                                 gen_length, d.steps, blocks, d.block_length));
  return d;
}

}  // namespace trafl::sampling
