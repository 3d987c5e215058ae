// The embedded default end to end: `trafl-eval demo --quick` on the shipped tiny models, the
// recipe that made them, and --retrain at CI scale. (The full demo's figures are in the README.)
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "demo/demo_recipe.hpp"
#include "support.hpp"
#include "training/train_config.hpp"

#include <catch2/catch.hpp>

namespace fs = std::filesystem;

namespace {

const fs::path kShipped = fs::path(TRAFL_SOURCE_DIR) / "models" / "tiny";

std::int64_t count(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(st) == SQLITE_ROW);
  const std::int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return v;
}

// The settings of a training config without the keys that only say where files were.
nlohmann::json settings(nlohmann::json j) {
  for (const char* key : {"out", "model", "init_config", "sft_data", "data", "db", "progress", "tokenizer"})
    j.erase(key);
  return j;
}

}  // namespace

TEST_CASE("demo recipe: every shipped checkpoint was made with the recipe's settings", "[demo]") {
  const trafl::demo::Layout layout{"TASKS", kShipped.string()};
  const trafl::demo::Scale scale = trafl::demo::default_scale();
  auto recorded = [](const std::string& dir) {
    return nlohmann::json::parse(trafl::test::read_file((fs::path(dir) / "train_config.json").string()));
  };
  const std::string base = trafl::demo::base_dir(layout);
  REQUIRE(fs::exists(fs::path(base) / "model.safetensors"));
  CHECK(settings(recorded(base)) ==
        settings(nlohmann::json(trafl::training::to_json(trafl::demo::base_sft_config(layout, scale, "CONFIG")))));
  // The model's architecture is the recipe's tiny config (config.json as written by init).
  const auto config = nlohmann::json::parse(trafl::test::read_file(base + "/config.json"));
  for (const char* key : {"d_model", "n_layers", "n_heads", "mlp_hidden_size", "vocab_size", "max_sequence_length"})
    CHECK(config.at(key) == trafl::demo::tiny_model_config().at(key));
  for (const auto& task : trafl::demo::tasks())
    for (const std::string& method : task.methods) {
      const std::string dir = trafl::demo::post_trained_dir(layout, task, method);
      INFO(dir);
      REQUIRE(fs::exists(fs::path(dir) / "model.safetensors"));
      CHECK(settings(recorded(dir)) == settings(nlohmann::json(trafl::training::to_json(
                                           trafl::demo::post_training_config(layout, scale, task, method)))));
    }
}

TEST_CASE("demo --quick: shipped models, both tasks, two lengths, graded, diagnosed, reported -- a re-run adds nothing",
          "[demo][slow]") {
  trafl::test::TempDir dir;
  const std::string out = dir.file("demo");
  const std::string args = "demo --quick --no-progress --models " + kShipped.string() + " --out " + out;
  auto r = trafl::test::run_cli(args);
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  const std::string db = out + "/demo.db";
  // (6 math + 5 code models) x 2 lengths x 2 problems x 16 samples, every one graded once.
  const std::int64_t expected = (6 + 6) * 2 * 2 * 16;
  CHECK(count(db, "SELECT COUNT(*) FROM samples") == expected);
  CHECK(count(db, "SELECT COUNT(*) FROM grades") == expected);
  CHECK(count(db, "SELECT COUNT(DISTINCT model) FROM runs") == 6);
  CHECK(count(db, "SELECT COUNT(*) FROM samples WHERE trajectory IS NULL") == 0);
  CHECK(fs::exists(out + "/report/report.html"));
  const std::string summary = trafl::test::read_file(out + "/summary.txt");
  std::vector<std::string> needles = {"trafl", "diffu-grpo", "espo", "justgrpo", "wd1", "stage times", "report.html"};
  for (const auto& task : trafl::demo::tasks())  // one table per task and length of the recipe
    for (const std::int64_t length : task.gen_lengths)
      needles.push_back(fmt::format("{} | L={}", task.adapter, length));
  for (const std::string& needle : needles) {
    INFO(needle);
    CHECK(summary.find(needle) != std::string::npos);
  }
  // The tiny base model is not a stub: it solves some generated problems even at this scale.
  CHECK(count(db,
              "SELECT COUNT(*) FROM grades g JOIN samples s ON s.id = g.sample_id JOIN runs r ON r.id = s.run_id "
              "WHERE r.model = 'base' AND g.correct = 1") > 0);

  // Resuming: the same command finds everything sampled and graded.
  auto again = trafl::test::run_cli(args);
  INFO(again.out);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out.find("sample + grade math (0 new samples)") != std::string::npos);
  CHECK(count(db, "SELECT COUNT(*) FROM samples") == expected);
}

TEST_CASE("demo --retrain --quick: the recipe trains every model and the study runs on them", "[demo][slow]") {
  trafl::test::TempDir dir;
  const std::string out = dir.file("demo");
  auto r = trafl::test::run_cli("demo --quick --retrain --problems 1 --samples 4 --no-progress --bootstrap 50 --out " +
                                out + " --export-models " + dir.file("exported"));
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  for (const std::string name : {"base", "math-trafl", "math-justgrpo", "math-wd1", "code-espo", "code-diffu-grpo"})
    CHECK(fs::exists(dir.file("exported") + "/" + name + "/model.safetensors"));
  CHECK(r.out.find("training (--retrain)") != std::string::npos);
  CHECK(count(out + "/demo.db", "SELECT COUNT(*) FROM samples") == (6 + 6) * 2 * 1 * 4);
  // The recorded settings are the recipe's at quick scale.
  const auto recorded =
      nlohmann::json::parse(trafl::test::read_file(dir.file("exported") + "/math-trafl/train_config.json"));
  CHECK(recorded.at("steps") == trafl::demo::quick_scale().rl_steps);
  CHECK(recorded.at("method") == "trafl");
}
