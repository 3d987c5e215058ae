#pragma once
// Python's random.Random, as far as lm-eval's few-shot sampler uses it: seeding from a non-negative
// integer (MT19937 init_by_array over the integer's 32-bit words, least significant first) and
// Random.sample(population, k) over indices 0..n-1, both branches of CPython's algorithm (a pool for
// small populations, a set of rejected draws otherwise; Lib/random.py). Draws must match CPython
// exactly, or a "5-shot with seed 1234" prompt would not be lm-eval's prompt. tests/test_fewshot.cpp
// holds values printed by CPython 3.11 for the same calls.
#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace trafl {

class PythonRandom {
 public:
  explicit PythonRandom(std::uint64_t seed);  // = random.Random(seed)
  std::uint32_t next_u32();                   // = genrand_uint32
  std::uint64_t randbelow(std::uint64_t n);   // = Random._randbelow_with_getrandbits(n), n in [1, 2^32]
  // = Random.sample(range(n), k): k distinct indices in draw order. Requires k <= n.
  std::vector<std::size_t> sample(std::size_t n, std::size_t k);

 private:
  static constexpr int kN = 624;
  std::array<std::uint32_t, kN> mt_{};
  int index_ = kN + 1;
  void init_genrand(std::uint32_t s);
  void init_by_array(const std::vector<std::uint32_t>& key);
};

}  // namespace trafl
