#include "metrics/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <thread>

namespace trafl {

namespace {

constexpr std::uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

std::uint64_t mix64(std::uint64_t z) {  // splitmix64 finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256++ (Blackman & Vigna), seeded through splitmix64.
class Xoshiro256pp {
 public:
  explicit Xoshiro256pp(std::uint64_t seed) {
    for (auto& word : s_) {
      seed += kGolden;
      word = mix64(seed);
    }
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, range), range ≥ 1: Lemire's multiply-and-reject (unbiased, platform-independent).
  std::uint64_t below(std::uint64_t range) {
    __extension__ typedef unsigned __int128 u128;
    u128 m = static_cast<u128>(next()) * range;
    auto low = static_cast<std::uint64_t>(m);
    if (low < range) {
      const std::uint64_t threshold = (0 - range) % range;
      while (low < threshold) {
        m = static_cast<u128>(next()) * range;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

// The generator of resample b: a pure function of (seed, b).
Xoshiro256pp resample_rng(std::uint64_t seed, std::int64_t resample) {
  return Xoshiro256pp(mix64(seed ^ mix64(static_cast<std::uint64_t>(resample) + kGolden)));
}

void check_options(const BootstrapOptions& o) {
  if (o.resamples < 1) throw std::invalid_argument("bootstrap: resamples must be at least 1");
  if (!(o.confidence > 0.0 && o.confidence < 1.0))
    throw std::invalid_argument("bootstrap: confidence must be in (0, 1)");
}

unsigned thread_count(unsigned requested, std::size_t work_items, double flops) {
  unsigned t = requested ? requested : std::max(1u, std::thread::hardware_concurrency());
  if (flops < 4e6) t = 1;  // thread start-up would dominate
  return static_cast<unsigned>(std::min<std::size_t>(t, std::max<std::size_t>(work_items, 1)));
}

template <typename F>
void parallel_for(unsigned threads, std::size_t items, F&& body) {  // body(begin, end) on contiguous ranges
  if (threads <= 1 || items <= 1) {
    body(std::size_t{0}, items);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) {
    std::size_t begin = items * t / threads, end = items * (t + 1) / threads;
    if (begin < end) pool.emplace_back([&body, begin, end] { body(begin, end); });
  }
  for (auto& th : pool) th.join();
}

// ---- the blocked (B × P) · (P × K) kernel ------------------------------------------------------
// Micro-tile: MR resamples × NR columns held in registers, summed over p = 0..P−1 in order.
constexpr std::size_t MR = 4;   // resamples per micro-tile
constexpr std::size_t NR = 8;   // columns per micro-tile (two 4-double vectors)
constexpr std::size_t MB = 16;  // micro-tiles of resamples per L2 chunk (MB·MR·P counts stay hot)

typedef double v4d __attribute__((vector_size(32)));

// Computes outT[j*B + b] = (Σ_p W[b][p]·C[p][j]) / P for the micro-tile blocks [bb0, bb1).
// wpack: [block][p][MR] counts; cpack: [panel][p][NR] values (zero padded). Multiplication and
// addition are separate operations (no FMA contraction in ISO mode), so every clone gives the
// same bits; the AVX2 clone is just wider.
__attribute__((target_clones("avx2", "default"))) void bootstrap_kernel(const double* wpack, const double* cpack,
                                                                        std::size_t P, std::size_t K, std::size_t B,
                                                                        std::size_t bb0, std::size_t bb1,
                                                                        double* outT) {
  const std::size_t panels = (K + NR - 1) / NR;
  const double denom = static_cast<double>(P);
  for (std::size_t chunk = bb0; chunk < bb1; chunk += MB) {
    const std::size_t chunk_end = std::min(bb1, chunk + MB);
    for (std::size_t panel = 0; panel < panels; ++panel) {
      const double* c = cpack + panel * P * NR;
      for (std::size_t bb = chunk; bb < chunk_end; ++bb) {
        const double* w = wpack + bb * P * MR;
        v4d a00{}, a01{}, a10{}, a11{}, a20{}, a21{}, a30{}, a31{};
        for (std::size_t p = 0; p < P; ++p) {
          v4d c0, c1;
          std::memcpy(&c0, c + p * NR, sizeof c0);
          std::memcpy(&c1, c + p * NR + 4, sizeof c1);
          const double* wp = w + p * MR;
          const v4d w0 = {wp[0], wp[0], wp[0], wp[0]};
          const v4d w1 = {wp[1], wp[1], wp[1], wp[1]};
          const v4d w2 = {wp[2], wp[2], wp[2], wp[2]};
          const v4d w3 = {wp[3], wp[3], wp[3], wp[3]};
          a00 += w0 * c0;
          a01 += w0 * c1;
          a10 += w1 * c0;
          a11 += w1 * c1;
          a20 += w2 * c0;
          a21 += w2 * c1;
          a30 += w3 * c0;
          a31 += w3 * c1;
        }
        double tile[MR][NR];
        std::memcpy(&tile[0][0], &a00, 32);
        std::memcpy(&tile[0][4], &a01, 32);
        std::memcpy(&tile[1][0], &a10, 32);
        std::memcpy(&tile[1][4], &a11, 32);
        std::memcpy(&tile[2][0], &a20, 32);
        std::memcpy(&tile[2][4], &a21, 32);
        std::memcpy(&tile[3][0], &a30, 32);
        std::memcpy(&tile[3][4], &a31, 32);
        for (std::size_t r = 0; r < MR; ++r) {
          const std::size_t b = bb * MR + r;
          if (b >= B) break;
          for (std::size_t l = 0; l < NR; ++l) {
            const std::size_t j = panel * NR + l;
            if (j >= K) break;
            outT[j * B + b] = tile[r][l] / denom;
          }
        }
      }
    }
  }
}

double quantile_inplace(double* x, std::size_t n, double q) {
  const double h = static_cast<double>(n - 1) * q;
  const auto i = static_cast<std::size_t>(std::floor(h));
  const double frac = h - static_cast<double>(i);
  std::nth_element(x, x + i, x + n);
  const double a = x[i];
  if (frac <= 0.0 || i + 1 >= n) return a;
  const double b = *std::min_element(x + i + 1, x + n);
  return a + frac * (b - a);
}

}  // namespace

std::uint64_t derive_seed(std::uint64_t seed, std::string_view label) {
  std::uint64_t h = 0xCBF29CE484222325ULL;  // FNV-1a 64
  for (unsigned char ch : label) {
    h ^= ch;
    h *= 0x100000001B3ULL;
  }
  return mix64(mix64(seed) ^ h);
}

std::vector<std::uint32_t> bootstrap_counts(std::uint64_t seed, std::int64_t resample, std::size_t problems) {
  std::vector<std::uint32_t> counts(problems, 0);
  if (problems == 0) return counts;
  auto rng = resample_rng(seed, resample);
  for (std::size_t i = 0; i < problems; ++i) ++counts[rng.below(problems)];
  return counts;
}

Interval percentile_interval(double* samples, std::size_t count, double confidence) {
  if (count == 0) throw std::invalid_argument("percentile_interval: no samples");
  if (!(confidence > 0.0 && confidence < 1.0))
    throw std::invalid_argument("percentile_interval: confidence must be in (0, 1)");
  const double alpha = (1.0 - confidence) / 2.0;
  Interval iv;
  iv.low = quantile_inplace(samples, count, alpha);
  iv.high = quantile_inplace(samples, count, 1.0 - alpha);
  return iv;
}

Interval percentile_interval(std::vector<double>& samples, double confidence) {
  return percentile_interval(samples.data(), samples.size(), confidence);
}

std::vector<double> bootstrap_means(const double* values, std::size_t P, std::size_t K,
                                    const BootstrapOptions& options) {
  check_options(options);
  const auto B = static_cast<std::size_t>(options.resamples);
  std::vector<double> outT(K * B, 0.0);
  if (P == 0 || K == 0) return outT;

  const std::size_t panels = (K + NR - 1) / NR;
  const std::size_t blocks = (B + MR - 1) / MR;
  const unsigned threads =
      thread_count(options.threads, (blocks + MB - 1) / MB, static_cast<double>(B) * static_cast<double>(P) * K);

  // Values packed panel-major and zero padded: cpack[panel][p][l] = values[p][panel*NR + l].
  std::vector<double> cpack(panels * P * NR, 0.0);
  parallel_for(threads, panels, [&](std::size_t begin, std::size_t end) {
    for (std::size_t panel = begin; panel < end; ++panel) {
      const std::size_t width = std::min(NR, K - panel * NR);
      double* dst = cpack.data() + panel * P * NR;
      for (std::size_t p = 0; p < P; ++p)
        std::memcpy(dst + p * NR, values + p * K + panel * NR, width * sizeof(double));
    }
  });

  // Counts packed per micro-tile of resamples: wpack[block][p][r] = draws of p in resample block*MR + r.
  std::vector<double> wpack(blocks * P * MR, 0.0);
  const std::size_t chunks = (blocks + MB - 1) / MB;
  parallel_for(threads, chunks, [&](std::size_t c0, std::size_t c1) {
    const std::size_t bb0 = c0 * MB, bb1 = std::min(blocks, c1 * MB);
    for (std::size_t b = bb0 * MR; b < std::min(B, bb1 * MR); ++b) {
      double* w = wpack.data() + (b / MR) * P * MR + (b % MR);
      auto rng = resample_rng(options.seed, static_cast<std::int64_t>(b));
      for (std::size_t i = 0; i < P; ++i) w[rng.below(P) * MR] += 1.0;
    }
    bootstrap_kernel(wpack.data(), cpack.data(), P, K, B, bb0, bb1, outT.data());
  });
  return outT;
}

std::vector<double> bootstrap_means_naive(const double* values, std::size_t P, std::size_t K,
                                          const BootstrapOptions& options) {
  check_options(options);
  const auto B = static_cast<std::size_t>(options.resamples);
  std::vector<double> outT(K * B, 0.0);
  if (P == 0 || K == 0) return outT;
  std::vector<double> acc(K);
  for (std::size_t b = 0; b < B; ++b) {
    std::fill(acc.begin(), acc.end(), 0.0);
    auto rng = resample_rng(options.seed, static_cast<std::int64_t>(b));
    for (std::size_t i = 0; i < P; ++i) {
      const double* row = values + rng.below(P) * K;
      for (std::size_t j = 0; j < K; ++j) acc[j] += row[j];
    }
    for (std::size_t j = 0; j < K; ++j) outT[j * B + b] = acc[j] / static_cast<double>(P);
  }
  return outT;
}

std::vector<Interval> bootstrap_mean_ci(const double* values, std::size_t P, std::size_t K,
                                        const BootstrapOptions& options) {
  check_options(options);
  std::vector<Interval> out(K);
  if (P == 0 || K == 0) return out;
  auto means = bootstrap_means(values, P, K, options);
  const auto B = static_cast<std::size_t>(options.resamples);
  const unsigned threads = thread_count(options.threads, K, static_cast<double>(B) * K * 8);
  parallel_for(threads, K, [&](std::size_t begin, std::size_t end) {
    for (std::size_t j = begin; j < end; ++j) out[j] = percentile_interval(means.data() + j * B, B, options.confidence);
  });
  return out;
}

std::vector<MeanEstimate> problem_means_ci(const double* values, std::size_t P, std::size_t K,
                                           const BootstrapOptions& options) {
  std::vector<MeanEstimate> out(K);
  if (P == 0 || K == 0) return out;
  // Means summed over p in ascending order, as the resampled means are.
  for (std::size_t p = 0; p < P; ++p)
    for (std::size_t j = 0; j < K; ++j) out[j].value += values[p * K + j];
  for (auto& e : out) e.value /= static_cast<double>(P);
  if (options.resamples == 0) return out;
  const auto ci = bootstrap_mean_ci(values, P, K, options);
  for (std::size_t j = 0; j < K; ++j) {
    out[j].has_ci = true;
    out[j].low = ci[j].low;
    out[j].high = ci[j].high;
  }
  return out;
}

}  // namespace trafl
