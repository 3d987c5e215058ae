// Issue 20 §4: the CLI's traps, each fixed and checked as a user meets it.
// LibTorch first: its glog defines CHECK, which Catch must redefine, not the other way round.
#include <torch/torch.h>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "campaign/identity.hpp"
#include "checkpoint/prompt_format.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/progress.hpp"
#include "demo/demo_recipe.hpp"
#include "model/config.hpp"
#include "sampling/decoding_lengths.hpp"
#include "store/store.hpp"
#include "tests/support.hpp"
#include "training/objective.hpp"

using namespace trafl;
using Catch::Contains;
using test::run_cli;
namespace fs = std::filesystem;

namespace {

std::string q(const std::string& s) { return "'" + s + "'"; }
const std::string kSource = TRAFL_SOURCE_DIR;
const std::string kTinyBase = kSource + "/models/tiny/base";

// One GSM8K problem (gold 12) and one sample per line of `answers`.
void write_gsm8k(const test::TempDir& dir) {
  test::write_file(dir.file("gsm8k.jsonl"),
                   "{\"question\": \"What is 5 plus 7?\", \"answer\": \"5 + 7 = 12\\n#### 12\"}\n");
  test::write_file(dir.file("samples.jsonl"), "{\"problem_id\": \"0\", \"completion\": \"#### 12\"}\n");
}

// Everything written to stderr while `body` runs (progress lines go there).
template <typename F>
std::string capture_stderr(F&& body) {
  std::fflush(stderr);
  char path[] = "/tmp/trafl-stderr-XXXXXX";
  const int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  const int saved = dup(STDERR_FILENO);
  dup2(fd, STDERR_FILENO);
  body();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  close(fd);
  std::string out = test::read_file(path);
  std::remove(path);
  return out;
}

const std::vector<std::string> kCommands = {"tasks", "judge",    "grade",  "passk",  "make-fixtures", "make-task",
                                            "demo",  "tokenize", "exec",   "loglik", "init-model",    "generate",
                                            "train", "diagnose", "report", "sample", "merge",         "export"};

}  // namespace

TEST_CASE("cli: --db in a folder that does not exist yet: grade and merge create it", "[cli][traps]") {
  test::TempDir dir;
  write_gsm8k(dir);
  const std::string db = dir.file("new/deeper/runs.db");
  const auto r = run_cli("grade --task gsm8k --data " + q(dir.file("gsm8k.jsonl")) + " --samples " +
                         q(dir.file("samples.jsonl")) + " --db " + q(db) + " --model m -q");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, !Contains("unable to open"));
  CHECK(fs::is_regular_file(db));
  const auto m = run_cli("merge " + q(db) + " --out " + q(dir.file("other/sub/merged.db")));
  INFO(m.out);
  CHECK(m.exit_code == 0);
  CHECK(fs::is_regular_file(dir.file("other/sub/merged.db")));
  // A folder that cannot be made (a file is in the way) is an error naming the database.
  test::write_file(dir.file("blocker"), "x");
  CHECK_THROWS_WITH(Store(dir.file("blocker/runs.db")),
                    Contains("blocker/runs.db") && Contains("cannot create its folder"));
}

TEST_CASE("prompt format: a checkpoint's record is the default, an explicit mismatch warns naming both",
          "[cli][traps]") {
  test::TempDir dir;
  fs::create_directories(dir.file("plain"));
  test::write_file(dir.file("plain/train_config.json"), "{\"chat\": false, \"method\": \"sft\"}\n");
  fs::create_directories(dir.file("chat"));
  test::write_file(dir.file("chat/train_config.json"), "{\"chat\": true}\n");
  fs::create_directories(dir.file("none"));
  CHECK(checkpoint::recorded_chat(dir.file("plain")) == std::optional<bool>(false));
  CHECK(checkpoint::recorded_chat(dir.file("none")) == std::nullopt);
  fs::create_directories(dir.file("bad"));
  test::write_file(dir.file("bad/train_config.json"), "{\"chat\": \"yes\"}");
  CHECK_THROWS_WITH(checkpoint::recorded_chat(dir.file("bad")), Contains("train_config.json") && Contains("chat"));

  auto c = checkpoint::choose_prompt_format(std::nullopt, "--chat", {dir.file("plain")}, /*fallback=*/true);
  CHECK_FALSE(c.chat);  // the record beats the command's default
  CHECK(c.warnings.empty());
  REQUIRE(c.notes.size() == 1);
  c = checkpoint::choose_prompt_format(true, "--chat", {dir.file("plain")}, false);
  CHECK(c.chat);                    // an explicit choice is kept ...
  REQUIRE(c.warnings.size() == 1);  // ... and warned about, naming both
  CHECK_THAT(c.warnings[0], Contains("--chat") && Contains("chat template") && Contains("plain prompts") &&
                                Contains(dir.file("plain/train_config.json")));
  c = checkpoint::choose_prompt_format(std::nullopt, "--chat", {dir.file("plain"), dir.file("chat")}, false);
  CHECK_FALSE(c.chat);
  REQUIRE(c.warnings.size() == 1);
  CHECK_THAT(c.warnings[0], Contains("different prompt formats"));
  c = checkpoint::choose_prompt_format(std::nullopt, "--chat", {dir.file("none")}, true);
  CHECK(c.chat);
  CHECK(c.notes.empty());

  // Through the CLI: train --model takes the base's plain prompts (the note comes before the data
  // is read, so a missing data file still shows it), and --chat against it warns.
  const std::string train = "train --method trafl --model " + q(kTinyBase) + " --task gsm8k --data " +
                            q(dir.file("missing.jsonl")) + " --out " + q(dir.file("out"));
  auto r = run_cli(train);
  INFO(r.out);
  CHECK_THAT(r.out, Contains("prompt format: plain prompts") && Contains("models/tiny/base/train_config.json"));
  r = run_cli(train + " --chat");
  INFO(r.out);
  CHECK_THAT(r.out, Contains("warning: --chat asks for chat template") && Contains("plain prompts"));

  // sample: the same default, and the campaign really samples with it.
  write_gsm8k(dir);
  const std::string sample = "sample --model base=" + q(kTinyBase) + " --task gsm8k --data " +
                             q(dir.file("gsm8k.jsonl")) +
                             " --n 1 --gen-length 16 --threads 1 --db ";  // no -q: it would hide the note
  r = run_cli(sample + q(dir.file("s1.db")));
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("prompt format: plain prompts"));
  r = run_cli(sample + q(dir.file("s2.db")) + " --chat");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("warning: --chat asks for chat template"));
}

