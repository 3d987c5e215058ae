#pragma once
// ESPO's code reward terms, torch-free. Read in ML-GSAI/ESPO @ 8531903 `espo/rewards.py`
// (`get_reward_funcs`, dataset "code"): two reward functions summed with weight 1 each,
//   format  get_code_format_reward("python"): 1.0 when the WHOLE completion is prose without
//           "```", one "```python\n" block without "```" inside, its closing "```" and at most one
//           "\n" after it (pattern.fullmatch); 0.5 when that block's code fails ast.parse; else 0;
//   tests   code_reward: the fraction of the problem's tests passed by the first ```python block,
//           computed only when the format term is 1 (else 0).
// JustGRPO's paper describes the same pair (format 1 / 0.5 / 0 + pass rate; method-and-baselines
// §4.2); its code reward is not in the repository we can read (LeapLabTHU/JustGRPO @ ce07435 has
// math only), so a JustGRPO code preset uses this one and says so.
//
// Not reproduced: the ast.parse syntax check (the 0.5 case). This layer has no Python parser, and
// running one per rollout in the sandbox doubles the sandbox calls; a block that does not parse
// gets 1.0 for format here, and then fails every test, so its total is 1.0 instead of 0.5.
#include <string_view>

namespace trafl::training::code_reward {

// The format term without the syntax check: 1.0 or 0.0 (see above).
double espo_format(std::string_view completion);

}  // namespace trafl::training::code_reward
