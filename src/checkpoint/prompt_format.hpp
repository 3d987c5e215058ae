#pragma once
// The prompt format a checkpoint was trained with, and the one a command should use with it.
//
// `train` records its resolved settings in OUT/train_config.json, among them "chat" (prompts wrapped
// in the LLaDA chat template, or plain). A model post-trained or sampled with the other format sees
// prompts unlike any it learnt from (issue 20: RL from the plain-prompt tiny base on the chat
// template gave every rollout reward 0 and nothing said why). So `train --model DIR` and
// `sample --model DIR` take the recorded format as their default, and an explicit choice that
// contradicts the record is kept but warned about, naming both.
#include <optional>
#include <string>
#include <vector>

namespace trafl::checkpoint {

// DIR/train_config.json's "chat", or nullopt when the file or the key is absent. A file that is
// not a JSON object, or a "chat" that is not true/false, is an InputError naming the file and field.
std::optional<bool> recorded_chat(const std::string& model_dir);

// "chat template" | "plain prompts".
std::string prompt_format_name(bool chat);

struct PromptFormatChoice {
  bool chat = false;
  std::vector<std::string> notes;     // where the format came from, when from a record
  std::vector<std::string> warnings;  // an explicit choice against a record; records that disagree
};

// The format for a command using the checkpoints `model_dirs`: `given` (the user's explicit flag or
// config key, named `given_by`, e.g. "--chat") when set, else the format their records agree on,
// else `fallback`. Warnings name the flag, the record's file and both formats.
PromptFormatChoice choose_prompt_format(std::optional<bool> given, const std::string& given_by,
                                        const std::vector<std::string>& model_dirs, bool fallback);

}  // namespace trafl::checkpoint
