// [sampler]: LLaDA's sampler on a tiny random model — invariants, reproducibility, trajectories.
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

#include "core/error.hpp"
#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"
#include "sampling/noise.hpp"
#include "sampling/trajectory.hpp"
#include "support.hpp"
#include "test_model_util.hpp"
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

using namespace trafl::sampling;
using trafl::model::LLaDAModel;

namespace {

const LLaDAModel& tiny_model() {
  static const LLaDAModel m = LLaDAModel::init(trafl::test::tiny_llada_config(), 42);
  return m;
}

SamplerOptions tiny_options(double temperature, Remasking remasking = Remasking::kLowConfidence) {
  SamplerOptions o;
  fill_token_ids(o, tiny_model().config());
  o.eot_id = 260;
  o.gen_length = 16;
  o.steps = 8;
  o.block_length = 4;  // 4 blocks, 2 steps each, 2 tokens per step
  o.temperature = temperature;
  o.remasking = remasking;
  o.seed = 1234;
  return o;
}

std::vector<std::int64_t> prompt_of(std::int64_t len, std::int64_t salt) {
  std::vector<std::int64_t> p;
  for (std::int64_t i = 0; i < len; ++i) p.push_back((37 * i + 11 * salt + 5) % 250);
  return p;
}

void check_invariants(const Trajectory& t, const SamplerOptions& o) {
  REQUIRE(t.size() == static_cast<std::size_t>(o.gen_length));
  REQUIRE(t.steps == o.steps);
  const std::int64_t blocks = o.gen_length / o.block_length, spb = o.steps / blocks;
  const std::vector<std::int64_t> schedule = transfer_schedule(o.block_length, spb);
  std::vector<std::int64_t> per_step(static_cast<std::size_t>(o.steps), 0);
  for (std::size_t j = 0; j < t.size(); ++j) {
    CHECK(t.tokens[j] != o.mask_id);  // no mask left
    CHECK(t.tokens[j] >= 0);
    CHECK(t.tokens[j] < 264);
    REQUIRE(t.step[j] >= 0);
    REQUIRE(t.step[j] < static_cast<std::int32_t>(o.steps));
    ++per_step[static_cast<std::size_t>(t.step[j])];
    // Position j belongs to block j / BL and is committed during that block's steps only.
    const std::int64_t b = static_cast<std::int64_t>(j) / o.block_length;
    CHECK(t.step[j] >= b * spb);
    CHECK(t.step[j] < (b + 1) * spb);
    CHECK(t.confidence[j] >= 0.f);
    CHECK(t.confidence[j] <= 1.f);
  }
  for (std::int64_t s = 0; s < o.steps; ++s)
    CHECK(per_step[static_cast<std::size_t>(s)] == schedule[static_cast<std::size_t>(s % spb)]);
}

// tokens + commit steps of each JSON line (confidences may differ in the last bits across batch sizes:
// GEMM blocking depends on the batch).
std::vector<std::string> json_lines(const std::string& out) {
  std::vector<std::string> v;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] == '{') {
      const auto j = nlohmann::json::parse(line);
      v.push_back(j.at("tokens").dump() + j.at("step").dump());
    }
  return v;
}

}  // namespace

TEST_CASE("transfer schedule is get_num_transfer_tokens", "[sampler]") {
  CHECK(transfer_schedule(10, 4) == std::vector<std::int64_t>({3, 3, 2, 2}));
  CHECK(transfer_schedule(32, 32) == std::vector<std::int64_t>(32, 1));
  CHECK(transfer_schedule(3, 5) == std::vector<std::int64_t>({1, 1, 1, 0, 0}));
  SamplerOptions o = tiny_options(0);
  o.gen_length = 10;
  CHECK_THROWS_AS(validate(o), trafl::UsageError);
  o = tiny_options(0);
  o.steps = 6;
  CHECK_THROWS_AS(validate(o), trafl::UsageError);
}

