// [campaign]: the sampling campaign as a library — shards merged equal the unsharded run, a sample
// regenerated alone equals the stored one, settings mismatches and bad input are refused before
// anything is written. Tiny random model (d_model 32, 2 layers), GSM8K-format fixture, gen length 8–16.
#include <filesystem>
#include <set>

#include "campaign/campaign.hpp"
#include "core/error.hpp"
#include "store/merge.hpp"
#include "sampling/trajectory.hpp"
#include "store/store.hpp"
#include "tests/test_campaign_util.hpp"

#include <catch2/catch.hpp>

using namespace trafl;
using trafl::test::TempDir;
namespace fs = std::filesystem;

namespace {

campaign::CampaignOptions tiny_campaign(const TempDir& dir, const std::string& model_dir, const std::string& data,
                                        const std::string& db) {
  campaign::CampaignOptions o;
  o.models = {campaign::parse_model_ref("tiny=" + model_dir)};
  o.task = "gsm8k";
  o.data_path = data;
  o.db_path = db;
  o.n = 4;
  o.gen_lengths = {8, 16};
  o.block_lengths = {8};
  o.temperature = 1.0;
  o.seed = 7;
  o.batch_size = 5;  // batches mix problems
  o.threads = 1;
  o.progress = false;
  return o;
}

}  // namespace

TEST_CASE("campaign: samples, trajectories and grades stored -- re-run adds nothing", "[campaign]") {
  TempDir dir;
  auto model = test::write_tiny_model(dir, "m", 1);
  auto data = test::write_gsm8k(dir, 5);
  auto o = tiny_campaign(dir, model, data, dir.file("run.db"));
  auto s = campaign::run(o);
  REQUIRE(s.runs.size() == 2);
  CHECK(s.problems == 5);
  CHECK(s.samples_new == 2 * 5 * 4);
  CHECK(s.tokens_new == 5 * 4 * (8 + 16));
  for (const auto& r : s.runs) {
    CHECK(r.samples_total == 20);
    REQUIRE(r.grades.size() == 1);
    CHECK(r.grades[0].mode == "gsm8k-flexible");
    CHECK(r.grades[0].graded == 20);
  }
  // The run's identity carries the keys the diagnose/report stage reads.
  Store store(o.db_path, Store::OpenMode::kExisting);
  auto runs = store.runs();
  REQUIRE(runs.size() == 2);
  for (const char* key :
       {"gen_length", "steps", "block_length", "temperature", "remasking", "cfg_scale", "chat", "model_sha256"})
    CHECK(runs[0].spec.config.contains(key));
  CHECK(runs[0].spec.model == "tiny");
  CHECK(runs[0].spec.config["steps"] == runs[0].spec.config["gen_length"]);  // default: one token per step
  auto rows = store.samples(runs[1].id);
  REQUIRE(rows.size() == 20);
  CHECK(rows[0].token_ids.size() == static_cast<std::size_t>(runs[1].spec.config["gen_length"].get<int>()));
  CHECK(rows[0].trajectory.size() == 16 + 10 * rows[0].token_ids.size());
  std::set<std::string> distinct;
  for (const auto& r : rows) distinct.insert(r.completion);
  CHECK(distinct.size() > 1);  // temperature 1: the n samples differ (so "identical" checks below mean something)
  auto campaigns = store.campaigns();
  REQUIRE(campaigns.size() == 1);
  CHECK(campaigns[0].name == s.campaign);
  CHECK(campaigns[0].run_ids.size() == 2);

  auto before = test::dump_samples(o.db_path);
  auto again = campaign::run(o);
  CHECK(again.samples_new == 0);
  CHECK(again.grades_new == 0);
  CHECK(test::dump_samples(o.db_path) == before);
}

