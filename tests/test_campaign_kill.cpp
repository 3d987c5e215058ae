// [campaign]: `trafl-eval sample` SIGKILLed at random points and re-run finishes with exact counts,
// no duplicates, and the same samples, trajectories and grades as an uninterrupted run. Runs the
// real CLI in a child process (exec, so the child does not inherit this process's threads).
#include <algorithm>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "tests/test_campaign_util.hpp"

#include <catch2/catch.hpp>

using trafl::test::TempDir;

namespace {

pid_t spawn_cli(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid != 0) return pid;
  int null = open("/dev/null", O_WRONLY);
  dup2(null, STDOUT_FILENO);
  dup2(null, STDERR_FILENO);
  std::vector<char*> argv;
  std::string exe = TRAFL_CLI_PATH;
  argv.push_back(exe.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(exe.c_str(), argv.data());
  _exit(127);
}

// Whether the child has not exited yet (without reaping it: wait_for still collects its status).
bool still_running(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == 0;
}

// Exit status, or -signal when killed.
int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

std::vector<std::string> sample_args(const std::string& model, const std::string& data, const std::string& db) {
  return {"sample",
          "--model",
          "tiny=" + model,
          "--task",
          "gsm8k",
          "--data",
          data,
          "--db",
          db,
          "--n",
          "6",
          "--gen-length",
          "8,16",
          "--block-length",
          "8",
          "--temperature",
          "1",
          "--seed",
          "11",
          "--batch-size",
          "2",
          "--threads",
          "1",
          "--quiet"};
}

}  // namespace

TEST_CASE("campaign: kill -9 at random points, re-run, same database as an uninterrupted run", "[campaign]") {
  TempDir dir;
  auto model = trafl::test::write_tiny_model(dir, "m", 9);
  auto data = trafl::test::write_gsm8k(dir, 5);
  const std::string reference = dir.file("reference.db");
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(wait_for(spawn_cli(sample_args(model, data, reference))) == 0);
  const auto full_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  const auto expect = trafl::test::dump_samples(reference);
  REQUIRE(expect.size() == 2 * 5 * 6);
  REQUIRE(trafl::test::count_rows(reference, "grades") == 2 * 5 * 6);

  int killed_midway = 0;
  for (unsigned seed : {1u, 2u, 3u}) {
    std::mt19937 rng(seed);
    // Most of a short run is process start-up (loading LibTorch); kill in the part that writes.
    std::uniform_int_distribution<long> when(static_cast<long>(full_ms) * 3 / 10, static_cast<long>(full_ms));
    const std::string db = dir.file("killed" + std::to_string(seed) + ".db");
    for (int attempt = 0; attempt < 2; ++attempt) {
      const long long stored_before = std::max(0LL, trafl::test::count_rows(db, "samples"));  // -1: no database yet
      pid_t pid = spawn_cli(sample_args(model, data, db));
      if (attempt == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(when(rng)));
      } else {
        // A kill at a random time can land before the first write or after the last (a loaded
        // machine stretches start-up): the second kill waits until this run has stored samples, then
        // a random few milliseconds more, so that killing mid-run is tested on every machine.
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
        while (trafl::test::count_rows(db, "samples") <= stored_before && std::chrono::steady_clock::now() < give_up &&
               still_running(pid))
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
        std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 20)(rng)));
      }
      kill(pid, SIGKILL);
      int status = wait_for(pid);
      long long n = trafl::test::count_rows(db, "samples");
      if (status == -SIGKILL && n > 0 && n < 60) ++killed_midway;
      CHECK((status == -SIGKILL || status == 0));
    }
    REQUIRE(wait_for(spawn_cli(sample_args(model, data, db))) == 0);
    CHECK(trafl::test::count_rows(db, "samples") == 60);
    CHECK(trafl::test::count_rows(db, "grades") == 60);
    CHECK(trafl::test::count_rows(db, "runs") == 2);
    CHECK(trafl::test::dump_samples(db) == expect);
  }
  WARN("campaigns killed with part of the samples stored: " << killed_midway << " of 6 (full run " << full_ms
                                                            << " ms)");
  CHECK(killed_midway >= 1);
}