TEST_CASE("the example configs the README uses ship and work", "[cli][traps]") {
  const std::string readme = test::read_file(kSource + "/README.md");
  const std::regex config_flag(R"(--(?:config|init-config|objective-config) (examples/[A-Za-z0-9_./-]+\.json))");
  std::set<std::string> named;
  for (std::sregex_iterator it(readme.begin(), readme.end(), config_flag), end; it != end; ++it) named.insert((*it)[1]);
  CHECK(named.count("examples/tiny.json") == 1);
  CHECK(named.count("examples/trafl.json") == 1);
  for (const auto& path : named) {
    INFO(path);
    CHECK(fs::is_regular_file(kSource + "/" + path));
  }
  // No bare `--config tiny.json` left (the file the README once named and nothing shipped).
  CHECK(readme.find("--config tiny.json") == std::string::npos);
  CHECK(readme.find("--init-config tiny.json") == std::string::npos);
  // tiny.json is the demo's architecture, and init-model accepts it.
  const auto tiny = read_json_file(kSource + "/examples/tiny.json", "example");
  CHECK(tiny == demo::tiny_model_config());
  test::TempDir dir;
  const auto r = run_cli("init-model --config " + q(kSource + "/examples/tiny.json") + " --out " + q(dir.file("m")) +
                         " --tiny-tokenizer");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  // trafl.json is a valid TraFL objective configuration.
  const auto config = model::parse_model_config(tiny, "examples/tiny.json");
  CHECK_NOTHROW(training::make_objective("trafl", read_json_file(kSource + "/examples/trafl.json", "example"), config));
}

TEST_CASE("generate and sample share one length rule, and refuse more steps than tokens", "[cli][traps]") {
  auto d = sampling::resolve_decoding_lengths(16, 0, 0);
  CHECK(d.steps == 16);
  CHECK(d.block_length == 16);  // 32 does not divide 16: one block (generate used to refuse this)
  d = sampling::resolve_decoding_lengths(64, 32, 0);
  CHECK(d.block_length == 32);
  CHECK_THROWS_WITH(sampling::resolve_decoding_lengths(16, 32, 0),
                    Contains("--steps 32") && Contains("commit nothing"));
  CHECK_THROWS_WITH(campaign::resolve_lengths({16}, {32}, {}), Contains("commit nothing"));
  const auto lengths = campaign::resolve_lengths({16, 64}, {}, {});
  CHECK(lengths[0].block_length == 16);
  CHECK(lengths[1].block_length == 32);

  const std::string gen = "generate --model " + q(kTinyBase) + " --prompt 'What is 2+3?' --threads 1 --gen-length 16";
  auto r = run_cli(gen);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  r = run_cli(gen + " --steps 32");
  INFO(r.out);
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.out, Contains("--steps 32") && Contains("16 tokens"));
}

TEST_CASE("an unknown flag is reported before a missing required option", "[cli][traps]") {
  for (const char* args : {"sample --bogus", "generate --bogus 3", "passk --nope"}) {
    const auto r = run_cli(args);
    INFO(args << ": " << r.out);
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.out, Contains("not expected") && !Contains("required"));
  }
  const auto r = run_cli("sample --task gsm8k");  // nothing unknown: the missing option is named
  CHECK_THAT(r.out, Contains("required"));
}