TEST_CASE("campaign: shards merged equal the unsharded run -- re-merge adds nothing", "[campaign]") {
  TempDir dir;
  auto model = test::write_tiny_model(dir, "m", 2);
  auto data = test::write_gsm8k(dir, 7);
  auto whole = tiny_campaign(dir, model, data, dir.file("whole.db"));
  whole.batch_size = 16;
  auto s = campaign::run(whole);
  std::vector<std::string> shard_dbs;
  for (int i = 0; i < 3; ++i) {
    auto o = tiny_campaign(dir, model, data, dir.file("shard" + std::to_string(i) + ".db"));
    o.shard = campaign::parse_shard(std::to_string(i) + "/3");
    o.batch_size = 3;
    auto part = campaign::run(o);
    CHECK(part.campaign == s.campaign);  // shards share the campaign identity and name
    CHECK(part.problems == (i == 0 ? 3u : 2u));
    shard_dbs.push_back(o.db_path);
  }
  const std::string merged = dir.file("merged.db");
  auto m = merge_databases({shard_dbs[0], shard_dbs[1]}, merged);
  CHECK(m.shard_coverage.at(0).find("INCOMPLETE") != std::string::npos);
  m = merge_databases({shard_dbs[2]}, merged);
  CHECK(m.shard_coverage.at(0).find("complete (3 of 3") != std::string::npos);
  auto expect = test::dump_samples(whole.db_path);
  REQUIRE(expect.size() == 2 * 7 * 4);
  CHECK(test::dump_samples(merged) == expect);
  CHECK(test::count_rows(merged, "grades") == test::count_rows(whole.db_path, "grades"));
  CHECK(test::count_rows(merged, "runs") == 2);
  CHECK(test::count_rows(merged, "problems") == 2 * 7);

  // Idempotent: merging again (any order, overlapping) adds nothing.
  auto again = merge_databases({shard_dbs[2], shard_dbs[0], shard_dbs[1]}, merged);
  for (const auto& in : again.inputs) {
    CHECK(in.samples_new == 0);
    CHECK(in.grades_new == 0);
  }
  CHECK(test::dump_samples(merged) == expect);

  // A shard of another campaign (another seed) is refused, naming what differs; nothing is written.
  auto other = tiny_campaign(dir, model, data, dir.file("other.db"));
  other.seed = 8;
  other.shard = campaign::parse_shard("1/3");
  campaign::run(other);
  try {
    merge_databases({shard_dbs[0], other.db_path}, dir.file("bad.db"));
    FAIL("merge accepted shards of different campaigns");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("seed") != std::string::npos);
  }
  CHECK_FALSE(fs::exists(dir.file("bad.db")));
}

TEST_CASE("campaign: a sample regenerated alone equals the one stored by the campaign", "[campaign]") {
  TempDir dir;
  auto model = test::write_tiny_model(dir, "m", 3);
  auto data = test::write_gsm8k(dir, 4);
  auto o = tiny_campaign(dir, model, data, dir.file("run.db"));
  o.n = 3;
  o.grade = false;
  campaign::run(o);
  Store store(o.db_path, Store::OpenMode::kExisting);
  for (const auto& run : store.runs()) {
    const std::int64_t length = run.spec.config["gen_length"].get<std::int64_t>();
    for (const auto& stored : store.samples(run.id)) {
      if (stored.problem_id != "2" && stored.problem_id != "3") continue;
      SampleRow alone = campaign::regenerate_sample(o, 0, length, stored.problem_id, stored.sample_index);
      CHECK(alone.completion == stored.completion);
      CHECK(alone.token_ids == stored.token_ids);
      CHECK(alone.trajectory == stored.trajectory);
    }
  }
}

TEST_CASE("campaign: --batch-size 5 and 16 at two threads store the same samples and trajectories", "[campaign]") {
  // `sample --help`: the batch size "does not change samples". Batches of 5 and of 16 mix problems
  // (prompts of different lengths: other paddings) and put other rows on each of the two threads.
  TempDir dir;
  auto model = test::write_tiny_model(dir, "m", 4);
  auto data = test::write_gsm8k(dir, 6);
  auto five = tiny_campaign(dir, model, data, dir.file("five.db"));
  five.threads = 2;
  five.grade = false;
  auto sixteen = five;
  sixteen.db_path = dir.file("sixteen.db");
  sixteen.batch_size = 16;
  campaign::run(five);
  campaign::run(sixteen);
  const auto expect = test::dump_samples(five.db_path);
  REQUIRE(expect.size() == 2 * 6 * 4);
  CHECK(test::dump_samples(sixteen.db_path) == expect);
}

