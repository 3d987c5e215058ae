#pragma once
// The one naming of decoding configurations, shared by every output that shows one (passk's table,
// diagnose's cells, the report): the keys people read — gen_length, steps, block_length,
// temperature, remasking — as "L=256 steps=256 block=32 T=0.6 low_confidence", then any other key
// whose value differs between the configurations shown side by side (of the same task), as
// "key=value", so that a label is short and still tells its configuration apart. "default" for a
// configuration without any of these keys.
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trafl {

// A run's decoding configuration without the keys that only identify a run or a model ("seed", and
// any key containing "model", "checkpoint" or "path"): what runs sampled the same way share, and
// what a label describes (the model and the seed are shown beside it, not in it).
nlohmann::json decoding_config(const nlohmann::json& run_config);

// The label of `config` (a JSON object) with the named extra keys.
std::string config_label(const nlohmann::json& config, const std::set<std::string>& extra_keys);

// The keys of `config` whose value differs in at least one of `others`, or that only one of them has.
std::set<std::string> differing_keys(const nlohmann::json& config, const std::vector<const nlohmann::json*>& others);

// Labels of run configurations shown side by side (passk's table): configs[i] is run config i's JSON
// text and tasks[i] its task. Each is config_label(decoding_config(c), keys differing from the
// other decoding configs of the same task) — the label diagnose gives the same runs' cell — and a
// run config whose label another of the same task shares gets the differing run keys (e.g.
// "seed=2") appended, so that different configurations never share a label.
std::vector<std::string> config_labels(const std::vector<std::string>& configs, const std::vector<std::string>& tasks);

}  // namespace trafl
