// [training][cli]: end to end through the CLI — SFT a tiny model from scratch on a generated
// GSM8K-format task, then a few RL steps of every objective in the registry.
#include <torch/torch.h>

#include <filesystem>

#include "model/config.hpp"
#include "test_model_util.hpp"
#include "tests/support.hpp"
#include "benchmarks/task.hpp"
#include "training/objective.hpp"
#include "training/train_config.hpp"
#include <nlohmann/json.hpp>
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;

TEST_CASE("train CLI: SFT from scratch, then every objective", "[training][cli]") {
  trafl::test::TempDir dir;
  const std::string config = dir.file("config.json");
  trafl::model::write_model_config(config, trafl::test::tiny_llada_config());
  std::string lines;
  for (int a = 1; a < 5; ++a)
    for (int b = 1; b < 3; ++b)
      lines += nlohmann::json{{"question", "What is " + std::to_string(a) + " plus " + std::to_string(b) + "?"},
                              {"answer", std::to_string(a) + "+" + std::to_string(b) + "=" + std::to_string(a + b) +
                                             "\n#### " + std::to_string(a + b)}}
                   .dump() +
               "\n";
  const std::string data = dir.file("train.jsonl");
  trafl::test::write_file(data, lines);
  const std::string db = dir.file("run.db");

  const std::string sft_out = dir.file("sft");
  auto r = trafl::test::run_cli("train --method sft --init-config " + config + " --out " + sft_out +
                                " --task gsm8k --data " + data +
                                " --steps 6 --batch 4 --response-length 16 --lr 3e-3 --threads 2 --quiet --db " + db);
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  CHECK(fs::exists(sft_out + "/model.safetensors"));
  CHECK(fs::exists(sft_out + "/config.json"));
  CHECK(fs::exists(sft_out + "/tokenizer.json"));
  const nlohmann::json saved = nlohmann::json::parse(trafl::test::read_file(sft_out + "/train_config.json"));
  CHECK(saved.at("steps") == 6);
  CHECK(saved.at("task") == "gsm8k");

  // Two inner iterations each (the defaults go up to 12) keep the loop within seconds.
  const std::string objective = dir.file("objective.json");
  trafl::test::write_file(objective, R"({"inner_iterations": 2})");
  for (const std::string& method : trafl::training::objective_names()) {
    const std::string out = dir.file("rl-" + method);
    auto rl = trafl::test::run_cli(
        "train --method " + method + " --model " + sft_out + " --out " + out + " --task gsm8k --data " + data +
        " --steps 1 --batch 2 --group-size 2 --gen-length 8 --sampler-steps 8 --block-length 8"
        " --lr 1e-3 --threads 2 --quiet --objective-config " +
        objective + " --db " + db);
    INFO(method << ": " << rl.out);
    CHECK(rl.exit_code == 0);
    CHECK(rl.out.find("reward") != std::string::npos);
    CHECK(fs::exists(out + "/model.safetensors"));
  }

  // A bad key in a config file is an error naming it; nothing is trained.
  const std::string bad = dir.file("bad.json");
  trafl::test::write_file(bad, R"({"method": "sft", "stepz": 3})");
  auto e = trafl::test::run_cli("train --config " + bad + " --init-config " + config + " --out " + dir.file("bad") +
                                " --sft-data " + data);
  CHECK(e.exit_code != 0);
  CHECK(e.out.find("stepz") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.file("bad")));
}

// Few-shot prompts in training, as `sample` builds them: the trainer loads its task with
// TrainConfig::task_options(), which carries the few-shot settings; they are in train_config.json, so a
// resume with other settings is refused; with --sft-data (no task) they are refused.
TEST_CASE("train --num-fewshot: exemplars in the task's prompts, settings recorded, resume guarded",
          "[training][cli]") {
  trafl::test::TempDir dir;
  const std::string config = dir.file("config.json");
  trafl::model::write_model_config(config, trafl::test::tiny_llada_config());
  std::string lines;
  for (int i = 0; i < 6; ++i)
    lines +=
        nlohmann::json{{"question", "q" + std::to_string(i)}, {"answer", "a\n#### " + std::to_string(i)}}.dump() + "\n";
  const std::string data = dir.file("train.jsonl");
  trafl::test::write_file(data, lines);

  trafl::training::TrainConfig c;
  c.method = "diffu-grpo";
  c.task = "gsm8k";
  c.data = data;
  c.num_fewshot = 2;
  c.fewshot_data = data;  // drawn from the training file itself: never the problem's own record
  const auto problems = trafl::make_task(c.task, c.task_options())->load(data);
  REQUIRE(problems.size() == 6u);
  for (const auto& p : problems) {
    INFO(p.prompt);
    CHECK(p.prompt.rfind("Question: q", 0) == 0);
    CHECK(p.prompt.size() > std::string("Question: q0\nAnswer:").size());
    const std::string own = "Question: " + p.question + "\nAnswer:";
    CHECK(p.prompt.substr(p.prompt.size() - own.size()) == own);  // its own question last
    CHECK(p.prompt.find(own + " a") == std::string::npos);        // never its own exemplar
    std::size_t exemplars = 0;
    for (std::size_t at = p.prompt.find("\n\n"); at != std::string::npos; at = p.prompt.find("\n\n", at + 2))
      ++exemplars;
    CHECK(exemplars == 2u);
  }

  const std::string out = dir.file("sft");
  const std::string args = "train --method sft --init-config " + config + " --out " + out + " --task gsm8k --data " +
                           data + " --fewshot-data " + data + " --batch 2 --response-length 8 --threads 1 --quiet";
  auto r = trafl::test::run_cli(args + " --num-fewshot 2 --steps 1 --save-every 1");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  const nlohmann::json saved = nlohmann::json::parse(trafl::test::read_file(out + "/train_config.json"));
  CHECK(saved.at("num_fewshot") == 2);
  CHECK(saved.at("fewshot_data") == data);
  auto other = trafl::test::run_cli(args + " --num-fewshot 3 --steps 2 --resume");
  CHECK(other.exit_code != 0);
  CHECK_THAT(other.out, Catch::Contains("differs from the checkpoint") && Catch::Contains("num_fewshot"));
  // Leaving the settings out is a difference too (an unset key is not written, so it is compared both ways).
  auto dropped =
      trafl::test::run_cli("train --method sft --init-config " + config + " --out " + out + " --task gsm8k --data " +
                           data + " --batch 2 --response-length 8 --threads 1 --quiet --steps 2 --resume");
  CHECK(dropped.exit_code != 0);
  CHECK_THAT(dropped.out, Catch::Contains("num_fewshot") && Catch::Contains("fewshot_data"));
  auto same = trafl::test::run_cli(args + " --num-fewshot 2 --steps 2 --resume");
  INFO(same.out);
  CHECK(same.exit_code == 0);

  auto sft_file = trafl::test::run_cli("train --method sft --init-config " + config + " --out " + dir.file("x") +
                                       " --sft-data " + data + " --num-fewshot 2");
  CHECK(sft_file.exit_code == 2);
  CHECK_THAT(sft_file.out, Catch::Contains("--sft-data"));
}
