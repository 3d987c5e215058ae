// [training][loop]: the trainer on tiny models — SFT learns, resume is exact, the RL loop's contract.
#include <torch/torch.h>

#include <sqlite3.h>

#include <filesystem>

#include "core/error.hpp"
#include "model/config.hpp"
#include "model/llada.hpp"
#include "test_model_util.hpp"
#include "tests/support.hpp"
#include "tokenizer/tokenizer.hpp"
#include "training/checkpoint_io.hpp"
#include "training/sft.hpp"
#include "training/sft_data.hpp"
#include "training/trainer.hpp"
#include <nlohmann/json.hpp>
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::training;
using trafl::model::LLaDAModel;
namespace fs = std::filesystem;

namespace {

// A tiny config.json and an SFT file: "a+b=" -> the sum, 16 examples.
struct TinySetup {
  trafl::test::TempDir dir;
  std::string config = dir.file("config.json");
  std::string sft = dir.file("sft.jsonl");
  std::string gsm = dir.file("gsm.jsonl");
  TinySetup() {
    trafl::model::write_model_config(config, trafl::test::tiny_llada_config());
    std::string lines, gsm_lines;
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b) {
        lines += nlohmann::json{{"prompt", std::to_string(a) + "+" + std::to_string(b) + "="},
                                {"response", std::to_string(a + b)}}
                     .dump() +
                 "\n";
        gsm_lines += nlohmann::json{{"question", std::to_string(a) + "+" + std::to_string(b)},
                                    {"answer", "#### " + std::to_string(a + b)}}
                         .dump() +
                     "\n";
      }
    trafl::test::write_file(sft, lines);
    trafl::test::write_file(gsm, gsm_lines);
  }
  TrainConfig sft_config(const std::string& out) const {
    TrainConfig c;
    c.init_config = config;
    c.out = dir.file(out);
    c.sft_data = sft;
    c.response_length = 6;
    c.batch = 8;
    c.lr = 3e-3;
    c.seed = 5;
    c.progress = false;
    return c;
  }
};

// Mean SFT loss of `model` over every example under fixed noise draws (a fair before/after measure).
double fixed_noise_loss(const LLaDAModel& model, const TinySetup& s) {
  torch::NoGradGuard ng;
  const trafl::tok::Tokenizer tk = trafl::tok::Tokenizer::from_file(s.dir.file("sft/init/tokenizer.json"));
  const TokenizedSet set = tokenize_pairs(tk, read_sft_jsonl(s.sft), {true, 6});
  std::vector<const TokenizedExample*> rows;
  for (const auto& e : set.examples) rows.push_back(&e);
  const SftBatch batch = make_sft_batch(rows, 257);
  double total = 0;
  for (std::uint64_t seed = 0; seed < 8; ++seed)
    total += sft_loss(model, batch, draw_sft_noise(batch.ids.size(0), 6, 1000 + seed), 1e-3).loss.item<double>();
  return total / 8;
}

}  // namespace

TEST_CASE("SFT reduces the masked-diffusion loss of a tiny model", "[training][loop]") {
  trafl::test::torch_test_threads();
  TinySetup s;
  TrainConfig c = s.sft_config("sft");
  c.steps = 40;
  const TrainResult r = train(c, false);
  REQUIRE(r.steps.size() == 40u);
  CHECK(r.examples == 16);
  const double before = fixed_noise_loss(LLaDAModel::load(s.dir.file("sft/init")), s);
  const double after = fixed_noise_loss(LLaDAModel::load(s.dir.file("sft")), s);
  INFO("loss before " << before << ", after " << after);
  CHECK(after < 0.5 * before);
  CHECK(fs::exists(s.dir.file("sft/train_config.json")));
  CHECK(fs::exists(s.dir.file("sft/tokenizer.json")));
  REQUIRE(latest_checkpoint(c.out).has_value());
  CHECK(fs::exists(fs::path(*latest_checkpoint(c.out)) / "optimizer.pt"));
}

