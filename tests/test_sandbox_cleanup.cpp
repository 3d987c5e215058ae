// What a sandbox leaves on the host when its process is stopped: SIGTERM/SIGINT remove the scratch
// directory, the run cgroups and the uid lock files before the process ends by the signal;
// after SIGKILL the next sandbox sweeps them at start; an absurd --workers is refused before any
// lock file is made.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support.hpp"
#include "tests/test_sandbox_util.hpp"

using namespace trafl::test::sbx;

namespace {

pid_t spawn_cli(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  int null = ::open("/dev/null", O_WRONLY);
  ::dup2(null, STDOUT_FILENO);
  ::dup2(null, STDERR_FILENO);
  std::vector<char*> argv;
  std::string exe = TRAFL_CLI_PATH;
  argv.push_back(exe.data());
  std::vector<std::string> copy = args;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(exe.c_str(), argv.data());
  ::_exit(127);
}

std::set<std::string> list_dir(const std::string& dir, const std::string& prefix) {
  std::set<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.rfind(prefix, 0) == 0) out.insert(dir + "/" + name);
    }
    ::closedir(d);
  }
  return out;
}

// Scratch directories nobody holds (a live sandbox keeps a flock on its own).
std::set<std::string> unheld_scratch_dirs() {
  std::set<std::string> out;
  for (const auto& path : list_dir("/tmp", "trafl-sandbox-")) {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) out.insert(path);
    ::close(fd);
  }
  return out;
}

// Run cgroups of process pid, in every hierarchy the sandbox may use.
std::vector<std::string> cgroups_of(pid_t pid) {
  std::vector<std::string> out;
  std::string tag = "-p" + std::to_string(pid) + "-";
  for (const char* base :
       {"/sys/fs/cgroup/trafl-sbx", "/sys/fs/cgroup/unified/trafl-sbx", "/sys/fs/cgroup/memory/trafl-sbx",
        "/sys/fs/cgroup/pids/trafl-sbx", "/sys/fs/cgroup/cpuacct/trafl-sbx", "/sys/fs/cgroup/cpu,cpuacct/trafl-sbx"}) {
    for (const auto& path : list_dir(base, "u"))
      if (path.find(tag) != std::string::npos) out.push_back(path);
  }
  return out;
}

// True once the sandboxed interpreter runs the program: a process whose command line holds both the
// program's name in the sandbox (prog.py) and the marker. The CLI's own command line holds the marker
// too, so waiting for the marker alone returned before the sandbox existed, and a kill then found
// nothing to clean up (the test passed with the signal cleanup removed).
bool program_running(const std::string& marker) {
  return count_processes([&](const std::string&, const std::string& cmdline) {
           return cmdline.find(marker) != std::string::npos && cmdline.find("prog.py") != std::string::npos;
         }) > 0;
}

// Starts `exec` on a sleeping program and waits until the program runs in the sandbox (so the
// scratch directory and the run's cgroup exist); returns the CLI's pid.
pid_t start_sleeper(const std::string& program, const std::string& marker) {
  pid_t pid = spawn_cli({"exec", program, "--timeout", "30", "--", marker});
  for (int i = 0; i < 600 && !program_running(marker); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(program_running(marker));
  return pid;
}

}  // namespace

TEST_CASE("sandbox: SIGTERM or SIGINT of exec removes its scratch directory, cgroups and processes",
          "[sandbox][cleanup]") {
  trafl::test::TempDir dir;
  std::string program = dir.file("sleep.py");
  trafl::test::write_file(program, "import time\ntime.sleep(60)\n");
  for (int sig : {SIGTERM, SIGINT}) {
    auto before = unheld_scratch_dirs();
    std::string marker = unique_marker("sigcleanup");
    pid_t cli = start_sleeper(program, marker);
    std::size_t made = 0;  // the run's scratch directory exists (held) while it runs: something to clean up
    for (const auto& path : list_dir("/tmp", "trafl-sandbox-"))
      if (!before.count(path) && !unheld_scratch_dirs().count(path)) ++made;
    CHECK(made >= 1);  // other tests running at once may hold scratch directories of their own
    ::kill(cli, sig);
    int status = 0;
    ::waitpid(cli, &status, 0);
    INFO("signal " << sig);
    CHECK(WIFSIGNALED(status));  // it still ends by the signal
    if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == sig);
    CHECK(settled_leftovers(marker, {}) == 0);
    std::vector<std::string> left;
    for (const auto& d : unheld_scratch_dirs())
      if (!before.count(d)) left.push_back(d);
    INFO("scratch left: " << (left.empty() ? "" : left[0]));
    CHECK(left.empty());
    auto groups = cgroups_of(cli);
    INFO("cgroups left: " << (groups.empty() ? "" : groups[0]));
    CHECK(groups.empty());
  }
}

