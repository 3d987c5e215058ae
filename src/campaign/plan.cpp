#include "campaign/plan.hpp"

#include <unordered_map>
#include <unordered_set>

namespace trafl::campaign {

std::vector<WorkItem> missing_samples(const std::vector<Problem>& problems, std::int64_t n,
                                      const std::vector<std::pair<std::string, std::int64_t>>& existing) {
  std::unordered_map<std::string, std::unordered_set<std::int64_t>> have;
  for (const auto& [id, index] : existing) have[id].insert(index);
  std::vector<WorkItem> out;
  for (std::size_t p = 0; p < problems.size(); ++p) {
    auto it = have.find(problems[p].id);
    for (std::int64_t i = 0; i < n; ++i)
      if (it == have.end() || !it->second.count(i)) out.push_back({p, i});
  }
  return out;
}

}  // namespace trafl::campaign
