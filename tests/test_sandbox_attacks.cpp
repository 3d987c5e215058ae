// The attack suite: hostile programs must get the right verdict AND leave the host untouched
// (no process left, listener never connected, secret absent, nothing new on the host filesystem,
// sentinel alive). Limits are small so the whole suite runs in seconds.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>
#include <memory>
#include <sstream>

#include <filesystem>

#include "tests/support.hpp"
#include "tests/test_sandbox_util.hpp"

using namespace trafl::test::sbx;
namespace fs = std::filesystem;

namespace {

std::vector<unsigned> uids(Sandbox& b) { return b.report().slot_uids; }

// Programs shared by both tiers.
std::string secret_program(const std::string& path) {
  return "import os\nfor p in [" + std::string("'") + path +
         "', '/etc/shadow', '/proc/1/environ']:\n"
         "    try:\n        print(p, open(p).read())\n    except Exception as e:\n        print(p, 'blocked', type(e).__name__)\n";
}

std::string write_program(const std::vector<std::string>& paths) {
  std::string list;
  for (const auto& p : paths) list += "'" + p + "',";
  return "import os\nfor p in [" + list +
         "]:\n    try:\n        with open(p, 'w') as f: f.write('pwned')\n"
         "        print(p, 'WROTE')\n    except Exception as e:\n        print(p, 'blocked', type(e).__name__)\n";
}

std::string connect_program(const std::string& host, int port) {
  return "import socket\ntry:\n    s = socket.create_connection(('" + host + "', " + std::to_string(port) +
         "), timeout=0.5)\n    print('CONNECTED')\nexcept Exception as e:\n    print('refused', type(e).__name__, e)\n";
}

std::string signal_program(pid_t sentinel, pid_t runner) {
  return "import os, signal\nfor pid in [" + std::to_string(sentinel) + ", " + std::to_string(runner) +
         ", os.getppid()]:\n    try:\n        os.kill(pid, signal.SIGKILL if pid == " + std::to_string(sentinel) +
         " else 0)\n        print(pid, 'SIGNALLED')\n    except Exception as e:\n        print(pid, 'blocked', type(e).__name__)\n"
         "try:\n    os.kill(-1, signal.SIGKILL)\nexcept Exception as e:\n    print('kill -1 blocked', type(e).__name__)\n";
}

std::string daemon_program(const std::string& marker) {
  return "import os, sys, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n"
         "        os.execv(sys.executable, [sys.executable, '-S', '-c', 'import signal,time\\nsignal.signal(signal.SIGTERM, "
         "signal.SIG_IGN)\\nsignal.signal(signal.SIGHUP, signal.SIG_IGN)\\ntime.sleep(30)', '" +
         marker +
         "'])\n"
         "    os._exit(0)\ntime.sleep(0.2)\nprint('parent done')\n";
}

}  // namespace

TEST_CASE("attack: infinite loop ends as timeout", "[sandbox]") {
  auto r = run(box(), "while True:\n    pass\n", "", 0.5);
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kTimeout);
  CHECK(r.cpu_ms >= 400);
  CHECK(r.wall_ms < 3000);
  CHECK(settled_leftovers("", uids(box())) == 0);
}

TEST_CASE("attack: sleep ends at the wall deadline", "[sandbox]") {
  auto r = run(box(), "import time\ntime.sleep(1000)\n", "", 0.5, 256, 0.7);
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kTimeout);
  CHECK(r.detail.find("wall") != std::string::npos);
  CHECK(r.wall_ms >= 650);
  CHECK(r.wall_ms < 2500);
  CHECK(r.cpu_ms < 500);
}