TEST_CASE("sandbox: after a SIGKILL the next sandbox sweeps the scratch directory and cgroups left behind",
          "[sandbox][cleanup]") {
  trafl::test::TempDir dir;
  std::string program = dir.file("sleep.py");
  trafl::test::write_file(program, "import time\ntime.sleep(60)\n");
  auto before = unheld_scratch_dirs();
  std::string marker = unique_marker("killcleanup");
  pid_t cli = start_sleeper(program, marker);
  ::kill(cli, SIGKILL);
  int status = 0;
  ::waitpid(cli, &status, 0);
  CHECK(settled_leftovers(marker, {}) == 0);
  // The killed sandbox's children let go of its scratch directory's flock a moment after it died.
  std::vector<std::string> left;
  for (int i = 0; i < 20 && left.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const auto& d : unheld_scratch_dirs())
      if (!before.count(d)) left.push_back(d);
  }
  // (Here a killed run's directory can stay flocked for seconds, so `left` may be empty and the
  // sweep of scratch directories untested in this case; the cgroups below are always checked.)
  bool had_groups = !cgroups_of(cli).empty();
  std::cout << "after SIGKILL: " << left.size() << " scratch dirs, " << (had_groups ? "some" : "no")
            << " cgroups left\n";
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // the sweep spares dirs younger than 2 s
  trafl::test::write_file(dir.file("quick.py"), "print(1)\n");
  auto r = trafl::test::run_cli("exec '" + dir.file("quick.py") + "' --timeout 2");
  INFO(r.out);
  CHECK(r.exit_code == 0);
  for (const auto& d : left) CHECK(::access(d.c_str(), F_OK) != 0);
  CHECK(cgroups_of(cli).empty());
}

