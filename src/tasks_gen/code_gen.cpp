// Tiny stdin programs in the LiveCodeBench format: read integers on one line, print a simple
// function of them. Expected outputs are computed here (C++), so a reference program that grades
// correct in the sandbox is an independent check of both.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>
#include <stdexcept>

#include "tasks_gen/generated.hpp"
#include "tasks_gen/rng.hpp"

namespace trafl::tasks_gen {

namespace {

using Ints = std::vector<long>;

struct Kind {
  const char* name;
  bool takes_k;
  const char* difficulty;
  const char* verb;                    // lower-case, "{k}" for the parameter
  std::vector<const char*> solutions;  // equivalent reference programs, "{k}" for the parameter
  std::function<std::string(const Ints&, long)> run;
};

std::string join(const Ints& v) { return fmt::format("{}", fmt::join(v, " ")); }

std::string num(long x) { return std::to_string(x); }

long sum(const Ints& v) { return std::accumulate(v.begin(), v.end(), 0L); }

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k = {
      {"sum",
       false,
       "easy",
       "print their sum",
       {"print(sum(map(int,input().split())))", "print(sum(int(x) for x in input().split()))"},
       [](const Ints& v, long) { return num(sum(v)); }},
      {"max",
       false,
       "easy",
       "print the largest",
       {"print(max(map(int,input().split())))"},
       [](const Ints& v, long) { return num(*std::max_element(v.begin(), v.end())); }},
      {"min",
       false,
       "easy",
       "print the smallest",
       {"print(min(map(int,input().split())))"},
       [](const Ints& v, long) { return num(*std::min_element(v.begin(), v.end())); }},
      {"count",
       false,
       "easy",
       "print how many there are",
       {"print(len(input().split()))"},
       [](const Ints& v, long) { return num(static_cast<long>(v.size())); }},
      {"reverse",
       false,
       "medium",
       "print them in reverse order",
       {"print(*input().split()[::-1])"},
       [](const Ints& v, long) { return join(Ints(v.rbegin(), v.rend())); }},
      {"sort",
       false,
       "medium",
       "print them sorted",
       {"print(*sorted(map(int,input().split())))"},
       [](const Ints& v, long) {
         Ints s = v;
         std::sort(s.begin(), s.end());
         return join(s);
       }},
      {"range",
       false,
       "hard",
       "print the largest minus the smallest",
       {"v=[*map(int,input().split())]\nprint(max(v)-min(v))"},
       [](const Ints& v, long) {
         return num(*std::max_element(v.begin(), v.end()) - *std::min_element(v.begin(), v.end()));
       }},
      {"sum_plus",
       true,
       "medium",
       "print their sum plus {k}",
       {"print(sum(map(int,input().split()))+{k})", "print({k}+sum(map(int,input().split())))"},
       [](const Ints& v, long k) { return num(sum(v) + k); }},
      {"times_sum",
       true,
       "medium",
       "print {k} times their sum",
       {"print({k}*sum(map(int,input().split())))"},
       [](const Ints& v, long k) { return num(k * sum(v)); }},
      {"add_each",
       true,
       "medium",
       "add {k} to each and print them",
       {"print(*[int(x)+{k} for x in input().split()])"},
       [](const Ints& v, long k) {
         Ints r;
         for (long x : v) r.push_back(x + k);
         return join(r);
       }},
      {"mul_each",
       true,
       "medium",
       "multiply each by {k} and print them",
       {"print(*[int(x)*{k} for x in input().split()])"},
       [](const Ints& v, long k) {
         Ints r;
         for (long x : v) r.push_back(x * k);
         return join(r);
       }},
      {"count_gt",
       true,
       "hard",
       "print how many are greater than {k}",
       {"print(sum(int(x)>{k} for x in input().split()))"},
       [](const Ints& v, long k) { return num(std::count_if(v.begin(), v.end(), [k](long x) { return x > k; })); }},
      {"count_even",
       false,
       "hard",
       "print how many are even",
       {"print(sum(int(x)%2==0 for x in input().split()))"},
       [](const Ints& v, long) { return num(std::count_if(v.begin(), v.end(), [](long x) { return x % 2 == 0; })); }},
  };
  return k;
}

constexpr int kMinK = 2, kMaxK = 9;

std::string with_k(const std::string& text, int k) {
  std::string out = text;
  for (auto pos = out.find("{k}"); pos != std::string::npos; pos = out.find("{k}"))
    out.replace(pos, 3, std::to_string(k));
  return out;
}

// All (kind, k) combinations, in a fixed order.
std::vector<std::pair<const Kind*, int>> combos() {
  std::vector<std::pair<const Kind*, int>> all;
  for (const auto& kind : kinds()) {
    if (!kind.takes_k) {
      all.emplace_back(&kind, 0);
    } else {
      for (int k = kMinK; k <= kMaxK; ++k) all.emplace_back(&kind, k);
    }
  }
  return all;
}

std::string combo_name(const Kind& kind, int k) {
  return kind.takes_k ? fmt::format("{}/{}", kind.name, k) : kind.name;
}

CodeTest make_test(const Kind& kind, int k, Rng& rng) {
  Ints v(static_cast<std::size_t>(rng.range(2, 6)));
  for (auto& x : v) x = rng.range(0, 20);
  return {join(v) + "\n", kind.run(v, k) + "\n"};
}

CodeItem make_item(const Kind& kind, int k, Rng& rng, const std::string& id) {
  CodeItem c;
  c.id = id;
  c.kind = kind.name;
  c.k = k;
  c.title = combo_name(kind, k);
  std::string verb = with_k(kind.verb, k);
  if (rng.index(2) == 0) {
    verb[0] = static_cast<char>(verb[0] - 'a' + 'A');
    c.content = "Read integers on one line. " + verb + ".";
  } else {
    c.content = "Given a line of integers, " + verb + ".";
  }
  c.difficulty = kind.difficulty;
  c.contest_date = fmt::format("2025-01-{:02d}T00:00:00", rng.range(1, 28));
  c.solution = with_k(kind.solutions[rng.index(kind.solutions.size())], k);
  for (int i = 0; i < 2; ++i) c.public_tests.push_back(make_test(kind, k, rng));
  for (int i = 0; i < 4; ++i) c.private_tests.push_back(make_test(kind, k, rng));
  return c;
}

}  // namespace

