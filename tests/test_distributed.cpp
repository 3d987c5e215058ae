// [distributed]: data-parallel training over torch.distributed's C++ layer (c10d, Gloo on the CPU),
// several processes on this machine through the real CLI (`train --nproc N`). The launch
// environment parser; 2 ranks × half the batch reach the weights of 1 rank × the batch (SFT and every
// objective, TraFL with LoRA and its log Z head); a rank killed mid-run ends the job with a clear
// message on the other rank within the collective timeout; --resume at another world size.
//
// Tolerance of the 1-vs-2-ranks comparison: 2e-5 absolute on every weight (the weights are O(0.1),
// trained at lr 1e-3 to 3e-3). The two runs compute the same sums in a different order (each rank's
// matmuls over its half of the rows, then the two halves added, against one matmul over all rows), so
// they agree to float32 rounding, not bit for bit; AdamW divides by √v, which can enlarge such
// rounding on coordinates whose gradient is near zero, hence a few ulps of O(0.1) rather than 1e-7.
// Each comparison also checks that training moved the weights by far more than the tolerance.
#include <torch/torch.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "core/error.hpp"
#include "distributed/grad_sync.hpp"
#include "distributed/launch_env.hpp"
#include "distributed/spawn.hpp"
#include "model/config.hpp"
#include "model/llada.hpp"
#include "test_model_util.hpp"
#include "tests/support.hpp"
#include "training/checkpoint_io.hpp"
#include "training/objective.hpp"
#include <nlohmann/json.hpp>
// Catch last: torch (glog) defines CHECK too, Catch must win.
#include <catch2/catch.hpp>

namespace fs = std::filesystem;
using trafl::distributed::launch_env_from;
using trafl::distributed::LaunchEnv;

