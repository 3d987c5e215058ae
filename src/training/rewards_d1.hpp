#pragma once
// d1's and wd1's reward terms for GSM8K and MATH, as plain functions of the completion text (no
// torch, no grader state), so that each can be checked by hand. Read in xiaohangt/wd1 @ a6dbd9d
// `wd1/reward_func.py` (the file wd1's `run_train.py` takes them from, for both `--trainer_type d1`
// and `wll_d1_neg`); d1's own repository composes the same five terms (method-and-baselines §4.3).
// The trainer sums the terms with weight 1 each (TRL's default `reward_weights`), so correctness,
// itself worth 2.0, dominates the four format terms (together at most 2.0).
//
// Python semantics kept on purpose, because they decide the values:
//  * the format patterns are compiled WITHOUT re.DOTALL, so `.` does not cross a newline: the soft
//    format matches only a one-line `<reasoning>…</reasoning>`, and the strict format only a
//    one-line reasoning and answer (a multi-line reasoning scores 0 on both);
//  * `$` without MULTILINE also matches before a final newline (strict: one extra "\n" allowed);
//  * lengths are Python `len` of a str: code points, not bytes.
#include <string>
#include <string_view>

namespace trafl::training::d1 {

// Python's str.strip() (ASCII whitespace).
std::string strip(std::string_view text);
// `text.split("<answer>")[-1].split("</answer>")[0].strip()`: after the last <answer>, before the
// next </answer>, Python-whitespace stripped.
std::string extract_xml_answer(std::string_view text);
// xmlcount_reward_func: 0.125 for each of "<reasoning>\n", "\n</reasoning>\n", "\n<answer>\n",
// "\n</answer>" occurring exactly once, less 0.001 per code point after the last "\n</answer>\n"
// (third term) and after the last "\n</answer>" minus one (fourth term). Can be negative.
double xml_count(std::string_view text);
// soft_format_reward_func: 0.5 when re.match(r"<reasoning>.*?</reasoning>\s*<answer>.*?</answer>").
double soft_format(std::string_view text);
// strict_format_reward_func: 0.5 when
// re.match(r"^<reasoning>\n.*?\n</reasoning>\n<answer>\n.*?\n</answer>\n$").
double strict_format(std::string_view text);
// int_reward_func: 0.5 when the extracted answer is str.isdigit() (non-empty, all digits; ASCII
// digits only here: Python also counts other Unicode digits such as "²").
double integer_answer(std::string_view text);
// correctness_reward_func: 2.0 when the extracted answer equals `gold` exactly (GSM8K's "#### N"
// text, stripped), else 0.
double gsm8k_correctness(std::string_view text, std::string_view gold);
// The GSM8K reward d1/wd1 train with: the sum of the five terms above.
double gsm8k_reward(std::string_view text, std::string_view gold);

// boxed_and_answer_tags_format_reward: 0.5 · (1 if "<answer>" occurs, + 1 if "\boxed" occurs in the
// text between the first <answer> and the next </answer> (the whole text when there is no
// <answer>), else + 0.5). Values 0.25, 0.5, 0.75 or 1.0.
double boxed_in_answer(std::string_view text);

}  // namespace trafl::training::d1
