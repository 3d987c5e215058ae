// Math word problems in the GSM8K format with several valid solution orders.
#include <fmt/format.h>

#include <set>
#include <stdexcept>

#include "tasks_gen/generated.hpp"
#include "tasks_gen/rng.hpp"

namespace trafl::tasks_gen {

namespace {

// A deliberately small vocabulary: the demo's models are tiny.
const std::vector<std::string> kNames = {"Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus", "Ivy"};
const std::vector<std::string> kItems = {"pens", "eggs", "cups", "cards", "books", "balls"};
const std::vector<std::string> kKinds = {"sum3", "sum4", "products", "remove", "times", "product3"};

struct Steps {
  std::vector<std::string> lines;
  long value = 0;
};

// Combines a pool of numbers with `op` two at a time, the pair chosen at random each step: every
// order of additions (sequential or pairwise) is reachable.
Steps combine(std::vector<long> pool, char op, Rng& rng) {
  Steps s;
  while (pool.size() > 1) {
    std::size_t i = rng.index(pool.size());
    std::size_t j = rng.index(pool.size() - 1);
    if (j >= i) ++j;
    long r = op == '+' ? pool[i] + pool[j] : pool[i] * pool[j];
    s.lines.push_back(fmt::format("{}{}{}={}", pool[i], op, pool[j], r));
    pool[i] = r;
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(j));
  }
  s.value = pool[0];
  return s;
}

Steps solve(const std::string& kind, const std::vector<int>& n, Rng& rng) {
  std::vector<long> v(n.begin(), n.end());
  if (kind == "sum3" || kind == "sum4") return combine(v, '+', rng);
  if (kind == "product3") return combine(v, '*', rng);
  if (kind == "products") {  // a bags of b, c bags of d: the two products in either order, then their sum
    Steps s;
    long p = v[0] * v[1], q = v[2] * v[3];
    std::string lp = fmt::format("{}*{}={}", v[0], v[1], p), lq = fmt::format("{}*{}={}", v[2], v[3], q);
    bool swap = rng.index(2) == 1;
    s.lines = {swap ? lq : lp, swap ? lp : lq};
    auto sum = combine({p, q}, '+', rng);
    s.lines.push_back(sum.lines[0]);
    s.value = sum.value;
    return s;
  }
  if (kind == "remove") {  // a - b - c: either amount first, or the total given away
    Steps s;
    long a = v[0], b = v[1], c = v[2];
    switch (rng.index(3)) {
      case 0: s.lines = {fmt::format("{}-{}={}", a, b, a - b), fmt::format("{}-{}={}", a - b, c, a - b - c)}; break;
      case 1: s.lines = {fmt::format("{}-{}={}", a, c, a - c), fmt::format("{}-{}={}", a - c, b, a - b - c)}; break;
      default: s.lines = {fmt::format("{}+{}={}", b, c, b + c), fmt::format("{}-{}={}", a, b + c, a - b - c)}; break;
    }
    s.value = a - b - c;
    return s;
  }
  if (kind == "times") {  // k times (a + b): add then multiply, or multiply each then add
    Steps s;
    long a = v[0], b = v[1], k = v[2];
    if (rng.index(2) == 0) {
      s.lines = {fmt::format("{}+{}={}", a, b, a + b), fmt::format("{}*{}={}", a + b, k, (a + b) * k)};
    } else {
      s.lines = {fmt::format("{}*{}={}", a, k, a * k), fmt::format("{}*{}={}", b, k, b * k),
                 fmt::format("{}+{}={}", a * k, b * k, (a + b) * k)};
    }
    s.value = (a + b) * k;
    return s;
  }
  throw std::logic_error("unknown math kind " + kind);
}

MathItem make_item(Rng& rng) {
  MathItem m;
  m.kind = rng.pick(kKinds);
  const std::string& who = rng.pick(kNames);
  const std::string& item = rng.pick(kItems);
  auto& n = m.nums;
  if (m.kind == "sum3") {
    n = {rng.range(2, 9), rng.range(2, 9), rng.range(2, 9)};
    m.question = fmt::format("{} has {} red, {} blue and {} green {}. How many?", who, n[0], n[1], n[2], item);
  } else if (m.kind == "sum4") {
    n = {rng.range(2, 9), rng.range(2, 9), rng.range(2, 9), rng.range(2, 9)};
    m.question = fmt::format("{} buys {}, {}, {} and {} {}. How many?", who, n[0], n[1], n[2], n[3], item);
  } else if (m.kind == "products") {
    n = {rng.range(2, 5), rng.range(2, 9), rng.range(2, 5), rng.range(2, 9)};
    m.question = fmt::format("{} buys {} bags of {} {} and {} bags of {}. How many {}?", who, n[0], n[1], item, n[2],
                             n[3], item);
  } else if (m.kind == "remove") {
    n = {rng.range(12, 29), rng.range(2, 5), rng.range(2, 5)};
    m.question = fmt::format("{} has {} {} and gives away {}, then {}. How many left?", who, n[0], item, n[1], n[2]);
  } else if (m.kind == "times") {
    n = {rng.range(2, 9), rng.range(2, 9), rng.range(2, 4)};
    std::string other = rng.pick(kNames);
    if (other == who) other = "Max";
    m.question =
        fmt::format("{} has {} times {}'s {} red and {} blue {}. How many?", other, n[2], who, n[0], n[1], item);
  } else {  // product3
    n = {rng.range(2, 4), rng.range(2, 4), rng.range(2, 6)};
    m.question = fmt::format("{} has {} boxes of {} bags of {} {}. How many {}?", who, n[0], n[1], n[2], item, item);
  }
  return m;
}

std::string render(const Steps& s) {
  std::string out;
  for (const auto& l : s.lines) out += l + "\n";
  return out + fmt::format("#### {}", s.value);
}

}  // namespace

std::vector<MathItem> generate_math(int count, std::uint64_t seed, const std::string& split,
                                    const std::vector<std::string>& avoid) {
  Rng rng(seed, "math/" + split);
  std::set<std::string> seen(avoid.begin(), avoid.end());
  std::vector<MathItem> out;
  // The question space is large (tens of thousands); the attempt cap only guards against a count
  // larger than it.
  for (int attempts = 0; static_cast<int>(out.size()) < count; ++attempts) {
    if (attempts > count * 50 + 1000)
      throw std::runtime_error(fmt::format("could not generate {} distinct math problems", count));
    MathItem m = make_item(rng);
    if (!seen.insert(m.question).second) continue;
    Steps s = solve(m.kind, m.nums, rng);
    m.value = s.value;
    m.answer = render(s);
    out.push_back(std::move(m));
  }
  return out;
}

std::string math_answer_again(const MathItem& item, std::uint64_t seed) {
  Rng rng(seed, "math/again/" + item.question);
  return render(solve(item.kind, item.nums, rng));
}

}  // namespace trafl::tasks_gen