TEST_CASE("attack: memory bombs are memory_exceeded", "[sandbox]") {
  auto grow = run(box(), "a = []\nwhile True:\n    a.append(b'x' * (8 << 20))\n", "", 2.0, 128);
  INFO(describe(grow));
  CHECK(grow.verdict == Verdict::kMemoryExceeded);
  // An allocation refused at once raises MemoryError and exits 1 with no cgroup OOM event. Verdicts
  // come from the exit status and cgroup events only (never stderr text, which a program could
  // forge), so a bare program's refused allocation is a runtime_error; either way it is contained.
  auto huge = run(box(), "a = bytearray(64 << 30)\n", "", 1.0, 128);
  INFO(describe(huge));
  CHECK((huge.verdict == Verdict::kMemoryExceeded || huge.verdict == Verdict::kRuntimeError));
  CHECK(huge.peak_mem_kb <= 128 * 1024);
  CHECK(settled_leftovers("", uids(box())) == 0);
}

TEST_CASE("attack: many children each under the limit exceed it together", "[sandbox]") {
  auto& b = box();
  if (!b.report().cgroup_memory) {
    std::cout << "SKIPPED many-children memory test because there is no memory cgroup (tier " << to_string(b.tier())
              << ": no aggregate limit)\n";
    return;
  }
  auto r = run(b,
               "import os, time\nkids = []\nfor i in range(6):\n    pid = os.fork()\n    if pid == 0:\n"
               "        x = b'x' * (60 << 20)\n        time.sleep(0.5)\n        os._exit(0)\n    kids.append(pid)\n"
               "for k in kids:\n    os.waitpid(k, 0)\nprint('all done')\n",
               "", 2.0, 200, 1.5);
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kMemoryExceeded);
  CHECK(r.peak_mem_kb <= 210u * 1024);
  CHECK(settled_leftovers("", uids(b)) == 0);
}

TEST_CASE("attack: fork bomb is contained and cleaned up", "[sandbox]") {
  auto marker = unique_marker("forkbomb");
  auto r =
      run(box(),
          "import os\n# " + marker + "\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
          "", 0.5, 256, 1.5);
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kTimeout);
  CHECK(r.wall_ms < 3000);
  CHECK(settled_leftovers("", uids(box())) == 0);
}

TEST_CASE("attack: stdout and stderr floods hit the output limit", "[sandbox]") {
  RunRequest req;
  req.program = "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n";
  req.limits.cpu_s = 2;
  req.limits.stdout_cap = 1 << 20;
  auto out = box().run(req);
  INFO(describe(out));
  CHECK(out.verdict == Verdict::kOutputLimit);
  CHECK(out.stdout_data.size() == (1u << 20));
  CHECK(out.stdout_truncated);
  CHECK(out.wall_ms < 1500);

  req.program = "import sys\nwhile True:\n    sys.stderr.write('e' * 65536)\n";
  req.limits.stderr_cap = 2 << 20;
  auto err = box().run(req);
  INFO(describe(err));
  CHECK(err.verdict == Verdict::kOutputLimit);
  CHECK(err.stderr_data.size() <= req.limits.stderr_keep);
  CHECK(err.wall_ms < 1500);
}

TEST_CASE("attack: writing outside the scratch space changes nothing on the host", "[sandbox]") {
  trafl::test::TempDir dir;
  ::chmod(dir.path().c_str(), 0777);  // DAC would allow it: only the sandbox may stop it
  auto marker = unique_marker("write");
  std::vector<std::string> host_paths = {dir.file(marker), "/tmp/" + marker,  "/dev/shm/" + marker, "/etc/" + marker,
                                         "/usr/" + marker, "/root/" + marker, "/" + marker};
  auto r = run(box(), write_program(host_paths) + "open('/box/ok', 'w').write('fine')\nprint('scratch ok')\n");
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data.find("scratch ok") != std::string::npos);
  for (const auto& p : host_paths) {
    INFO(p);
    CHECK_FALSE(fs::exists(p));
  }
}

TEST_CASE("attack: filling the scratch space stops at its size", "[sandbox]") {
  auto marker = unique_marker("fill");
  auto r = run(box(),
               "import os\nfor d in ['/tmp', '/box', '/dev/shm']:\n    n = 0\n    try:\n        for i in range(64):\n"
               "            with open(d + '/" +
                   marker +
                   "-%d' % i, 'wb') as f:\n"
                   "                for _ in range(8):\n                    f.write(b'z' * (1 << 20)); n += 1\n"
                   "    except OSError as e:\n        print(d, 'stopped after', n, 'MiB:', e.strerror)\n",
               "", 2.0, 512);
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data.find("stopped after") != std::string::npos);
  for (const char* d : {"/tmp/", "/dev/shm/"}) CHECK_FALSE(fs::exists(std::string(d) + marker + "-0"));
}

