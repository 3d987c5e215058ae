// Sharded checkpoints with the real LLaDA tensor names, and the Checkpoint facade's
// missing / extra / wrong-shape reporting. Tag [checkpoint].
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <filesystem>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.hpp"
#include "checkpoint/sharded.hpp"
#include "model/config.hpp"
#include "tests/support.hpp"

using namespace trafl::checkpoint;
using Catch::Contains;
using trafl::InputError;
using trafl::model::ModelConfig;
using trafl::test::TempDir;

namespace {

ModelConfig tiny_llada() {
  ModelConfig c = trafl::model::llada_8b_config();
  c.d_model = 64;
  c.n_layers = 3;
  c.n_heads = 4;
  c.n_kv_heads = 4;
  c.mlp_hidden_size = 96;
  c.vocab_size = 300;
  c.embedding_size = 320;
  c.max_sequence_length = 128;
  c.mask_token_id = 299;
  c.eos_token_ids = {298};
  c.pad_token_id = 298;
  trafl::model::validate_model_config(c, "tiny");
  return c;
}

std::vector<OwnedTensor> random_tensors(const std::vector<TensorSpec>& specs, DType dtype, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 0.02f);
  std::vector<OwnedTensor> out;
  for (const TensorSpec& s : specs) {
    std::vector<float> v(static_cast<std::size_t>(shape_numel(s.shape)));
    for (float& x : v) x = nd(rng);
    out.push_back(OwnedTensor::from_f32(s.name, dtype, s.shape, v));
  }
  return out;
}

void edit_index(const std::string& path, const std::function<void(nlohmann::json&)>& fn) {
  nlohmann::json j = nlohmann::json::parse(trafl::test::read_file(path));
  fn(j);
  trafl::test::write_file(path, j.dump(2));
}

}  // namespace

TEST_CASE("sharded write/read with the real LLaDA tensor names", "[checkpoint]") {
  TempDir dir;
  const ModelConfig cfg = tiny_llada();
  const auto specs = trafl::model::expected_tensors(cfg);
  const auto tensors = random_tensors(specs, DType::kBf16, 1);
  ShardingOptions opt;
  opt.max_shard_bytes = 40'000;  // embedding (40 KB) alone, then the blocks in several shards
  const auto files = write_sharded(dir.path().string(), tensors, opt);
  REQUIRE(files.size() >= 4);
  CHECK(files.back() == kIndexFileName);
  CHECK(files.front() == "model-00001-of-" + fmt::format("{:05d}", files.size() - 1) + ".safetensors");
  CHECK_FALSE(std::filesystem::exists(dir.file(kSingleFileName)));

  const ShardIndex index = read_shard_index(dir.file(kIndexFileName));
  REQUIRE(index.total_size);
  CHECK(index.weight_map.size() == specs.size());
  CHECK(index.weight_map.at("model.transformer.wte.weight") == files[0]);

  Checkpoint ck = Checkpoint::open(dir.path().string());
  CHECK(ck.sharded());
  CHECK(ck.files().size() == files.size() - 1);
  CHECK(ck.size() == specs.size());
  CHECK(ck.total_bytes() == *index.total_size);
  CHECK(ck.warnings().empty());
  CHECK(ck.metadata().at("format") == "pt");
  CHECK(ck.compare(specs, {DType::kBf16}).empty());
  ck.check(specs, {DType::kBf16, DType::kF32});
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const TensorView v = ck.expect(specs[i].name, {DType::kBf16}, specs[i].shape);
    REQUIRE(v.nbytes == tensors[i].bytes.size());
    CHECK(std::memcmp(v.data, tensors[i].bytes.data(), v.nbytes) == 0);
    CHECK(ck.file_of(specs[i].name) == v.file);
  }
  CHECK(ck.unused().empty());
  ck.reject_unused();
  CHECK(ck.info("model.transformer.blocks.2.ff_out.weight").shape == Shape{64, 96});

  // The index file itself can be opened too.
  Checkpoint via_index = Checkpoint::open(dir.file(kIndexFileName));
  CHECK(via_index.size() == specs.size());
}