TEST_CASE("a step checkpoint carries the tokenizer's chat template files", "[training][loop]") {
  trafl::test::TempDir dir;
  fs::create_directories(dir.file("start"));
  trafl::test::write_file(dir.file("start/tokenizer.json"), "{}");
  trafl::test::write_file(dir.file("start/tokenizer_config.json"), R"({"chat_template": "{{ messages }}"})");
  trafl::test::write_file(dir.file("start/chat_template.jinja"), "{{ bos_token }}own template\n");
  CheckpointContents c;
  c.step = 3;
  c.tokenizer_path = dir.file("start/tokenizer.json");
  c.write_model = [](const std::string& d) { trafl::test::write_file(d + "/config.json", "{}"); };
  const fs::path saved = save_checkpoint(dir.file("out"), c, 2);
  CHECK(trafl::test::read_file((saved / "chat_template.jinja").string()) == "{{ bos_token }}own template\n");
  CHECK(trafl::test::read_file((saved / "tokenizer_config.json").string()) ==
        trafl::test::read_file(dir.file("start/tokenizer_config.json")));
  // A start folder without them writes none (the built-in template is then the documented default).
  trafl::test::TempDir bare;
  trafl::test::write_file(bare.file("tokenizer.json"), "{}");
  c.tokenizer_path = bare.file("tokenizer.json");
  c.step = 4;
  const fs::path plain = save_checkpoint(bare.file("out"), c, 2);
  CHECK(fs::exists(plain / "tokenizer.json"));
  CHECK_FALSE(fs::exists(plain / "chat_template.jinja"));
}

TEST_CASE("resume after a crash repeats the uninterrupted losses bit for bit", "[training][loop][resume]") {
  trafl::test::torch_test_threads();
  TinySetup s;
  for (const bool lora : {false, true}) {
    {
      INFO((lora ? "LoRA with dropout" : "full fine-tuning"));
      const std::string tag = lora ? "lora-" : "full-";
      auto config = [&](const std::string& out) {
        TrainConfig c = s.sft_config(tag + out);
        c.steps = 6;
        c.save_every = 2;
        c.batch = 4;
        c.grad_accum = 2;
        c.warmup_steps = 2;
        c.schedule = "cosine";
        if (lora) {
          c.lora_rank = 4;
          c.lora_dropout = 0.1;
          c.lr = 1e-2;
        }
        return c;
      };
      const TrainResult whole = train(config("whole"), false);
      REQUIRE(whole.steps.size() == 6u);

      TrainHooks crash;
      crash.stop_after_step = 3;  // dies after step 3; the newest checkpoint is step 2
      const TrainResult first = train(config("split"), false, crash);
      REQUIRE(first.steps.size() == 3u);
      // A save killed half-way leaves a temporary directory; it must not matter.
      const std::string partial = s.dir.file(tag + "split/.step-00000004.tmp");
      fs::create_directories(partial);
      trafl::test::write_file(partial + "/model.safetensors", "garbage");

      const TrainResult rest = train(config("split"), true);
      CHECK(rest.start_step == 2);
      REQUIRE(rest.steps.size() == 4u);
      for (std::size_t i = 0; i < 4; ++i) {
        INFO("step " << rest.steps[i].step);
        CHECK(rest.steps[i].step == whole.steps[i + 2].step);
        CHECK(rest.steps[i].loss == whole.steps[i + 2].loss);  // exact, not approximate
        CHECK(rest.steps[i].grad_norm == whole.steps[i + 2].grad_norm);
      }
      CHECK_FALSE(fs::exists(partial));
      // A resume with a changed setting is refused, naming it.
      TrainConfig changed = config("split");
      changed.lr = 0.5;
      CHECK_THROWS_WITH(train(changed, true), Catch::Contains("lr"));
    }
  }
}