// The reaper (sandbox/reaper.hpp), on its own: a process of the slot uid that nothing else binds to
// trafl-eval's life -- as a sandboxed program is while bubblewrap sets itself up -- dies once
// trafl-eval is killed with SIGKILL. Without the reaper it lives on (until the next sandbox starts).
TEST_CASE("sandbox: after a SIGKILL the reaper kills what the slot uid still runs", "[sandbox][cleanup]") {
  if (::geteuid() != 0) {
    WARN("skipped: the reaper works by slot uid, which needs root");
    return;
  }
  trafl::test::TempDir dir;
  std::string program = dir.file("sleep.py");
  trafl::test::write_file(program, "import time\ntime.sleep(60)\n");
  std::string marker = unique_marker("reaper");
  pid_t cli = start_sleeper(program, marker);
  long slot_uid = -1;  // the uid the program runs as, seen from here
  count_processes([&](const std::string& status, const std::string& cmdline) {
    const long uid = status_number(status, "Uid");
    if (cmdline.find(marker) != std::string::npos && uid > 0) slot_uid = uid;
    return false;
  });
  REQUIRE(slot_uid > 0);
  // The stand-in: a child of this test, in its own session, as the slot uid; only async-signal-safe
  // calls after the fork.
  pid_t stand_in = ::fork();
  REQUIRE(stand_in >= 0);
  if (stand_in == 0) {
    ::setsid();
    if (::setresgid(slot_uid, slot_uid, slot_uid) != 0 || ::setresuid(slot_uid, slot_uid, slot_uid) != 0) ::_exit(3);
    for (;;) ::pause();
  }
  // Only once it runs as the slot uid: a kill before that would miss it on a loaded machine.
  auto stand_in_uid = [&] { return status_number(read_proc("/proc/" + std::to_string(stand_in) + "/status"), "Uid"); };
  for (int i = 0; i < 500 && stand_in_uid() != slot_uid; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (stand_in_uid() != slot_uid) {  // never leave it behind, whatever happens
    ::kill(stand_in, SIGKILL);
    ::kill(cli, SIGKILL);
    ::waitpid(stand_in, nullptr, 0);
    ::waitpid(cli, nullptr, 0);
    FAIL("the stand-in did not switch to the slot uid");
  }
  ::kill(cli, SIGKILL);
  int status = 0;
  ::waitpid(cli, &status, 0);
  bool gone = false;
  for (int i = 0; i < 750 && !gone; ++i) {  // 15 s: the reaper acts at once; CI machines can be loaded
    gone = ::waitpid(stand_in, &status, WNOHANG) == stand_in;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!gone) {
    ::kill(stand_in, SIGKILL);
    ::waitpid(stand_in, &status, 0);
  }
  CHECK(gone);
  CHECK(WIFSIGNALED(status));
  if (WIFSIGNALED(status)) CHECK(WTERMSIG(status) == SIGKILL);
  CHECK(settled_leftovers(marker, {}) == 0);
}

TEST_CASE("sandbox: a normal end stands the reaper down and waits for it", "[sandbox][cleanup]") {
  if (::geteuid() != 0) {
    WARN("skipped: the reaper works by slot uid, which needs root");
    return;
  }
  // This process's children running the reaper's script, by pid.
  auto reapers = [] {
    std::set<long> pids;
    count_processes([&](const std::string& status, const std::string& cmdline) {
      if (cmdline.find("trafl-sandbox-reaper") != std::string::npos && status_number(status, "PPid") == ::getpid())
        pids.insert(status_number(status, "Pid"));
      return false;
    });
    return pids;
  };
  const auto before = reapers();  // the suite's shared sandbox (box()) may have one of its own
  Options o;
  o.workers = 2;
  o.log = [](const std::string&) {};
  long mine = -1;
  {
    Sandbox b(o);
    CHECK(b.report().reaper);
    // (Not a count: a reaper of a sandbox in a killed child of this process comes here too, as
    // this process is a subreaper, and goes once it has killed.)
    int fresh = 0;
    for (long pid : reapers())
      if (!before.count(pid)) mine = pid, ++fresh;
    CHECK(fresh == 1);
    auto r = run(b, "print(6 * 7)\n");
    CHECK(r.verdict == Verdict::kPassed);
    CHECK(r.stdout_data == "42\n");
  }
  REQUIRE(mine > 0);
  // Gone and reaped: kill(pid, 0) still finds a zombie.
  CHECK(::kill(static_cast<pid_t>(mine), 0) != 0);
}

TEST_CASE("grade --workers beyond the maximum is refused before any lock file is made", "[sandbox][cleanup]") {
  trafl::test::TempDir dir;
  trafl::test::write_file(dir.file("mbpp.jsonl"), trafl::test::mbpp_square_line());
  trafl::test::write_file(dir.file("ms.jsonl"), R"({"task_id": 11, "completion": "def sq(x):\n    return x*x\n"})"
                                                "\n");
  auto q = [](const std::string& s) { return "'" + s + "'"; };
  auto r = trafl::test::run_cli("grade -q --task mbpp --data " + q(dir.file("mbpp.jsonl")) + " --samples " +
                                q(dir.file("ms.jsonl")) + " --db " + q(dir.file("runs.db")) + " --workers 100000");
  INFO(r.out);
  CHECK(r.exit_code != 0);
  CHECK(r.out.find("--workers 100000") != std::string::npos);
  CHECK(r.out.find("256") != std::string::npos);
  // Many slots: their lock files go away with the process, and so does a failed acquisition's.
  Options o;
  o.workers = 40;
  o.log = [](const std::string&) {};
  std::vector<unsigned> held;
  {
    Sandbox many(o);
    held = many.report().slot_uids;
  }
  int stale = 0;
  for (unsigned uid : held) {
    int fd = ::open(("/run/trafl-sandbox/" + std::to_string(uid) + ".lock").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    stale += ::flock(fd, LOCK_EX | LOCK_NB) == 0;  // exists and nobody holds it
    ::close(fd);
  }
  CHECK(stale == 0);
  o.workers = 100000;
  CHECK_THROWS_WITH(Sandbox(o), Catch::Contains("at most 256"));
}