TEST_CASE("single-file checkpoints and always_index", "[checkpoint]") {
  TempDir a, b;
  const auto specs = trafl::model::expected_tensors(tiny_llada());
  const auto tensors = random_tensors(specs, DType::kF32, 2);
  CHECK(write_sharded(a.path().string(), tensors) == std::vector<std::string>{kSingleFileName});
  Checkpoint ck = Checkpoint::open(a.path().string());
  CHECK_FALSE(ck.sharded());
  CHECK(ck.size() == specs.size());
  Checkpoint file = Checkpoint::open(a.file(kSingleFileName));
  CHECK(file.names() == ck.names());

  ShardingOptions opt;
  opt.always_index = true;
  CHECK(write_sharded(b.path().string(), tensors, opt) ==
        std::vector<std::string>{"model-00001-of-00001.safetensors", kIndexFileName});
  CHECK(Checkpoint::open(b.path().string()).sharded());
}

TEST_CASE("sharded checkpoints: index and shards must agree", "[checkpoint]") {
  TempDir dir;
  const auto specs = trafl::model::expected_tensors(tiny_llada());
  ShardingOptions opt;
  opt.max_shard_bytes = 40'000;
  write_sharded(dir.path().string(), random_tensors(specs, DType::kBf16, 3), opt);
  const std::string index = dir.file(kIndexFileName);
  const std::string original = trafl::test::read_file(index);

  SECTION("listed in the index but missing from its shard") {
    edit_index(index, [&](nlohmann::json& j) {
      j["weight_map"]["model.transformer.blocks.9.q_proj.weight"] = j["weight_map"]["model.transformer.wte.weight"];
    });
    CHECK_THROWS_WITH(
        Checkpoint::open(dir.path().string()),
        Contains("tensor 'model.transformer.blocks.9.q_proj.weight'") && Contains("missing from that shard"));
  }
  SECTION("present in a shard but not in the index") {
    edit_index(index, [](nlohmann::json& j) { j["weight_map"].erase("model.transformer.blocks.1.up_proj.weight"); });
    CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()),
                      Contains("tensor 'model.transformer.blocks.1.up_proj.weight'") && Contains("not listed in"));
  }
  SECTION("index maps a tensor to a shard file that does not exist") {
    edit_index(index,
               [](nlohmann::json& j) { j["weight_map"]["model.transformer.ln_f.weight"] = "model-99.safetensors"; });
    CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()),
                      Contains("tensor 'model.transformer.ln_f.weight'") && Contains("does not exist"));
  }
  SECTION("index maps a tensor to the wrong (existing) shard") {
    edit_index(index, [](nlohmann::json& j) {
      j["weight_map"]["model.transformer.ln_f.weight"] = j["weight_map"]["model.transformer.wte.weight"];
    });
    CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()), Contains("tensor 'model.transformer.ln_f.weight'"));
  }
  SECTION("malformed indexes") {
    trafl::test::write_file(index, "{\"weight_map\": ");
    CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()), Contains("not valid JSON"));
    trafl::test::write_file(index, R"({"metadata": {}})");
    CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()), Contains("weight_map"));
    trafl::test::write_file(index, R"({"weight_map": {"a": 3}})");
    CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()), Contains("weight_map.a"));
    trafl::test::write_file(index, R"({"weight_map": {"a": "../../etc/x.safetensors"}})");
    CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()), Contains("relative path inside"));
  }
  SECTION("total_size mismatch is a warning") {
    edit_index(index, [](nlohmann::json& j) { j["metadata"]["total_size"] = 7; });
    Checkpoint ck = Checkpoint::open(dir.path().string());
    REQUIRE(ck.warnings().size() == 1);
    CHECK_THAT(ck.warnings()[0], Contains("total_size is 7"));
  }
  SECTION("a truncated shard names the shard and a tensor") {
    const ShardIndex idx = read_shard_index(index);
    const std::string shard = dir.file(idx.weight_map.at("model.transformer.ln_f.weight"));
    const std::string bytes = trafl::test::read_file(shard);
    trafl::test::write_file(shard, bytes.substr(0, bytes.size() - 1));
    CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()), Contains(shard) && Contains("truncated"));
  }
}