TEST_CASE("campaign --fast: its own campaign and run configs, samples regenerate alone, exact identity unchanged",
          "[campaign][fast]") {
  TempDir dir;
  auto model = test::write_tiny_model(dir, "m", 5);
  auto data = test::write_gsm8k(dir, 3);
  auto exact = tiny_campaign(dir, model, data, dir.file("run.db"));
  exact.n = 3;
  exact.grade = false;
  auto fast = exact;
  fast.fast = true;
  fast.threshold = 0.0;  // every masked position clears it: each block is decoded in one step
  const auto se = campaign::run(exact);
  const auto sf = campaign::run(fast);
  CHECK(sf.campaign != se.campaign);
  CHECK(sf.samples_new == 2 * 3 * 3);
  Store store(exact.db_path, Store::OpenMode::kExisting);
  const auto runs = store.runs();
  REQUIRE(runs.size() == 4);
  int fast_runs = 0;
  for (const auto& run : runs) {
    const bool is_fast = run.spec.config.contains("fast");
    fast_runs += is_fast;
    if (!is_fast) continue;
    CHECK(run.spec.config["fast"]["threshold"] == 0.0);
    CHECK(run.spec.config["fast"]["prefix_cache"] == true);
    const std::int64_t length = run.spec.config["gen_length"].get<std::int64_t>();
    for (const auto& stored : store.samples(run.id)) {
      CHECK(stored.token_ids.size() == static_cast<std::size_t>(length));
      SampleRow alone = campaign::regenerate_sample(fast, 0, length, stored.problem_id, stored.sample_index);
      CHECK(alone.token_ids == stored.token_ids);
      // Tokens and commit steps are per-sample; the confidences of a cached forward can differ in the
      // last bits with the batch's shape (as in test_sampler_fast.cpp), so they are not compared here.
      const auto a = sampling::decode_trajectory(reinterpret_cast<const std::uint8_t*>(alone.trajectory.data()),
                                                 alone.trajectory.size());
      const auto b = sampling::decode_trajectory(reinterpret_cast<const std::uint8_t*>(stored.trajectory.data()),
                                                 stored.trajectory.size());
      CHECK(a.tokens == b.tokens);
      CHECK(a.step == b.step);
      CHECK(a.steps == b.steps);
      CHECK(b.steps == static_cast<std::uint32_t>(length / 8));  // one step per block of 8
    }
  }
  CHECK(fast_runs == 2);
  // Re-running the fast campaign adds nothing (its identity is stable).
  CHECK(campaign::run(fast).samples_new == 0);
}

TEST_CASE("campaign --confidence-dtype model: its own campaign and run configs, f64 identity unchanged",
          "[campaign][confidence_dtype]") {
  TempDir dir;
  auto model = test::write_tiny_model(dir, "m", 6);
  auto data = test::write_gsm8k(dir, 2);
  auto f64 = tiny_campaign(dir, model, data, dir.file("run.db"));
  f64.n = 2;
  f64.gen_lengths = {8};
  f64.grade = false;
  auto in_model = f64;
  in_model.confidence_dtype = "model";
  const auto s64 = campaign::run(f64);
  const auto sm = campaign::run(in_model);
  CHECK(sm.campaign != s64.campaign);
  CHECK(sm.samples_new == 2 * 2);
  Store store(f64.db_path, Store::OpenMode::kExisting);
  int model_runs = 0;
  for (const auto& run : store.runs()) {
    if (!run.spec.config.contains("confidence_dtype")) continue;  // the f64 run records no key (earlier names hold)
    ++model_runs;
    CHECK(run.spec.config["confidence_dtype"] == "model");
    for (const auto& stored : store.samples(run.id)) {
      SampleRow alone = campaign::regenerate_sample(in_model, 0, 8, stored.problem_id, stored.sample_index);
      CHECK(alone.token_ids == stored.token_ids);
      CHECK(alone.trajectory == stored.trajectory);
    }
  }
  CHECK(model_runs == 1);
  CHECK(campaign::run(in_model).samples_new == 0);
  auto bad = f64;
  bad.confidence_dtype = "bf16";
  CHECK_THROWS_WITH(campaign::run(bad), Catch::Contains("--confidence-dtype"));
}