TEST_CASE("counter noise: the CPU loop gives the tensor form's bits, uniform on (0, 1)", "[sampler]") {
  // Keys and counters that exercise the wrap-around of the 64-bit arithmetic (negative int64 values).
  const torch::Tensor keys = torch::tensor(std::vector<std::int64_t>{0, -1, 0x7fffffffffffffffLL, -8219191211711LL});
  const torch::Tensor first = torch::tensor(std::vector<std::int64_t>{0, 12345, -5, 0x7ffffffffffff000LL});
  const torch::Tensor loop = counter_uniform(keys, first, 5000);
  const torch::Tensor ops = counter_uniform_tensor_ops(keys, first, 5000);
  REQUIRE(loop.sizes() == torch::IntArrayRef({4, 5000}));
  REQUIRE(loop.scalar_type() == torch::kFloat64);
  CHECK(torch::equal(loop, ops));
  CHECK(loop.gt(0).all().item<bool>());
  CHECK(loop.lt(1).all().item<bool>());
  CHECK(std::abs(loop.mean().item<double>() - 0.5) < 0.01);  // 20,000 draws: sd of the mean 0.002
  // Element (r, i) is u(key r, first r + i): a window further on reads the same numbers.
  CHECK(torch::equal(counter_uniform(keys, first + 100, 10), loop.narrow(1, 100, 10)));
  // Different keys give different streams.
  CHECK_FALSE(torch::equal(loop[0], loop[1]));
}

TEST_CASE("sampler invariants: no mask left, scheduled commits, blocks in order", "[sampler]") {
  trafl::test::torch_test_threads();
  for (Remasking rm : {Remasking::kLowConfidence, Remasking::kRandom}) {
    for (double temp : {0.0, 1.0}) {
      const SamplerOptions o = tiny_options(temp, rm);
      const auto ts =
          sample(tiny_model(), {prompt_of(5, 0), prompt_of(5, 1), prompt_of(3, 2)}, {{0, 0}, {1, 0}, {2, 0}}, o);
      REQUIRE(ts.size() == 3);
      for (const Trajectory& t : ts) check_invariants(t, o);
    }
  }
  SECTION("uneven schedule (steps per block does not divide the block)") {
    SamplerOptions o = tiny_options(0.5);
    o.gen_length = 12;
    o.block_length = 6;
    o.steps = 8;  // 2 blocks of 6, 4 steps each: 2, 2, 1, 1
    const auto ts = sample(tiny_model(), {prompt_of(4, 3)}, {{0, 0}}, o);
    check_invariants(ts[0], o);
  }
}

TEST_CASE("sampler at T=0 is deterministic and seed-free", "[sampler]") {
  trafl::test::torch_test_threads();
  SamplerOptions o = tiny_options(0);
  const auto a = sample(tiny_model(), {prompt_of(6, 1)}, {{0, 0}}, o);
  o.seed = 99;
  const auto b = sample(tiny_model(), {prompt_of(6, 1)}, {{3, 7}}, o);
  CHECK(a[0] == b[0]);
}

TEST_CASE("per-sample reproducibility: batch 1 == batch 4, padded batch == one by one", "[sampler]") {
  trafl::test::torch_test_threads();
  const SamplerOptions o = tiny_options(1.0);
  const std::vector<std::int64_t> p = prompt_of(6, 4);
  const auto batch = sample(tiny_model(), {p, p, p, p}, {{5, 0}, {5, 1}, {5, 2}, {5, 3}}, o);
  std::set<std::vector<std::int64_t>> distinct;
  for (std::uint64_t i = 0; i < 4; ++i) {
    const auto one = sample(tiny_model(), {p}, {{5, i}}, o);
    CHECK(one[0].tokens == batch[i].tokens);
    CHECK(one[0].step == batch[i].step);
    distinct.insert(batch[i].tokens);
  }
  CHECK(distinct.size() > 1);  // different sample indices draw different noise
  // A different seed changes the samples.
  SamplerOptions o2 = o;
  o2.seed = 4321;
  CHECK(sample(tiny_model(), {p}, {{5, 0}}, o2)[0].tokens != batch[0].tokens);

  // Many prompts of different lengths, left-padded, equal the same prompts sampled alone.
  const std::vector<std::vector<std::int64_t>> prompts = {prompt_of(3, 1), prompt_of(9, 2), prompt_of(6, 3)};
  const std::vector<SampleKey> keys = {{0, 0}, {1, 0}, {2, 0}};
  for (Remasking rm : {Remasking::kLowConfidence, Remasking::kRandom}) {
    const SamplerOptions ob = tiny_options(0.7, rm);
    const auto together = sample(tiny_model(), prompts, keys, ob);
    for (std::size_t r = 0; r < prompts.size(); ++r) {
      const auto alone = sample(tiny_model(), {prompts[r]}, {keys[r]}, ob);
      CHECK(alone[0].tokens == together[r].tokens);
      CHECK(alone[0].step == together[r].step);
      for (std::size_t j = 0; j < alone[0].size(); ++j)
        CHECK(alone[0].confidence[j] == Approx(together[r].confidence[j]).margin(1e-4));
    }
  }
}

