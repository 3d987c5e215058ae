// MT19937 as CPython's _randommodule.c runs it, and Random.sample as Lib/random.py does (see the header).
#include "benchmarks/python_random.hpp"

#include <cmath>
#include <stdexcept>
#include <unordered_set>

namespace trafl {

PythonRandom::PythonRandom(std::uint64_t seed) {
  // random_seed(): the absolute value's 32-bit words, least significant first; 0 is one zero word.
  std::vector<std::uint32_t> key;
  do {
    key.push_back(static_cast<std::uint32_t>(seed & 0xffffffffu));
    seed >>= 32;
  } while (seed != 0);
  init_by_array(key);
}

void PythonRandom::init_genrand(std::uint32_t s) {
  mt_[0] = s;
  for (int i = 1; i < kN; ++i) mt_[i] = 1812433253u * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  index_ = kN;
}

void PythonRandom::init_by_array(const std::vector<std::uint32_t>& key) {
  init_genrand(19650218u);
  std::size_t i = 1, j = 0;
  const std::size_t len = key.size();
  for (std::size_t k = kN > len ? kN : len; k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525u)) + key[j] + static_cast<std::uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
    if (j >= len) j = 0;
  }
  for (std::size_t k = kN - 1; k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941u)) - static_cast<std::uint32_t>(i);
    ++i;
    if (i >= kN) {
      mt_[0] = mt_[kN - 1];
      i = 1;
    }
  }
  mt_[0] = 0x80000000u;
}

std::uint32_t PythonRandom::next_u32() {
  constexpr std::uint32_t kUpper = 0x80000000u, kLower = 0x7fffffffu, kMatrixA = 0x9908b0dfu;
  constexpr int kM = 397;
  if (index_ >= kN) {
    int k = 0;
    for (; k < kN - kM; ++k) {
      std::uint32_t y = (mt_[k] & kUpper) | (mt_[k + 1] & kLower);
      mt_[k] = mt_[k + kM] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
    }
    for (; k < kN - 1; ++k) {
      std::uint32_t y = (mt_[k] & kUpper) | (mt_[k + 1] & kLower);
      mt_[k] = mt_[k + (kM - kN)] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
    }
    std::uint32_t y = (mt_[kN - 1] & kUpper) | (mt_[0] & kLower);
    mt_[kN - 1] = mt_[kM - 1] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
    index_ = 0;
  }
  std::uint32_t y = mt_[index_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= (y >> 18);
  return y;
}

std::uint64_t PythonRandom::randbelow(std::uint64_t n) {
  if (n == 0 || n > (std::uint64_t{1} << 32)) throw std::invalid_argument("PythonRandom::randbelow: n out of range");
  int bits = 0;  // n.bit_length()
  for (std::uint64_t v = n; v; v >>= 1) ++bits;
  // getrandbits(k) for k <= 32 is one word shifted down; k = 33 (n = 2^32) never occurs for our pools.
  auto draw = [&]() -> std::uint64_t { return bits >= 32 ? next_u32() : (next_u32() >> (32 - bits)); };
  std::uint64_t r = draw();
  while (r >= n) r = draw();
  return r;
}

std::vector<std::size_t> PythonRandom::sample(std::size_t n, std::size_t k) {
  if (k > n) throw std::invalid_argument("PythonRandom::sample: sample larger than population");
  std::vector<std::size_t> result(k);
  // Lib/random.py: an n-length list is used when it is smaller than a k-length set would be.
  std::size_t setsize = 21;
  if (k > 5)
    setsize += static_cast<std::size_t>(std::pow(4.0, std::ceil(std::log(static_cast<double>(k * 3)) / std::log(4.0))));
  if (n <= setsize) {
    std::vector<std::size_t> pool(n);
    for (std::size_t i = 0; i < n; ++i) pool[i] = i;
    for (std::size_t i = 0; i < k; ++i) {
      const auto j = static_cast<std::size_t>(randbelow(n - i));
      result[i] = pool[j];
      pool[j] = pool[n - i - 1];  // move the unselected item into the vacancy
    }
  } else {
    std::unordered_set<std::size_t> selected;
    for (std::size_t i = 0; i < k; ++i) {
      auto j = static_cast<std::size_t>(randbelow(n));
      while (selected.count(j)) j = static_cast<std::size_t>(randbelow(n));
      selected.insert(j);
      result[i] = j;
    }
  }
  return result;
}

}  // namespace trafl