namespace {

constexpr double kTolerance = 2e-5;

LaunchEnv env_of(const std::map<std::string, std::string>& vars) {
  return launch_env_from([&](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

// A tiny model config, an SFT file and a GSM8K-format task file (answers 0..6: a random tiny model
// sometimes ends on the right digit, so rewards vary within groups).
struct Setup {
  trafl::test::TempDir dir;
  std::string config = dir.file("config.json");
  std::string sft = dir.file("sft.jsonl");
  std::string gsm = dir.file("gsm.jsonl");
  Setup() {
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
  std::string sft_args(const std::string& out) const {
    return "train --method sft --init-config " + config + " --out " + dir.file(out) + " --sft-data " + sft +
           " --response-length 6 --batch 4 --grad-accum 2 --lr 3e-3 --seed 5 --threads 1 --quiet --dist-timeout 60";
  }
};

std::map<std::string, torch::Tensor> weights(const std::string& dir) {
  std::map<std::string, torch::Tensor> out;
  for (auto& [name, p] : trafl::model::LLaDAModel::load(dir).named_parameters()) out[name] = p.detach().clone();
  return out;
}

double max_abs_diff(const std::map<std::string, torch::Tensor>& a, const std::map<std::string, torch::Tensor>& b) {
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (const auto& [name, t] : a) {
    REQUIRE(b.count(name));
    worst = std::max(worst, (t - b.at(name)).abs().max().item<double>());
  }
  return worst;
}

// The "step N  loss X" lines of rank 0's report.
std::vector<double> reported_losses(const std::string& out) {
  std::vector<double> losses;
  const std::regex line(R"(step\s+\d+\s+loss\s+(-?[0-9.eE+-]+|nan|inf))");
  for (auto it = std::sregex_iterator(out.begin(), out.end(), line); it != std::sregex_iterator(); ++it)
    losses.push_back(std::stod((*it)[1]));
  return losses;
}

pid_t spawn_cli(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  dup2(fd, STDOUT_FILENO);
  dup2(fd, STDERR_FILENO);
  std::vector<std::string> copy = args;
  std::string exe = TRAFL_CLI_PATH;
  std::vector<char*> argv{exe.data()};
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(exe.c_str(), argv.data());
  _exit(127);
}

std::vector<std::string> split_args(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The child of `parent` whose environment has RANK=<rank>, or 0.
pid_t rank_child(pid_t parent, int rank) {
  std::ifstream in("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) + "/children");
  for (pid_t child; in >> child;) {
    std::ifstream env("/proc/" + std::to_string(child) + "/environ", std::ios::binary);
    for (std::string entry; std::getline(env, entry, '\0');)
      if (entry == "RANK=" + std::to_string(rank)) return child;
  }
  return 0;
}

}  // namespace

TEST_CASE("launch environment: torchrun, SLURM, none, and malformed values", "[distributed]") {
  const LaunchEnv none = env_of({});
  CHECK(none.world_size == 1);
  CHECK_FALSE(none.distributed());

  const LaunchEnv tr =
      env_of({{"RANK", "3"}, {"WORLD_SIZE", "8"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "n1"}, {"MASTER_PORT", "1234"}});
  CHECK(tr.launcher == "torchrun");
  CHECK(tr.rank == 3);
  CHECK(tr.world_size == 8);
  CHECK(tr.local_rank == 1);
  CHECK(tr.master_addr == "n1");
  CHECK(tr.master_port == 1234);

  const LaunchEnv sl = env_of({{"SLURM_PROCID", "5"},
                               {"SLURM_NTASKS", "8"},
                               {"SLURM_LOCALID", "1"},
                               {"SLURM_JOB_NODELIST", "gpu[007-008,012],cpu1"}});
  CHECK(sl.launcher == "slurm");
  CHECK(sl.rank == 5);
  CHECK(sl.local_rank == 1);
  CHECK(sl.master_addr == "gpu007");
  CHECK(sl.master_port == 29500);
  // MASTER_ADDR wins over the node list; torchrun's variables win over SLURM's (torchrun inside srun).
  CHECK(env_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"MASTER_ADDR", "h"}, {"SLURM_JOB_NODELIST", "x"}})
            .master_addr == "h");
  CHECK(env_of({{"SLURM_PROCID", "4"}, {"SLURM_NTASKS", "8"}, {"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}})
            .rank == 0);

  CHECK(trafl::distributed::first_slurm_host("node12") == "node12");
  CHECK(trafl::distributed::first_slurm_host("a,b[1-2]") == "a");
  CHECK(trafl::distributed::first_slurm_host("r[3]-ib") == "r3-ib");

  auto fails = [](const std::map<std::string, std::string>& vars, const std::string& names) {
    try {
      env_of(vars);
    } catch (const trafl::UsageError& e) {
      INFO(e.what());
      CHECK(std::string(e.what()).find(names) != std::string::npos);
      return;
    }
    FAIL("no error for a malformed launch environment naming " << names);
  };
  fails({{"RANK", "x"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}}, "RANK");
  fails({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}}, "outside");
  fails({{"RANK", "0"}}, "WORLD_SIZE");
  fails({{"RANK", "0"}, {"WORLD_SIZE", "2"}}, "MASTER_ADDR");
  fails({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"MASTER_PORT", "70000"}}, "MASTER_PORT");
  fails({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}}, "SLURM_JOB_NODELIST");
}

// A stand-in for a world of two identical ranks: every sum doubles its tensor. It records how many
// sums had started when backward returned, which is what overlapping means.
class TwinRanks : public trafl::distributed::Communicator {
 public:
  int rank() const override { return 0; }
  int world_size() const override { return 2; }
  int local_rank() const override { return 0; }
  std::chrono::milliseconds timeout() const override { return std::chrono::milliseconds(1000); }
  void all_reduce_sum(std::vector<torch::Tensor>& ts, const std::string&) override {
    for (auto& t : ts) t.mul_(2);
  }
  std::function<void()> start_sum(torch::Tensor t, const std::string&) override {
    ++started;
    return [t]() mutable { t.mul_(2); };
  }
  torch::Tensor all_gather(const torch::Tensor& t, const std::string&) override { return torch::stack({t, t}); }
  void barrier(const std::string&) override {}
  int started = 0;
};

TEST_CASE("gradient all-reduce: buckets start during the last backward, sums and absent gradients exact",
          "[distributed]") {
  torch::manual_seed(3);
  // Four layers of 64x64 f32 (16 KiB each) in 16 KiB buckets: one bucket per weight, the bias its own.
  std::vector<torch::Tensor> w;
  for (int i = 0; i < 4; ++i) w.push_back(torch::randn({64, 64}).requires_grad_(true));
  torch::Tensor unused = torch::randn({8}).requires_grad_(true);  // no gradient on any rank
  std::vector<torch::Tensor> params = w;
  params.push_back(unused);
  TwinRanks twins;
  trafl::distributed::GradientAllReduce sum(twins, params, 16u << 10);
  auto loss_of = [&](const torch::Tensor& x) {
    torch::Tensor h = x;
    for (auto& m : w) h = torch::tanh(h.matmul(m));
    return h.sum();
  };
  // Two backwards in the step (micro-batches); only the last is armed.
  const torch::Tensor x1 = torch::randn({3, 64}), x2 = torch::randn({3, 64});
  loss_of(x1).backward();
  CHECK(twins.started == 0);
  std::vector<torch::Tensor> local;  // what one rank accumulated: the expected sum is twice that
  {
    std::vector<torch::Tensor> g1;
    for (auto& m : w) g1.push_back(m.grad().clone());
    sum.arm();
    loss_of(x2).backward();
    // Every bucket this backward reached has started before backward returned: overlap.
    CHECK(twins.started == 4);
    for (auto& m : w) local.push_back(m.grad().clone());
  }
  sum.finish();
  CHECK(twins.started == 5);  // the unused tensor's bucket, started by finish()
  for (std::size_t i = 0; i < w.size(); ++i) CHECK(torch::equal(w[i].grad(), local[i] * 2));
  CHECK_FALSE(unused.grad().defined());  // absent on every rank: stays undefined, as in one process

  // Not armed (e.g. a step whose last backward reached nothing): finish() alone still sums everything.
  for (auto& m : w) m.mutable_grad().fill_(1.0);
  twins.started = 0;
  sum.finish();
  CHECK(twins.started == 5);
  for (auto& m : w) CHECK(torch::equal(m.grad(), torch::full_like(m, 2.0)));
}

TEST_CASE("SFT: 2 ranks x half the batch reach the weights of 1 rank", "[distributed]") {
  Setup s;
  auto one = trafl::test::run_cli(s.sft_args("one") + " --steps 3");
  INFO(one.out);
  REQUIRE(one.exit_code == 0);
  auto two = trafl::test::run_cli(s.sft_args("two") + " --steps 3 --nproc 2");
  INFO(two.out);
  REQUIRE(two.exit_code == 0);
  CHECK(two.out.find("s/rank 0:") != std::string::npos);  // per-rank seconds in the step report

  const auto w1 = weights(s.dir.file("one")), w2 = weights(s.dir.file("two"));
  const double diff = max_abs_diff(w1, w2);
  const double moved = max_abs_diff(w1, weights(s.dir.file("one/init")));
  WARN("SFT 1 vs 2 ranks: max |Δw| = " << diff << " (training moved weights by up to " << moved << ")");
  CHECK(diff <= kTolerance);
  CHECK(moved > 100 * kTolerance);
  const auto l1 = reported_losses(one.out), l2 = reported_losses(two.out);
  REQUIRE(l1.size() == 3u);
  REQUIRE(l2.size() == 3u);
  for (std::size_t i = 0; i < 3; ++i) CHECK(l2[i] == Approx(l1[i]).epsilon(1e-5));

  // A batch the ranks cannot share is refused before anything starts.
  auto bad = trafl::test::run_cli(s.sft_args("bad") + " --steps 1 --nproc 3");
  CHECK(bad.exit_code == 2);
  CHECK(bad.out.find("not divisible by 3") != std::string::npos);
}

// The reward-bearing fixture: a tiny model SFT-trained (through the CLI) to answer "Question: q<i>"
// with one of the digits 0-3 at random, and a GSM8K-format file whose gold answers are 0-3. Rollouts
// are then right now and then, so rewards vary within groups and every objective (JustGRPO and wd1
// included, which have no KL term to move the weights without a reward) gets a gradient. Which seed
// gives a mixed group depends on the model's rounding, so the test looks for one in a fixed range.
struct RewardFixture {
  std::string model, data;
};

RewardFixture reward_fixture(const Setup& s) {
  std::string sft, gsm;
  for (int i = 0; i < 8; ++i) {
    const std::string prompt = "Question: q" + std::to_string(i) + "\nAnswer:";
    gsm +=
        nlohmann::json{{"question", "q" + std::to_string(i)}, {"answer", "#### " + std::to_string(i % 2 + 1)}}.dump() +
        "\n";
    for (const char* answer : {" 1", " 2"})
      sft += nlohmann::json{{"prompt", prompt}, {"response", answer}}.dump() + "\n";
  }
  trafl::test::write_file(s.dir.file("digits_sft.jsonl"), sft);
  trafl::test::write_file(s.dir.file("digits_gsm.jsonl"), gsm);
  const auto r = trafl::test::run_cli(
      "train --method sft --init-config " + s.config + " --out " + s.dir.file("digits") + " --sft-data " +
      s.dir.file("digits_sft.jsonl") +
      " --no-chat --response-length 4 --batch 8 --lr 1e-2 --seed 5 --steps 150 --threads 1 --quiet");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  return {s.dir.file("digits"), s.dir.file("digits_gsm.jsonl")};
}

TEST_CASE("RL: every objective, 2 ranks reach the weights of 1 rank (TraFL with LoRA and log Z)", "[distributed]") {
  Setup s;
  const RewardFixture fx = reward_fixture(s);
  const std::string objective = s.dir.file("objective.json");
  trafl::test::write_file(objective, R"({"inner_iterations": 2})");
  auto rl_args = [&](const std::string& method, const std::string& out, int seed) {
    std::string a = "train --method " + method + " --model " + fx.model + " --out " + s.dir.file(out) +
                    " --task gsm8k --data " + fx.data + " --no-chat --steps 2 --batch 2 --group-size 3 --gen-length 8" +
                    " --sampler-steps 8 --block-length 8 --lr 1e-3 --seed " + std::to_string(seed) +
                    " --threads 1 --quiet --dist-timeout 60";
    if (method == "trafl")
      a += " --lora-rank 4 --lora-merge";  // adapters and the log Z head through the all-reduce
    else
      a += " --objective-config " + objective;
    return a;
  };
  const auto start = weights(fx.model);
  for (const std::string& method : trafl::training::objective_names()) {
    INFO(method);
    // The first seed whose rollouts bear a reward (some group with mixed rewards moves the weights).
    int seed = -1;
    trafl::test::CommandResult one;
    std::map<std::string, torch::Tensor> w1;
    double moved = 0;
    for (int candidate = 7; candidate < 17 && seed < 0; ++candidate) {
      fs::remove_all(s.dir.file(method + "-1"));
      one = trafl::test::run_cli(rl_args(method, method + "-1", candidate));
      INFO(one.out);
      REQUIRE(one.exit_code == 0);
      w1 = weights(s.dir.file(method + "-1"));
      moved = max_abs_diff(w1, start);
      if (moved > 100 * kTolerance) seed = candidate;
    }
    INFO("seed " << seed);
    REQUIRE(seed >= 0);  // the fixture is built to bear rewards: none in ten seeds is a failure
    auto two = trafl::test::run_cli(rl_args(method, method + "-2", seed) + " --nproc 2");
    INFO(two.out);
    REQUIRE(two.exit_code == 0);
    const auto w2 = weights(s.dir.file(method + "-2"));
    const double diff = max_abs_diff(w1, w2);
    WARN(method << " (seed " << seed << ") 1 vs 2 ranks: max |Δw| = " << diff << " (moved " << moved << ")");
    CHECK(diff <= kTolerance);
    const auto l1 = reported_losses(one.out), l2 = reported_losses(two.out);
    REQUIRE(l1.size() == 2u);
    REQUIRE(l2.size() == 2u);
    for (std::size_t i = 0; i < 2; ++i) CHECK(l2[i] == Approx(l1[i]).epsilon(1e-4).margin(1e-6));
    if (method == "trafl") {
      const auto cfg = trafl::test::tiny_llada_config();
      std::vector<std::string> names;
      for (const auto& [name, t] : trafl::training::make_objective("trafl", nlohmann::json::object(), cfg)->state())
        names.push_back(name);
      REQUIRE_FALSE(names.empty());
      const auto z1 = trafl::training::load_tensors(s.dir.file("trafl-1/step-00000002/objective_state.pt"), names);
      const auto z2 = trafl::training::load_tensors(s.dir.file("trafl-2/step-00000002/objective_state.pt"), names);
      double zdiff = 0;
      for (const auto& name : names) zdiff = std::max(zdiff, (z1.at(name) - z2.at(name)).abs().max().item<double>());
      WARN("trafl log Z head 1 vs 2 ranks: max |Δ| = " << zdiff);
      CHECK(zdiff <= kTolerance);
    }
  }
}

TEST_CASE("a killed rank ends the job with a clear error, and --resume continues at another world size",
          "[distributed]") {
  Setup s;
  // Reference: one uninterrupted rank.
  const std::string common = s.sft_args("ref") + " --steps 40";
  auto ref = trafl::test::run_cli(common);
  INFO(ref.out);
  REQUIRE(ref.exit_code == 0);

  // Two ranks, a checkpoint after every step; rank 1 is killed once a checkpoint exists.
  const std::string out = s.dir.file("killed");
  const std::string log = s.dir.file("killed.log");
  std::vector<std::string> args =
      split_args(s.sft_args("killed") + " --steps 40 --save-every 1 --keep-checkpoints 2 --nproc 2");
  for (auto& a : args)
    if (a == "60") a = "15";  // --dist-timeout 15: the bound the survivors must meet
  const pid_t launcher = spawn_cli(args, log);
  const auto t0 = std::chrono::steady_clock::now();
  pid_t victim = 0;
  while (std::chrono::steady_clock::now() - t0 < std::chrono::seconds(120)) {
    if (fs::exists(out + "/latest") && (victim = rank_child(launcher, 1)) != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(victim != 0);
  REQUIRE(kill(victim, SIGKILL) == 0);
  const auto killed_at = std::chrono::steady_clock::now();
  int status = 0;
  waitpid(launcher, &status, 0);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
  const std::string text = trafl::test::read_file(log);
  INFO(text);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) != 0);
  CHECK(took < 15 + 5);  // within the collective timeout (in practice the closed socket is seen at once)
  CHECK(text.find("rank 1 killed by signal 9") != std::string::npos);  // the launcher's report
  CHECK(text.find("rank 0 of 2") != std::string::npos);                // rank 0's own message
  CHECK(text.find("another rank has died") != std::string::npos);
  const auto saved = trafl::training::latest_checkpoint(out);
  REQUIRE(saved);
  const std::string state = trafl::test::read_file(*saved + "/trainer_state.json");
  CHECK(state.find("\"world_size\": 2") != std::string::npos);
  CHECK(state.find("\"samples_consumed\"") != std::string::npos);

  // Resume with one rank (another world size) to the end: the weights of the uninterrupted run.
  // Without --quiet: "resumed after step N" is a note, which --quiet silences.
  std::string resume_args = s.sft_args("killed") + " --steps 40 --save-every 1 --keep-checkpoints 2 --resume";
  resume_args.replace(resume_args.find(" --quiet"), 8, "");
  auto rest = trafl::test::run_cli(resume_args);
  INFO(rest.out);
  REQUIRE(rest.exit_code == 0);
  CHECK(rest.out.find("resumed after step") != std::string::npos);
  const double diff = max_abs_diff(weights(s.dir.file("ref")), weights(out));
  WARN("kill + resume (2 ranks, then 1) vs uninterrupted 1 rank: max |Δw| = " << diff);
  CHECK(diff <= kTolerance);

  // And from one rank to two: resume the finished 1-rank run for 4 more steps with 2 ranks.
  auto more1 = trafl::test::run_cli(s.sft_args("ref") + " --steps 44 --resume");
  REQUIRE(more1.exit_code == 0);
  auto more2 = trafl::test::run_cli(s.sft_args("killed") + " --steps 44 --resume --nproc 2");
  INFO(more2.out);
  REQUIRE(more2.exit_code == 0);
  CHECK(max_abs_diff(weights(s.dir.file("ref")), weights(out)) <= kTolerance);
}

TEST_CASE("the SLURM recipe: train.sbatch under a stand-in srun starts 2 ranks that find each other", "[distributed]") {
  Setup s;
  // srun and scontrol as SLURM would behave for a 2-task job on one node (this machine): every task
  // runs the command with its own SLURM_PROCID / SLURM_LOCALID; the job fails when a task fails.
  const std::string bin = s.dir.file("bin");
  fs::create_directories(bin);
  trafl::test::write_file(bin + "/srun", R"(#!/bin/bash
while [[ $1 == --* ]]; do shift; done
pids=()
for ((i = 0; i < SLURM_NTASKS; i++)); do SLURM_PROCID=$i SLURM_LOCALID=$i "$@" & pids+=($!); done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
)");
  trafl::test::write_file(bin + "/scontrol", "#!/bin/bash\necho localhost\n");
  fs::permissions(bin + "/srun", fs::perms::owner_all);
  fs::permissions(bin + "/scontrol", fs::perms::owner_all);
  const std::string train_args =
      "--method sft --init-config " + s.config + " --sft-data " + s.sft +
      " --response-length 6 --batch 4 --grad-accum 2 --lr 3e-3 --seed 5 --threads 1 --quiet --steps 3";
  const std::string env =
      "PATH='" + bin + "':$PATH TRAFL='" + std::string(TRAFL_CLI_PATH) + "' OUT='" + s.dir.file("slurm") +
      "' DEVICE=cpu DIST_TIMEOUT=60 SLURM_NTASKS=2 SLURM_JOB_NODELIST=localhost SLURM_JOB_ID=7" +
      " SLURM_CPUS_PER_TASK=1 MASTER_PORT=" + std::to_string(trafl::distributed::free_local_port()) + " TRAIN_ARGS=\"" +
      train_args + "\"";
  const std::string log = s.dir.file("slurm.log");
  const int rc = std::system(
      (env + " bash '" + std::string(TRAFL_SOURCE_DIR) + "/scripts/slurm/train.sbatch' > '" + log + "' 2>&1").c_str());
  INFO(trafl::test::read_file(log));
  REQUIRE(rc == 0);
  CHECK(trafl::test::read_file(log).find("2 ranks, rendezvous localhost") != std::string::npos);
  CHECK(trafl::test::read_file(log).find("s/rank 0:") != std::string::npos);  // rank 0 reported a 2-rank step
  // The same run with one process (the launcher was SLURM this time): the same weights.
  auto one = trafl::test::run_cli("train " + train_args + " --out " + s.dir.file("one"));
  REQUIRE(one.exit_code == 0);
  CHECK(max_abs_diff(weights(s.dir.file("slurm")), weights(s.dir.file("one"))) <= kTolerance);
}

TEST_CASE("torchrun --no_python starts the same binary as 2 ranks", "[distributed]") {
  // torchrun comes with Debian's python3-torch (scripts/setup --reference); without it, a visible skip.
  if (std::system("command -v torchrun > /dev/null 2>&1") != 0) {
    WARN("SKIP: torchrun is not installed (scripts/setup --reference installs python3-torch)");
    return;
  }
  Setup s;
  const std::string args = s.sft_args("torchrun") + " --steps 3";
  // 1.13 spells the flags with '_' (2.x accepts both).
  const std::string cmd = "torchrun --standalone --nnodes 1 --nproc_per_node 2 --no_python '" +
                          std::string(TRAFL_CLI_PATH) + "' " + args + " > '" + s.dir.file("torchrun.log") + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  const std::string text = trafl::test::read_file(s.dir.file("torchrun.log"));
  INFO(text);
  if (rc != 0 && text.find("torch/distributed/elastic") != std::string::npos &&
      text.find("step ") == std::string::npos) {
    // torchrun itself failed before any rank ran (its Python side: seen with Debian's 1.13 torchrun
    // under another python3 on PATH); nothing of ours was tested.
    WARN("SKIP: torchrun failed before starting the ranks (its own Python error, in the log above)");
    return;
  }
  REQUIRE(rc == 0);
  CHECK(text.find("s/rank 0:") != std::string::npos);
  auto one = trafl::test::run_cli(s.sft_args("one") + " --steps 3");
  REQUIRE(one.exit_code == 0);
  CHECK(max_abs_diff(weights(s.dir.file("torchrun")), weights(s.dir.file("one"))) <= kTolerance);
}