TEST_CASE("Checkpoint reports missing, extra, wrong-shape and wrong-dtype tensors", "[checkpoint]") {
  TempDir dir;
  const ModelConfig cfg = tiny_llada();
  auto specs = trafl::model::expected_tensors(cfg);
  auto tensors = random_tensors(specs, DType::kBf16, 4);
  // Drop ln_f, add an extra tensor, store one tensor as F64.
  tensors.erase(std::remove_if(tensors.begin(), tensors.end(),
                               [](const OwnedTensor& t) { return t.name == "model.transformer.ln_f.weight"; }),
                tensors.end());
  tensors.push_back(
      OwnedTensor::from_f32("model.transformer.blocks.0.rotary.inv_freq", DType::kF32, {8}, std::vector<float>(8)));
  for (auto& t : tensors)
    if (t.name == "model.transformer.blocks.1.attn_norm.weight")
      t = OwnedTensor::from_f32(t.name, DType::kF64, {64}, std::vector<float>(64, 1.0f));
  write_sharded(dir.path().string(), tensors);

  Checkpoint ck = Checkpoint::open(dir.path().string());
  ModelConfig wrong = cfg;
  wrong.mlp_hidden_size = 128;  // every ff_proj/up_proj/ff_out is now the wrong shape
  const auto wrong_specs = trafl::model::expected_tensors(wrong);
  const CheckpointMismatch m = ck.compare(wrong_specs, {DType::kBf16});
  CHECK(m.missing == std::vector<std::string>{"model.transformer.ln_f.weight"});
  CHECK(m.unexpected == std::vector<std::string>{"model.transformer.blocks.0.rotary.inv_freq"});
  CHECK(m.wrong_shape.size() == 9);
  CHECK_THAT(m.wrong_shape[0],
             Contains("model.transformer.blocks.0.ff_proj.weight: expected [128, 64], found [96, 64]"));
  REQUIRE(m.wrong_dtype.size() == 1);
  CHECK_THAT(m.wrong_dtype[0], Contains("model.transformer.blocks.1.attn_norm.weight: dtype F64 not in {BF16}"));
  try {
    ck.check(wrong_specs, {DType::kBf16});
    FAIL("check passed");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK_THAT(msg, Contains("1 missing tensor: model.transformer.ln_f.weight"));
    CHECK_THAT(msg, Contains("9 tensors with the wrong shape"));
    CHECK_THAT(m.describe(5), Contains("and 4 more"));
    CHECK_THAT(msg, Contains("1 unexpected tensor"));
    CHECK_THAT(msg, Contains("model.transformer.blocks.0.rotary.inv_freq"));
  }

  // Per-tensor expect().
  CHECK_THROWS_WITH(ck.expect("model.transformer.ln_f.weight", {DType::kBf16}, {64}),
                    Contains("tensor 'model.transformer.ln_f.weight': not in the checkpoint"));
  CHECK_THROWS_WITH(
      ck.expect("model.transformer.blocks.0.ff_proj.weight", {DType::kBf16}, {128, 64}),
      Contains("tensor 'model.transformer.blocks.0.ff_proj.weight': shape [96, 64] but the model expects [128, 64]"));
  CHECK_THROWS_WITH(ck.expect("model.transformer.blocks.1.attn_norm.weight", {DType::kBf16, DType::kF32}, {64}),
                    Contains("dtype F64 but the model accepts {BF16, F32}"));
  const TensorView ok = ck.expect("model.transformer.blocks.1.attn_norm.weight", DTypeSet::floating(), {64});
  CHECK(to_f32(ok) == std::vector<float>(64, 1.0f));

  // Mark everything the model has; the extra tensor is reported as unused.
  for (const TensorSpec& s : specs)
    if (ck.contains(s.name)) (void)ck.view(s.name);
  CHECK(ck.unused() == std::vector<std::string>{"model.transformer.blocks.0.rotary.inv_freq"});
  CHECK_THROWS_WITH(ck.reject_unused(), Contains("tensor 'model.transformer.blocks.0.rotary.inv_freq'") &&
                                            Contains("not a parameter of this model"));
}

TEST_CASE("Checkpoint::open on paths without a checkpoint", "[checkpoint]") {
  TempDir dir;
  CHECK_THROWS_WITH(Checkpoint::open(dir.file("nope")), Contains("no such file"));
  CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()),
                    Contains("no model.safetensors or model.safetensors.index.json"));
  trafl::test::write_file(dir.file("pytorch_model.bin"), "x");
  CHECK_THROWS_WITH(Checkpoint::open(dir.path().string()), Contains("convert the checkpoint to safetensors"));
  std::vector<OwnedTensor> dup = {{"a", DType::kU8, {1}, {1}}, {"a", DType::kU8, {1}, {1}}};
  ShardingOptions opt;
  opt.max_shard_bytes = 1;
  CHECK_THROWS_WITH(write_sharded(dir.file("out"), dup, opt), Contains("tensor 'a'"));
}