TEST_CASE("attack: a root-only host secret cannot be read", "[sandbox]") {
  trafl::test::TempDir dir;
  auto secret = unique_marker("SECRET");
  trafl::test::write_file(dir.file("secret.txt"), secret);
  ::chmod(dir.file("secret.txt").c_str(), 0600);
  auto r = run(box(), secret_program(dir.file("secret.txt")));
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data.find(secret) == std::string::npos);
  CHECK(r.stderr_data.find(secret) == std::string::npos);
  CHECK(r.stdout_data.find("blocked") != std::string::npos);
}

TEST_CASE("attack: no network, neither to the host's loopback nor outside", "[sandbox]") {
  Listener listener;
  auto r = run(box(), connect_program("127.0.0.1", listener.port));
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data.find("CONNECTED") == std::string::npos);
  CHECK_FALSE(listener.got_connection());
  if (!has_namespaces(box(), "the outside-address test (it may only run inside a network namespace)")) return;
  auto out = run(box(), connect_program("192.0.2.1", 80) +
                            "try:\n    socket.getaddrinfo('example.com', 80)\n    print('RESOLVED')\n"
                            "except Exception as e:\n    print('no dns', e)\n");
  INFO(describe(out));
  CHECK(out.verdict == Verdict::kPassed);
  CHECK(out.stdout_data.find("CONNECTED") == std::string::npos);
  CHECK(out.stdout_data.find("RESOLVED") == std::string::npos);
}

TEST_CASE("attack: signals cannot reach the runner or other host processes", "[sandbox]") {
  Sentinel sentinel;
  auto r = run(box(), signal_program(sentinel.pid, ::getpid()));
  INFO(describe(r));
  CHECK(sentinel.alive());
  CHECK(r.stdout_data.find(std::to_string(sentinel.pid) + " SIGNALLED") == std::string::npos);
  CHECK(r.stdout_data.find(std::to_string(::getpid()) + " SIGNALLED") == std::string::npos);
}

TEST_CASE("attack: a daemon does not outlive the program", "[sandbox]") {
  auto marker = unique_marker("daemon");
  auto r = run(box(), daemon_program(marker), "", 2.0);
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data == "parent done\n");
  CHECK(r.wall_ms < 1500);
  CHECK(settled_leftovers(marker, uids(box())) == 0);
}

TEST_CASE("attack: os._exit before the results are flushed", "[sandbox]") {
  auto r = run(box(), "import os\nprint('42')\nos._exit(0)\n");
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);  // exit 0; the harness sees no output and fails it
  CHECK(r.stdout_data.empty());
  auto code = run(box(), "import os\nos._exit(7)\n");
  CHECK(code.verdict == Verdict::kRuntimeError);
  CHECK(code.exit_code == 7);
}

TEST_CASE("attack: deep recursion behaves like a judge (unlimited stack)", "[sandbox]") {
  auto r = run(box(),
               "import sys\nsys.setrecursionlimit(10**6)\ndef f(n):\n    return 0 if n == 0 else 1 + f(n - 1)\n"
               "print(f(200000))\n",
               "", 3.0, 512);
  INFO(describe(r));
  CHECK(r.verdict == Verdict::kPassed);
  CHECK(r.stdout_data == "200000\n");
}

