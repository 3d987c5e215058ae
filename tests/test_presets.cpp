// [presets]: `train --preset NAME` — every preset's values are options the trainer and the
// objectives accept, each with a source; the recipe per task family; precedence defaults < preset <
// --config < flags (objective options merged key by key); train_config.json records the preset and
// every value, and replays to the same configuration.
#include <torch/torch.h>

#include <filesystem>

#include "core/error.hpp"
#include "model/config.hpp"
#include "test_model_util.hpp"
#include "tests/support.hpp"
#include "training/objective_diffu_grpo.hpp"
#include "training/objective_espo.hpp"
#include "training/objective_justgrpo.hpp"
#include "training/objective_trafl.hpp"
#include "training/objective_wd1.hpp"
#include "training/presets.hpp"
#include "training/rewards.hpp"
#include "training/train_config.hpp"
#include <nlohmann/json.hpp>
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::training;
using json = nlohmann::json;

namespace {

const char* family_task(const std::string& family) {
  return family == "gsm8k" ? "gsm8k" : family == "math" ? "math" : "livecodebench";
}

// Where the run's files are: what every real run adds to a preset.
json where(const std::string& task) { return json{{"task", task}, {"data", "d.jsonl"}, {"model", "m"}, {"out", "o"}}; }

json with(json a, const json& b) {
  a.update(b);
  return a;
}

void parse_objective(const TrainConfig& c) {
  if (c.method == "trafl")
    parse_trafl_options(c.objective);
  else if (c.method == "diffu-grpo")
    parse_diffu_grpo_options(c.objective);
  else if (c.method == "espo")
    parse_espo_options(c.objective);
  else if (c.method == "justgrpo")
    parse_justgrpo_options(c.objective);
  else if (c.method == "wd1")
    parse_wd1_options(c.objective);
  else
    FAIL("no objective " << c.method);
}

}  // namespace

TEST_CASE("presets: the five recipes, each value a valid option with a source", "[presets]") {
  std::vector<std::string> names;
  for (const Preset& p : presets()) names.push_back(p.name);
  CHECK(names == std::vector<std::string>{"d1", "wd1", "espo", "justgrpo", "trafl-paper"});
  for (const Preset& p : presets()) {
    for (const PresetValue& v : p.values) {
      INFO(p.name << " " << v.key);
      CHECK_FALSE(v.source.empty());
    }
    for (const std::string& family : p.families) {
      INFO(p.name << " on " << family);
      const TrainConfig c =
          resolve_train_config(nullptr, "", with(where(family_task(family)), json{{"preset", p.name}}));
      CHECK(c.preset == p.name);
      CHECK_NOTHROW(validate(c));
      CHECK_NOTHROW(parse_objective(c));  // every objective option is one the objective reads
      const std::vector<std::string> rewards = reward_names();
      CHECK(std::find(rewards.begin(), rewards.end(), c.reward) != rewards.end());
    }
  }
}

TEST_CASE("presets: the recipe follows the task family", "[presets]") {
  const TrainConfig gsm = resolve_train_config(nullptr, "", with(where("gsm8k"), json{{"preset", "espo"}}));
  const TrainConfig math = resolve_train_config(nullptr, "", with(where("math"), json{{"preset", "espo"}}));
  const TrainConfig code = resolve_train_config(nullptr, "", with(where("livecodebench"), json{{"preset", "espo"}}));
  CHECK(gsm.method == "espo");
  CHECK(gsm.group_size == 6);
  CHECK(math.group_size == 16);
  CHECK(code.group_size == 10);
  CHECK(gsm.lr == 3e-6);
  CHECK(code.lr == 1e-6);
  CHECK(gsm.weight_decay == 0.01);
  CHECK(code.weight_decay == 0.1);
  CHECK(gsm.max_grad_norm == 0.2);
  CHECK(code.max_grad_norm == 0.8);
  CHECK(gsm.objective.at("beta") == 1e-3);
  CHECK(code.objective.at("beta") == 1e-2);
  CHECK(gsm.lora_rank == 128);
  CHECK(code.lora_rank == 0);
  CHECK(gsm.reward == "task");
  CHECK(code.reward == "espo-code");
  CHECK(gsm.sampler_steps == 256);
  CHECK(gsm.adam_beta2 == 0.99);

  const TrainConfig d1 = resolve_train_config(nullptr, "", with(where("gsm8k"), json{{"preset", "d1"}}));
  CHECK(d1.method == "diffu-grpo");
  CHECK(d1.reward == "d1-gsm8k");
  CHECK(d1.temperature == 0.9);
  CHECK(d1.sampler_steps == 128);
  CHECK(d1.weight_decay == 0.1);
  CHECK(d1.objective == json{{"beta", 0.04},
                             {"epsilon", 0.5},
                             {"inner_iterations", 12},
                             {"p_mask_prompt", 0.15},
                             {"random_masking", true},
                             {"scale_rewards", false}});
  CHECK(resolve_train_config(nullptr, "", with(where("math"), json{{"preset", "wd1"}})).reward == "d1-math");

  const TrainConfig jg = resolve_train_config(nullptr, "", with(where("gsm8k"), json{{"preset", "justgrpo"}}));
  CHECK(jg.steps == 125);
  CHECK(jg.batch == 64);
  CHECK(jg.group_size == 16);
  CHECK(jg.objective.at("rounds") == 8);
  CHECK(jg.adam_beta2 == 0.999);

  // No published recipe, no preset: d1 never trained on code; no task, no family; unknown names.
  CHECK_THROWS_AS(resolve_train_config(nullptr, "", with(where("livecodebench"), json{{"preset", "d1"}})),
                  trafl::UsageError);
  CHECK_THROWS_AS(resolve_train_config(nullptr, "", json{{"preset", "espo"}}), trafl::UsageError);
  CHECK_THROWS_WITH(resolve_train_config(nullptr, "", with(where("gsm8k"), json{{"preset", "grpo"}})),
                    Catch::Contains("unknown preset 'grpo'") && Catch::Contains("trafl-paper"));
}