std::string code_combo(const CodeItem& item) {
  for (const auto& kind : kinds())
    if (item.kind == kind.name) return combo_name(kind, item.k);
  throw std::logic_error("unknown code kind " + item.kind);
}

std::vector<CodeItem> generate_code(int count, std::uint64_t seed, const std::string& split,
                                    const std::vector<std::string>& held_out) {
  Rng rng(seed, "code/" + split);
  auto all = combos();
  std::vector<CodeItem> out;
  if (split == "test") {
    if (count > static_cast<int>(all.size()))
      throw std::runtime_error(
          fmt::format("the code task has {} distinct problems; --test {} is more", all.size(), count));
    rng.shuffle(all);
    for (int i = 0; i < count; ++i) {
      auto [kind, k] = all[static_cast<std::size_t>(i)];
      std::string id = kind->takes_k ? fmt::format("gen_{}_{}", kind->name, k) : fmt::format("gen_{}", kind->name);
      out.push_back(make_item(*kind, k, rng, id));
    }
    return out;
  }
  std::set<std::string> held(held_out.begin(), held_out.end());
  std::vector<std::pair<const Kind*, int>> pool;
  for (const auto& c : all)
    if (!c.first->takes_k || !held.count(combo_name(*c.first, c.second))) pool.push_back(c);
  for (int i = 0; i < count; ++i) {
    auto [kind, k] = pool[rng.index(pool.size())];
    out.push_back(make_item(*kind, k, rng, fmt::format("{}_{:05d}", split, i)));
  }
  return out;
}

}  // namespace trafl::tasks_gen