TEST_CASE("attack: degraded tier (Landlock + seccomp) still contains the host-facing attacks", "[sandbox]") {
  Sandbox* d = degraded_box();
  if (!d) return;
  std::vector<unsigned> ids = d->report().slot_uids;
  trafl::test::TempDir dir;
  ::chmod(dir.path().c_str(), 0777);
  auto secret = unique_marker("SECRET");
  trafl::test::write_file(dir.file("secret.txt"), secret);
  ::chmod(dir.file("secret.txt").c_str(), 0644);  // world-readable: only Landlock stops it
  auto s = run(*d, secret_program(dir.file("secret.txt")));
  INFO(describe(s));
  CHECK(s.tier == Tier::kDegraded);
  CHECK(s.stdout_data.find(secret) == std::string::npos);

  auto marker = unique_marker("write");
  std::vector<std::string> host_paths = {dir.file(marker), "/tmp/" + marker, "/dev/shm/" + marker};
  auto w = run(*d, write_program(host_paths) + "open('scratch.txt', 'w').write('ok')\nprint('scratch ok')\n");
  INFO(describe(w));
  CHECK(w.stdout_data.find("scratch ok") != std::string::npos);
  for (const auto& p : host_paths) CHECK_FALSE(fs::exists(p));

  Listener listener;
  auto n = run(*d, connect_program("127.0.0.1", listener.port));
  INFO(describe(n));
  CHECK(n.stdout_data.find("CONNECTED") == std::string::npos);
  CHECK_FALSE(listener.got_connection());

  Sentinel sentinel;
  auto k = run(*d, signal_program(sentinel.pid, ::getpid()));
  INFO(describe(k));
  CHECK(sentinel.alive());

  auto dm = unique_marker("daemon");
  auto dr = run(*d, daemon_program(dm), "", 2.0);
  INFO(describe(dr));
  CHECK(dr.verdict == Verdict::kPassed);
  CHECK(settled_leftovers(dm, ids) == 0);

  auto loop = run(*d, "while True:\n    pass\n", "", 0.5);
  CHECK(loop.verdict == Verdict::kTimeout);
  auto mem = run(*d, "a = []\nwhile True:\n    a.append(b'x' * (8 << 20))\n", "", 2.0, 128);
  INFO(describe(mem));
  CHECK(mem.verdict == Verdict::kMemoryExceeded);
  CHECK(settled_leftovers("", ids) == 0);
}

// ---- host IPC and host unix sockets, on every tier this machine has ---------------------------------

namespace {

// The tiers to attack: the best one, the forced tier 2 and the degraded tier 3 where available.
std::vector<std::pair<std::string, Sandbox*>> every_tier() {
  std::vector<std::pair<std::string, Sandbox*>> out = {{to_string(box().tier()), &box()}};
  static std::unique_ptr<Sandbox> t2;
  if (!t2 && box().tier() == Tier::kNamespacesCgroups) {
    Options o;
    o.workers = 1;
    o.force_tier = Tier::kNamespaces;
    o.log = [](const std::string&) {};
    t2 = std::make_unique<Sandbox>(o);
  }
  if (t2) out.emplace_back(to_string(t2->tier()), t2.get());
  if (Sandbox* d = degraded_box()) out.emplace_back(to_string(d->tier()), d);
  return out;
}

// Rows of a /proc/sysvipc file whose key column (the first) is `key`.
int sysv_objects_with_key(const char* file, long key) {
  std::istringstream in(read_proc(file));
  std::string line;
  std::getline(in, line);  // header
  int n = 0;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    long k = 0;
    if (row >> k && k == key) ++n;
  }
  return n;
}

struct UnixListener {
  std::string path;
  std::string abstract_name;
  int stream = -1, dgram = -1, abstract = -1;
  std::string dgram_path;
  explicit UnixListener(const std::string& dir) {
    path = dir + "/host.sock";
    dgram_path = dir + "/host.dgram";
    abstract_name = unique_marker("abstract");
    auto bind_at = [](int type, const std::string& where, bool is_abstract) {
      int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
      sockaddr_un a{};
      a.sun_family = AF_UNIX;
      std::size_t off = is_abstract ? 1 : 0;
      std::memcpy(a.sun_path + off, where.data(), std::min(where.size(), sizeof a.sun_path - 1 - off));
      socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + off + where.size());
      ::bind(fd, reinterpret_cast<sockaddr*>(&a), len);
      if (type == SOCK_STREAM) ::listen(fd, 8);
      return fd;
    };
    stream = bind_at(SOCK_STREAM, path, false);
    dgram = bind_at(SOCK_DGRAM, dgram_path, false);
    abstract = bind_at(SOCK_STREAM, abstract_name, true);
    ::chmod(dir.c_str(), 0755);
    ::chmod(path.c_str(), 0777);  // as an X11 or D-Bus socket is: anyone may connect
    ::chmod(dgram_path.c_str(), 0777);
  }
  ~UnixListener() {
    for (int fd : {stream, dgram, abstract}) ::close(fd);
  }
  bool reached() const {
    pollfd p[3] = {{stream, POLLIN, 0}, {dgram, POLLIN, 0}, {abstract, POLLIN, 0}};
    return ::poll(p, 3, 100) > 0;
  }
};

}  // namespace