TEST_CASE("presets: defaults < preset < --config file < flags, objective options merged", "[presets]") {
  const json file = {{"preset", "espo"}, {"task", "gsm8k"}, {"lr", 1e-5}, {"batch", 3}, {"objective", {{"beta", 0.5}}}};
  const json flags = with(where("gsm8k"), json{{"batch", 2}, {"objective", {{"num_mc", 1}}}});
  const TrainConfig c = resolve_train_config(file, "f.json", flags);
  CHECK(c.preset == "espo");      // named by the file
  CHECK(c.lr == 1e-5);            // file over preset
  CHECK(c.batch == 2);            // flag over file
  CHECK(c.weight_decay == 0.01);  // the preset's, untouched
  CHECK(c.adam_eps == 1e-8);
  CHECK(c.objective == json{{"beta", 0.5}, {"epsilon", 0.2}, {"inner_iterations", 8}, {"num_mc", 1}});
  CHECK(TrainConfig{}.weight_decay == 0.0);  // ... which differs from the default

  // A flag's preset beats the file's; without any preset the defaults stay.
  const TrainConfig j = resolve_train_config(file, "f.json", with(flags, json{{"preset", "justgrpo"}}));
  CHECK(j.method == "justgrpo");
  CHECK(j.lr == 1e-5);
  CHECK(j.steps == 125);
  const TrainConfig none = resolve_train_config(json{{"lr", 1e-5}}, "f.json", where("gsm8k"));
  CHECK(none.preset.empty());
  CHECK(none.adam_beta2 == 0.999);
  CHECK(none.reward == "task");
  // A bad value is still an error naming its source.
  CHECK_THROWS_WITH(resolve_train_config(json{{"lr", "fast"}}, "f.json", with(where("gsm8k"), json{{"preset", "d1"}})),
                    Catch::Contains("f.json") && Catch::Contains("lr"));

  // The recorded configuration (train_config.json) names the preset and holds every value; replayed
  // as a --config file it resolves to the same configuration.
  const auto recorded = to_json(c);
  CHECK(recorded.at("preset") == "espo");
  CHECK(recorded.at("reward") == "task");
  const TrainConfig replay = resolve_train_config(json(recorded), "train_config.json", json::object());
  CHECK(to_json(replay) == recorded);
}

TEST_CASE("train --preset through the CLI: help lists the presets, the run records them", "[presets][cli]") {
  const auto help = trafl::test::run_cli("train --help");
  CHECK(help.exit_code == 0);
  for (const char* name : {"d1 ", "wd1 ", "espo ", "justgrpo ", "trafl-paper ", "d1-gsm8k ", "espo-code "})
    CHECK(help.out.find(name) != std::string::npos);

  trafl::test::TempDir dir;
  const std::string model_config = dir.file("config.json");
  trafl::model::write_model_config(model_config, trafl::test::tiny_llada_config());
  std::string lines;
  for (int a = 1; a < 4; ++a)
    lines += json{{"question", "What is " + std::to_string(a) + " plus 1?"},
                  {"answer", std::to_string(a) + "+1=" + std::to_string(a + 1) + "\n#### " + std::to_string(a + 1)}}
                 .dump() +
             "\n";
  const std::string data = dir.file("train.jsonl");
  trafl::test::write_file(data, lines);
  const std::string file = dir.file("run.json");
  trafl::test::write_file(file, R"({"lr": 1e-4, "batch": 3, "objective": {"inner_iterations": 2}})");
  const std::string out = dir.file("d1");
  // The recipe's sizes (L 256, G 6, LoRA 128, bf16) are overridden to a test's scale by flags.
  auto r = trafl::test::run_cli("train --preset d1 --task gsm8k --data " + data + " --init-config " + model_config +
                                " --config " + file + " --out " + out +
                                " --steps 1 --batch 2 --group-size 2 --gen-length 8 --sampler-steps 8 --block-length 8"
                                " --lora-rank 0 --dtype f32 --no-chat --threads 2 --quiet");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  const json saved = json::parse(trafl::test::read_file(out + "/train_config.json"));
  CHECK(saved.at("preset") == "d1");
  CHECK(saved.at("method") == "diffu-grpo");
  CHECK(saved.at("reward") == "d1-gsm8k");
  CHECK(saved.at("lr") == 1e-4);           // --config over the preset
  CHECK(saved.at("batch") == 2);           // the flag over --config
  CHECK(saved.at("weight_decay") == 0.1);  // the preset's
  CHECK(saved.at("adam_beta2") == 0.99);
  CHECK(saved.at("max_grad_norm") == 0.2);
  CHECK(saved.at("temperature") == 0.9);
  CHECK(saved.at("objective") == json{{"beta", 0.04},
                                      {"epsilon", 0.5},
                                      {"inner_iterations", 2},
                                      {"p_mask_prompt", 0.15},
                                      {"random_masking", true},
                                      {"scale_rewards", false}});
  // d1's recipe has no code preset: refused before anything is written.
  auto code = trafl::test::run_cli("train --preset d1 --task livecodebench --data " + data + " --init-config " +
                                   model_config + " --out " + dir.file("c"));
  CHECK(code.exit_code != 0);
  CHECK(code.out.find("no published recipe") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("c")));
}
