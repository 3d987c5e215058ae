#pragma once
// What a (resumed) run still has to sample (torch-free).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "benchmarks/task.hpp"

namespace trafl::campaign {

struct WorkItem {
  std::size_t problem = 0;  // position in the shard's problem list
  std::int64_t index = 0;   // sample index within the problem
};

// Every (problem, index < n) not in `existing`, problem-major in the shard's order. Samples stored
// with an index >= n (an earlier campaign with a larger n) are left alone.
std::vector<WorkItem> missing_samples(const std::vector<Problem>& problems, std::int64_t n,
                                      const std::vector<std::pair<std::string, std::int64_t>>& existing);

}  // namespace trafl::campaign