TEST_CASE("sampler options: logits_eos_inf, CFG, bad prompts", "[sampler]") {
  trafl::test::torch_test_threads();
  SamplerOptions o = tiny_options(1.0);
  o.logits_eos_inf = true;
  for (const Trajectory& t : sample(tiny_model(), {prompt_of(4, 1), prompt_of(4, 2)}, {{0, 0}, {0, 1}}, o)) {
    check_invariants(t, o);
    for (std::int64_t tok : t.tokens) CHECK(tok != o.eos_id);
  }
  SamplerOptions c = tiny_options(0.5);
  c.cfg_scale = 1.0;
  c.confidence_eos_eot_inf = true;
  const auto ts = sample(tiny_model(), {prompt_of(3, 1), prompt_of(5, 2)}, {{0, 0}, {1, 0}}, c);
  for (const Trajectory& t : ts) check_invariants(t, c);
  CHECK_THROWS_AS(sample(tiny_model(), {{1, 2, 261}}, {{0, 0}}, tiny_options(0)), trafl::InputError);
}

TEST_CASE("trajectory blob round trip and corruption", "[sampler]") {
  trafl::test::torch_test_threads();
  const auto ts = sample(tiny_model(), {prompt_of(4, 9)}, {{0, 0}}, tiny_options(1.0));
  const std::vector<std::uint8_t> blob = encode_trajectory(ts[0]);
  CHECK(blob.size() == kTrajectoryHeaderBytes + 10 * ts[0].size());
  CHECK(decode_trajectory(blob) == ts[0]);
  std::vector<std::uint8_t> cut(blob.begin(), blob.end() - 1);
  CHECK_THROWS_AS(decode_trajectory(cut), trafl::InputError);
  std::vector<std::uint8_t> bad = blob;
  bad[0] = 'X';
  CHECK_THROWS_AS(decode_trajectory(bad), trafl::InputError);
  Trajectory empty;
  empty.steps = 1;
  CHECK(decode_trajectory(encode_trajectory(empty)) == empty);
}

TEST_CASE("generate CLI: init-model then sample, text and JSON", "[sampler][cli]") {
  trafl::test::TempDir dir;
  trafl::model::write_model_config(dir.file("config.json"), trafl::test::tiny_llada_config());
  REQUIRE(
      trafl::test::run_cli("init-model --config " + dir.file("config.json") + " --out " + dir.file("m")).exit_code ==
      0);
  const std::string base = "generate --model " + dir.file("m") +
                           " --prompt 'What is 2+3?' --gen-length 16 --steps 8 --block-length 8 --threads 2";
  const auto plain = trafl::test::run_cli(base + " --chat");
  INFO(plain.out);
  REQUIRE(plain.exit_code == 0);
  const auto js = trafl::test::run_cli(base + " --json --n 3 --temperature 1 --seed 5 --batch-size 2");
  INFO(js.out);
  REQUIRE(js.exit_code == 0);
  std::istringstream lines(js.out);
  std::string line;
  int count = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    const auto j = nlohmann::json::parse(line);
    CHECK(j.at("tokens").size() == 16);
    CHECK(j.at("step").size() == 16);
    CHECK(j.at("index").get<int>() == count);
    ++count;
  }
  CHECK(count == 3);
  // Same samples whatever the batch size.
  const auto js1 = trafl::test::run_cli(base + " --json --n 3 --temperature 1 --seed 5 --batch-size 3");
  CHECK(json_lines(js1.out) == json_lines(js.out));
  CHECK(json_lines(js.out).size() == 3);
  const auto bad = trafl::test::run_cli(base + " --remasking nope");
  CHECK(bad.exit_code == 2);
}
