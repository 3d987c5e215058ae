#pragma once
// What the store hands to pass@k: per problem, how many samples (n) and how many correct (c),
// within one group = model × task × grading mode × decoding configuration.
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

namespace trafl {

struct GroupKey {
  std::string model;
  std::string task;
  std::string mode;    // grading mode
  std::string config;  // canonical JSON of the decoding/sampler configuration ("{}" if none)
  bool operator<(const GroupKey& o) const {
    return std::tie(model, task, mode, config) < std::tie(o.model, o.task, o.mode, o.config);
  }
  bool operator==(const GroupKey& o) const {
    return std::tie(model, task, mode, config) == std::tie(o.model, o.task, o.mode, o.config);
  }
};

struct ProblemOutcome {
  GroupKey group;
  std::string split;  // value of the --by metadata key for this problem ("" when not splitting)
  std::string problem_id;
  std::int64_t n = 0;  // graded samples
  std::int64_t c = 0;  // correct samples
};

struct OutcomeQuery {
  std::string task;   // "" = all
  std::string model;  // "" = all
  std::string mode;   // "" = all
  std::string by;     // metadata key to split on ("" = none)
};

}  // namespace trafl