TEST_CASE("campaign: other settings under the same --run-name are refused, naming the keys", "[campaign]") {
  TempDir dir;
  auto model = test::write_tiny_model(dir, "m", 4);
  auto data = test::write_gsm8k(dir, 3);
  auto o = tiny_campaign(dir, model, data, dir.file("run.db"));
  o.n = 2;
  o.gen_lengths = {8};
  o.campaign_name = "mine";
  o.grade = false;
  campaign::run(o);
  auto changed = o;
  changed.steps = {4};
  changed.temperature = 0.5;
  try {
    campaign::run(changed);
    FAIL("a changed configuration was accepted under the same campaign name");
  } catch (const UsageError& e) {
    std::string msg = e.what();
    CHECK(msg.find("steps") != std::string::npos);
    CHECK(msg.find("temperature") != std::string::npos);
    CHECK(msg.find("'mine'") != std::string::npos);
  }
  CHECK(test::count_rows(o.db_path, "runs") == 1);
  // Without the explicit name, other settings are simply another campaign with its own run.
  changed.campaign_name.clear();
  auto s = campaign::run(changed);
  CHECK(s.samples_new == 3 * 2);
  CHECK(test::count_rows(o.db_path, "runs") == 2);
  // A different checkpoint under the same model name is a different run too (fingerprint in config).
  auto other_model = test::write_tiny_model(dir, "m2", 5);
  auto swapped = o;
  swapped.campaign_name.clear();
  swapped.models = {campaign::parse_model_ref("tiny=" + other_model)};
  campaign::run(swapped);
  CHECK(test::count_rows(o.db_path, "runs") == 3);
}

TEST_CASE("campaign: bad input is refused before the database is created", "[campaign]") {
  TempDir dir;
  auto model = test::write_tiny_model(dir, "m", 6);
  auto data = test::write_gsm8k(dir, 3);
  auto o = tiny_campaign(dir, model, data, dir.file("run.db"));
  auto refused = [&](campaign::CampaignOptions bad, const std::string& needle) {
    try {
      campaign::run(bad);
      FAIL("accepted: " << needle);
    } catch (const std::exception& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(needle) != std::string::npos);
    }
    CHECK_FALSE(fs::exists(bad.db_path));
  };
  auto b = o;
  b.models = {campaign::parse_model_ref("x=" + dir.file("nope"))};
  refused(b, "nope");
  b = o;
  b.gen_lengths = {12};
  b.block_lengths = {8};
  refused(b, "does not divide");
  b = o;
  b.steps = {3, 5, 7};
  refused(b, "--steps");
  b = o;
  b.grade_modes = {"exactish"};
  refused(b, "exactish");
  b = o;
  b.task = "nosuchtask";
  refused(b, "nosuchtask");
  b = o;
  b.models.push_back(b.models[0]);
  refused(b, "used twice");
  b = o;
  b.remasking = "sideways";
  refused(b, "sideways");
  b = o;
  test::write_file(dir.file("broken.jsonl"), "{\"question\": \"q\", \"answer\": \"#### 1\"}\n{\"question\": \"q2\"}\n");
  b.data_path = dir.file("broken.jsonl");
  refused(b, "broken.jsonl:2");
  CHECK_THROWS_AS(campaign::parse_shard("3/3"), UsageError);
  CHECK_THROWS_AS(campaign::parse_shard("1of3"), UsageError);
  CHECK_THROWS_AS(campaign::parse_model_ref("=dir"), UsageError);
  CHECK(campaign::parse_model_ref("models/tiny/").name == "tiny");
}

TEST_CASE("sample CLI: task flags reach the task -- ones it does not take are refused by name", "[campaign]") {
  TempDir dir;
  auto model = test::write_tiny_model(dir, "m", 6);
  auto data = test::write_gsm8k(dir, 3);
  const std::string base = "sample --model " + model + " --task gsm8k --data " + data + " --db " + dir.file("run.db");
  auto r = test::run_cli(base + " --prompt-style short");
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("--prompt-style") != std::string::npos);
  r = test::run_cli(base + " --workers 2");
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("runs no code") != std::string::npos);
  CHECK_FALSE(fs::exists(dir.file("run.db")));
}