TEST_CASE("train streams its per-step lines while it trains", "[cli][traps]") {
  test::TempDir dir;
  std::string sft;
  for (int i = 0; i < 64; ++i)
    sft += "{\"prompt\": \"What is " + std::to_string(i) + "?\", \"response\": \"It is " + std::to_string(i) + ".\"}\n";
  test::write_file(dir.file("sft.jsonl"), sft);
  const std::string cmd = std::string("'") + TRAFL_CLI_PATH + "' train --method sft --init-config " +
                          q(kSource + "/examples/tiny.json") + " --sft-data " + q(dir.file("sft.jsonl")) + " --out " +
                          q(dir.file("out")) + " --steps 40 --batch 16 --response-length 32 --threads 1 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe);
  char line[4096];
  bool first_step_seen = false, model_existed_at_first_step = true;
  std::string all;
  while (std::fgets(line, sizeof line, pipe)) {
    all += line;
    if (!first_step_seen && std::string(line).rfind("step ", 0) == 0) {
      first_step_seen = true;
      // Lines printed only at the end would come after the final model is written.
      model_existed_at_first_step = fs::exists(dir.file("out/model.safetensors"));
    }
  }
  const int status = pclose(pipe);
  INFO(all);
  CHECK(status == 0);
  CHECK(first_step_seen);
  CHECK_FALSE(model_existed_at_first_step);
  CHECK(fs::exists(dir.file("out/model.safetensors")));
  CHECK_THAT(all, Contains("train sft [") && Contains("steps/s"));  // the progress bar's final line
}

TEST_CASE("progress lines: rates with decimals, the unit beside count and rate, bytes labelled", "[cli][traps]") {
  CHECK(Progress::format_rate(0) == "0");
  CHECK(Progress::format_rate(0.0421) == "0.0421");
  CHECK(Progress::format_rate(0.5) == "0.500");
  CHECK(Progress::format_rate(3.4219) == "3.42");
  CHECK(Progress::format_rate(42.36) == "42.4");
  CHECK(Progress::format_rate(512.4) == "512");
  CHECK(Progress::format_bytes(812) == "812 B");
  CHECK(Progress::format_bytes(1536) == "1.50 KiB");
  CHECK(Progress::format_bytes(23.4 * 1024 * 1024) == "23.4 MiB");

  const std::string samples = capture_stderr([] {
    Progress p("sampling", 100, true, "samples");
    p.set(12);
    p.finish();
  });
  INFO(samples);
  CHECK_THAT(samples, Contains("12/100 samples"));
  CHECK_THAT(samples, Contains(" samples/s in "));  // the unit with the rate, before the time
  CHECK_THAT(samples, !Contains(" 0/s"));
  const std::string bytes = capture_stderr([] {
    Progress p("validating", 3u << 20, true, "bytes");
    p.set(1u << 20);
    p.finish();
  });
  INFO(bytes);
  CHECK_THAT(bytes,
             Contains("1.00 MiB/3.00 MiB") && Contains("iB/s"));  // the rate is bytes per second too (KiB/s … TiB/s)
}

// CLI11 2.3 (Debian 12) shows a default as "--lr FLOAT=0.0001", 2.4 (Debian 13) as "--lr FLOAT [0.0001]".
static bool shows_default(const std::string& help, const std::string& option, const std::string& value) {
  return help.find(option + "=" + value) != std::string::npos ||
         help.find(option + " [" + value + "]") != std::string::npos;
}

TEST_CASE("every command: -q/--quiet, defaults shown, one example", "[cli][traps]") {
  const auto top = run_cli("--help");
  for (const auto& name : kCommands) {
    INFO(name);
    CHECK_THAT(top.out, Contains(name));
    const auto r = run_cli(name + " --help");
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Contains("-q,--quiet"));
    CHECK_THAT(r.out, Contains("Example:\n  trafl-eval " + name));
  }
  // Defaults: train's come from TrainConfig (its flags' variables start empty), generate's from its options.
  const auto train = run_cli("train --help");
  INFO(train.out);
  CHECK(shows_default(train.out, "--lr FLOAT", "0.0001"));
  CHECK(shows_default(train.out, "--method TEXT", "sft"));
  CHECK(shows_default(train.out, "--group-size INT", "4"));
  const auto gen = run_cli("generate --help");
  INFO(gen.out);
  CHECK(shows_default(gen.out, "--gen-length INT", "128"));
  CHECK(shows_default(gen.out, "--remasking TEXT", "low_confidence"));
}

TEST_CASE("report prints its progress, and -q silences it", "[cli][traps]") {
  test::TempDir dir;
  write_gsm8k(dir);
  const std::string db = dir.file("runs.db");
  REQUIRE(run_cli("grade --task gsm8k --data " + q(dir.file("gsm8k.jsonl")) + " --samples " +
                  q(dir.file("samples.jsonl")) + " --db " + q(db) + " --model m -q")
              .exit_code == 0);
  const std::string report = "report --db " + q(db) + " --no-png --bootstrap 50 --out " + q(dir.file("rep"));
  auto r = run_cli(report);
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Contains("diagnostics [") && Contains("model cells") && Contains("writing "));
  r = run_cli(report + " -q");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, !Contains("diagnostics [") && !Contains("writing ") && !Contains("note:"));
}
