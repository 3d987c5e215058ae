#pragma once
// Counter-based seeds: every random draw of a training run is a function of (run seed, step, …),
// never of a generator's history, so a resumed run draws exactly what an uninterrupted one would.
#include <cstdint>
#include <initializer_list>
#include <vector>

namespace trafl::training {

inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// A well-mixed seed from several counters (order matters).
inline std::uint64_t mix_seed(std::initializer_list<std::uint64_t> parts) {
  std::uint64_t h = 0x5452414654524E31ULL;  // "TRAFTRN1"
  for (std::uint64_t p : parts) h = splitmix64(h ^ splitmix64(p));
  return h;
}

// Purpose tags, so that draws for different purposes never share a seed.
enum class SeedPurpose : std::uint64_t {
  kDataOrder = 1,
  kSftNoise = 2,
  kRollout = 3,
  kObjective = 4,
  kDropout = 5,
  kLoraInit = 6
};

inline std::uint64_t step_seed(std::uint64_t run_seed, SeedPurpose purpose, std::uint64_t step, std::uint64_t sub = 0) {
  return mix_seed({run_seed, static_cast<std::uint64_t>(purpose), step, sub});
}

// The order of examples in epoch `epoch`: a Fisher–Yates shuffle driven by splitmix64 (the same on
// every standard library, unlike std::shuffle).
inline std::vector<std::size_t> epoch_order(std::size_t n, std::uint64_t run_seed, std::uint64_t epoch) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::uint64_t state = step_seed(run_seed, SeedPurpose::kDataOrder, epoch);
  for (std::size_t i = n; i > 1; --i) {
    state = splitmix64(state);
    std::swap(order[i - 1], order[state % i]);
  }
  return order;
}

}  // namespace trafl::training