TEST_CASE("attack: System V IPC objects do not outlive the run (every tier)", "[sandbox][ipc]") {
  long key = 0x7a000000L + (::getpid() & 0xffff);
  // Through ctypes: a 64 MB shared memory segment (touched), a message queue and a semaphore set.
  std::string program = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nK = " + std::to_string(key) +
                        "\n"
                        "libc.shmat.restype = ctypes.c_void_p\n"
                        "shm = libc.shmget(K, 64 << 20, 0o1666)\n"
                        "print('shm', shm, ctypes.get_errno())\n"
                        "if shm >= 0:\n"
                        "    p = libc.shmat(shm, None, 0)\n"
                        "    if p not in (None, ctypes.c_void_p(-1).value):\n"
                        "        ctypes.memset(p, 1, 64 << 20)\n"
                        "print('msg', libc.msgget(K + 1, 0o1666), ctypes.get_errno())\n"
                        "print('sem', libc.semget(K + 2, 4, 0o1666), ctypes.get_errno())\n";
  for (auto& [name, b] : every_tier()) {
    auto r = run(*b, program, "", 2.0);
    INFO(name << ": " << describe(r));
    CHECK(r.verdict == Verdict::kPassed);
    CHECK(sysv_objects_with_key("/proc/sysvipc/shm", key) == 0);
    CHECK(sysv_objects_with_key("/proc/sysvipc/msg", key + 1) == 0);
    CHECK(sysv_objects_with_key("/proc/sysvipc/sem", key + 2) == 0);
    if (b->tier() == Tier::kDegraded) CHECK(r.stdout_data.find("shm -1") != std::string::npos);  // refused outright
  }
}

TEST_CASE("attack: host unix sockets (named, datagram, abstract) cannot be reached (every tier)", "[sandbox][ipc]") {
  trafl::test::TempDir dir;
  UnixListener host(dir.path().string());
  std::string program =
      "import socket\n"
      "def attempt(what, f):\n"
      "    try:\n"
      "        f()\n"
      "        print(what, 'REACHED')\n"
      "    except Exception as e:\n"
      "        print(what, 'blocked', type(e).__name__, e)\n"
      "def stream(addr):\n"
      "    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
      "    s.settimeout(0.5)\n"
      "    s.connect(addr)\n"
      "attempt('named', lambda: stream('" +
      host.path +
      "'))\n"
      "attempt('abstract', lambda: stream('\\0" +
      host.abstract_name +
      "'))\n"
      "def dgram():\n"
      "    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
      "    a.sendto(b'x', '" +
      host.dgram_path +
      "')\n"
      "attempt('datagram via socketpair', dgram)\n"
      "def dgram_msg():\n"
      "    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
      "    a.sendmsg([b'x'], [], 0, '" +
      host.dgram_path +
      "')\n"
      "attempt('datagram via sendmsg', dgram_msg)\n"
      "a, b = socket.socketpair()\n"
      "a.sendall(b'ok')\n"
      "print('socketpair', b.recv(2).decode())\n";
  for (auto& [name, b] : every_tier()) {
    auto r = run(*b, program, "", 2.0);
    INFO(name << ": " << describe(r));
    CHECK(r.verdict == Verdict::kPassed);
    CHECK(r.stdout_data.find("REACHED") == std::string::npos);
    CHECK(r.stdout_data.find("socketpair ok") != std::string::npos);  // a private pair still works
    CHECK_FALSE(host.reached());
  }
}
