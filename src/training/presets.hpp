#pragma once
// `train --preset NAME`: a baseline's published recipe for LLaDA-8B-Instruct as a set of training
// options, each value tagged in presets.cpp with where it was read (repository @ commit, file, key;
// or the paper section). Torch-free.
//
// Precedence (resolve_train_config): defaults < preset < the --config file < command-line flags.
// Values that differ per task family (ESPO's G, β, clip; d1's reward) are chosen by the task the
// file or the flags name: "gsm8k", "code" (a task that runs code) or "math" (any other).
// What a recipe has that our trainer cannot express is listed in the preset's `unsupported` notes
// (printed by `train --help`), never silently dropped.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "training/train_config.hpp"

namespace trafl::training {

struct PresetValue {
  std::string key;  // a TrainConfig key, or "objective.<option>"
  nlohmann::json value;
  std::string families;  // "" = every family, else a comma list of gsm8k, math, code
  std::string source;    // where the value was read, or why it is not confirmed
};

struct Preset {
  std::string name;
  std::string summary;
  std::vector<std::string> families;  // the task families the authors published a recipe for
  std::vector<PresetValue> values;
  std::vector<std::string> unsupported;  // recipe parts our trainer does not do
};

const std::vector<Preset>& presets();
const Preset& find_preset(const std::string& name);  // UsageError listing the names
std::string preset_help();                           // for `train --help`

// "gsm8k", "code" or "math" (UsageError for an unknown task).
std::string task_family(const std::string& task);
// The preset's values for a task as a configuration JSON object (objective options nested under
// "objective"), with "preset": name. UsageError when the preset has no recipe for the task's family.
nlohmann::json preset_json(const std::string& name, const std::string& task);

// Builds a configuration from the layers: defaults, then the preset named by `flags` or else by
// `file` (if any), then `file`, then `flags`. `file_source` names the file in errors.
TrainConfig resolve_train_config(const nlohmann::json& file, const std::string& file_source,
                                 const nlohmann::json& flags);

}  // namespace trafl::training
