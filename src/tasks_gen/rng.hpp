#pragma once
// The generators' PRNG: splitmix64 with integer-only helpers, so a seed gives the same bytes on
// every platform and standard library (std:: distributions are implementation-defined).
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace trafl::tasks_gen {

class Rng {
 public:
  // Streams with different labels ("math/test", "code/train") never share draws.
  Rng(std::uint64_t seed, std::string_view label) : state_(seed * 0x9E3779B97F4A7C15ull) {
    for (unsigned char c : label) state_ = (state_ ^ c) * 0x100000001B3ull;  // FNV-style mix of the label
    next();
  }
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [lo, hi] (hi - lo small: the modulo bias is far below anything a test could see).
  int range(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<std::uint64_t>(hi - lo + 1)); }
  std::size_t index(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[index(v.size())];
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[index(i)]);
  }

 private:
  std::uint64_t state_;
};

}  // namespace trafl::tasks_gen
