// ESPO's code format term (see rewards_code.hpp).
#include "training/rewards_code.hpp"

#include <string_view>

namespace trafl::training::code_reward {

double espo_format(std::string_view c) {
  // fullmatch of ^P```python\nC```\n?$ with P and C free of "```": try every "```python\n" as the
  // opening (P may end in a backtick or two) and the one or two possible closing positions.
  constexpr std::string_view fence = "```", open = "```python\n";
  auto free_of_fence = [&](std::string_view s) { return s.find(fence) == std::string_view::npos; };
  for (std::size_t o = c.find(open); o != std::string_view::npos; o = c.find(open, o + 1)) {
    if (!free_of_fence(c.substr(0, o))) break;  // every later opening has this P as a prefix
    const std::size_t body = o + open.size();
    for (std::size_t tail : {std::size_t{0}, std::size_t{1}}) {
      if (c.size() < body + fence.size() + tail) continue;
      if (tail == 1 && c.back() != '\n') continue;
      const std::size_t close = c.size() - tail - fence.size();
      if (c.substr(close, fence.size()) == fence && free_of_fence(c.substr(body, close - body))) return 1.0;
    }
  }
  return 0.0;
}

}  // namespace trafl::training::code_reward
