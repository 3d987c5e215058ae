// perf_equivalence: equivalence checks per second on MATH500 answer pairs.
//   ninja -C build-grading perf_equivalence && build-grading/perf_equivalence ../shared/data/math500/test.jsonl
// The mix: self pairs (answer vs itself), shifted pairs (answer i vs answer i+1: mostly
// different, so the full ladder runs), reformatted pairs (the answer re-typed: \dfrac, no spaces,
// $…$ — the string shortcut cannot decide). Nothing is cached between calls: every call
// normalises, parses and compares from scratch, so the figure is what a grading run sees.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "grading/equivalence.hpp"
#include "grading/grade.hpp"

namespace {

std::string reformat(const std::string& s) {
  std::string r = "$";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ') continue;
    if (s.compare(i, 5, "\\frac") == 0) {
      r += "\\dfrac";
      i += 4;
      continue;
    }
    r.push_back(s[i]);
  }
  return r + "$";
}

struct Pair {
  std::string gold, pred;
};

double run(const std::vector<Pair>& pairs, double seconds, int threads, long& checks, long& equal) {
  std::vector<long> counts(threads, 0), equals(threads, 0);
  auto start = std::chrono::steady_clock::now();
  auto until = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      std::size_t k = static_cast<std::size_t>(t) * 97;
      while (std::chrono::steady_clock::now() < until) {
        for (int batch = 0; batch < 64; ++batch, ++k) {
          const Pair& p = pairs[k % pairs.size()];
          equals[t] += trafl::grading::symbolic_equivalent(p.gold, p.pred).equal;
          ++counts[t];
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  checks = equal = 0;
  for (int t = 0; t < threads; ++t) {
    checks += counts[t];
    equal += equals[t];
  }
  return static_cast<double>(checks) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s path/to/math500/test.jsonl [seconds]\n", argv[0]);
    return 2;
  }
  double seconds = argc > 2 ? std::stod(argv[2]) : 3.0;
  std::ifstream in(argv[1]);
  if (!in) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 3;
  }
  std::vector<std::string> answers;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) answers.push_back(nlohmann::json::parse(line).at("answer").get<std::string>());
  if (answers.size() < 2) {
    std::fprintf(stderr, "need at least two answers\n");
    return 3;
  }
  std::vector<Pair> self, shifted, reformatted, mix;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    self.push_back({answers[i], answers[i]});
    shifted.push_back({answers[i], answers[(i + 1) % answers.size()]});
    reformatted.push_back({answers[i], reformat(answers[i])});
  }
  for (std::size_t i = 0; i < answers.size(); ++i) {
    mix.push_back(self[i]);
    mix.push_back(shifted[i]);
    mix.push_back(reformatted[i]);
  }
  unsigned hw = std::thread::hardware_concurrency();
  int threads = hw > 1 ? static_cast<int>(hw) : 1;
  std::printf("MATH500 answers: %zu, %.1f s per measurement, no caching\n", answers.size(), seconds);
  long checks = 0, equal = 0;
  for (auto [name, set] : {std::pair<const char*, const std::vector<Pair>*>{"self", &self},
                           {"shifted", &shifted},
                           {"reformatted", &reformatted}}) {
    double rate = run(*set, seconds / 3, 1, checks, equal);
    std::printf("  %-12s 1 thread : %10.0f checks/s  (%ld checks, %ld judged equal)\n", name, rate, checks, equal);
  }
  double one = run(mix, seconds, 1, checks, equal);
  std::printf("mix (1/3 each) 1 thread : %10.0f checks/s  (%ld checks, %ld judged equal)\n", one, checks, equal);
  double many = run(mix, seconds, threads, checks, equal);
  std::printf("mix (1/3 each) %d threads: %10.0f checks/s  (%ld checks, %ld judged equal)\n", threads, many, checks,
              equal);
  std::printf("equivalence checks per second: %.0f (goal >= 10000)\n", many > one ? many : one);
  return 0;
}