namespace {

// A minimal objective for testing the loop: REINFORCE on the one-pass (all completion masked)
// log-likelihood. Counts how the trainer calls it.
// The trainer owns (and destroys) the objective, so the counts live in the test.
struct CallCounts {
  int prepared = 0, losses = 0;
};

struct CountingObjective : Objective {
  explicit CountingObjective(CallCounts& counts) : counts_(counts) {}
  CallCounts& counts_;
  std::string name() const override { return "counting"; }
  int inner_iterations() const override { return 2; }
  void prepare(const LLaDAModel&, const LLaDAModel& reference, std::vector<RolloutGroup>& groups,
               std::uint64_t) override {
    CHECK_FALSE(torch::GradMode::is_enabled());
    ++counts_.prepared;
    for (RolloutGroup& g : groups) g.frozen["x"] = torch::zeros({1});
  }
  torch::Tensor loss(const LLaDAModel& policy, const LLaDAModel&, const RolloutGroup& group, int inner, std::uint64_t,
                     StepStats& stats) override {
    CHECK(group.frozen.count("x") == 1);
    ++counts_.losses;
    const auto G = static_cast<std::int64_t>(group.completions.size());
    const auto P = static_cast<std::int64_t>(group.prompt.size());
    const auto L = static_cast<std::int64_t>(group.completions[0].size());
    torch::Tensor ids = torch::full({G, P + L}, policy.config().mask_token_id, torch::kLong);
    torch::Tensor y = torch::empty({G, L}, torch::kLong);
    for (std::int64_t g = 0; g < G; ++g) {
      for (std::int64_t j = 0; j < P; ++j) ids[g][j] = group.prompt[j];
      for (std::int64_t j = 0; j < L; ++j) y[g][j] = group.completions[g][j];
    }
    torch::Tensor logp = torch::log_softmax(policy.forward(ids, {}, P, L).to(torch::kFloat32), -1)
                             .gather(-1, y.unsqueeze(-1))
                             .squeeze(-1)
                             .sum(1);  // [G]
    torch::Tensor r = torch::tensor(group.rewards, torch::kFloat64).to(torch::kFloat32);
    stats["kl"] += 0.5;
    stats["inner"] += inner;
    return -((r - r.mean()) * logp).mean() + 1e-3 * logp.pow(2).mean();
  }
};

struct LengthReward : RewardFunction {
  std::string describe() const override { return "length parity"; }
  std::vector<double> score(const trafl::Problem&, const std::vector<std::string>& completions) override {
    std::vector<double> r;
    for (const auto& c : completions) r.push_back(static_cast<double>(c.size() % 2));
    return r;
  }
};

}  // namespace

TEST_CASE("RL loop: rollouts, prepare once, inner iterations, frozen reference, metrics in the db",
          "[training][loop][rl]") {
  trafl::test::torch_test_threads();
  TinySetup s;
  // A starting checkpoint: a few SFT steps.
  TrainConfig sft = s.sft_config("base");
  sft.steps = 2;
  train(sft, false);

  TrainConfig c;
  c.method = "counting";
  c.model = s.dir.file("base");
  c.out = s.dir.file("rl");
  c.task = "gsm8k";
  c.data = s.gsm;
  c.steps = 2;
  c.batch = 2;
  c.group_size = 3;
  c.gen_length = 8;
  c.sampler_steps = 8;
  c.block_length = 8;
  c.lr = 1e-2;
  c.progress = false;
  c.db = s.dir.file("run.db");
  CallCounts counts;
  bool made = false;
  TrainHooks hooks;
  hooks.make_objective = [&](const std::string&, const nlohmann::json&, const trafl::model::ModelConfig&) {
    made = true;
    return std::unique_ptr<Objective>(std::make_unique<CountingObjective>(counts));
  };
  hooks.make_reward = [] { return std::make_unique<LengthReward>(); };
  const TrainResult r = train(c, false, hooks);
  REQUIRE(made);
  CHECK(counts.prepared == 2);
  CHECK(counts.losses == 2 * 2 * 2);  // steps × inner × groups
  REQUIRE(r.steps.size() == 2u);
  for (const StepMetrics& m : r.steps) {
    CHECK(m.reward_mean.has_value());
    CHECK(m.entropy.has_value());
    CHECK(*m.kl == Approx(0.5));                // averaged over groups and inner iterations
    CHECK(m.stats.at("inner") == Approx(0.5));  // (0 + 1) / 2
    CHECK(m.rollout_s > 0);
    CHECK(m.update_s > 0);
  }
  // The policy moved; the starting checkpoint (the reference) did not.
  const LLaDAModel base = LLaDAModel::load(s.dir.file("base"));
  const LLaDAModel trained = LLaDAModel::load(s.dir.file("rl"));
  bool moved = false;
  const auto before = base.named_parameters(), after = trained.named_parameters();
  for (std::size_t i = 0; i < before.size(); ++i) moved = moved || !torch::equal(before[i].second, after[i].second);
  CHECK(moved);

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(c.db.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT COUNT(*), SUM(kl), MIN(reward_mean IS NOT NULL) FROM training_steps", -1, &st,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  CHECK(sqlite3_column_int(st, 0) == 2);
  CHECK(sqlite3_column_double(st, 1) == Approx(1.0));
  CHECK(sqlite3_column_int(st, 2) == 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}
