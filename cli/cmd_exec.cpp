// trafl-eval exec FILE [--stdin FILE] [--timeout S] [--memory MB] [--json] [--allow-unsandboxed]
// Runs one program in the sandbox and prints the verdict, limits, measurements and capped output.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "sandbox/limits.hpp"
#include "sandbox/sandbox.hpp"

namespace trafl::cli {

namespace {

struct ExecArgs {
  std::string file;
  std::string stdin_file;
  double timeout = 6.0;
  double wall = 0.0;
  std::size_t memory_mb = 1024;
  std::size_t output_kb = 16384;
  std::size_t show_bytes = 4096;
  bool json = false;
  bool allow_unsandboxed = false;
  bool site_packages = false;
  std::string tier;
  std::string python;
  std::vector<std::string> args;
};

std::string clip(const std::string& text, std::size_t max) {
  if (text.size() <= max) return text;
  return text.substr(0, max) + fmt::format("\n[... {} more bytes not shown]", text.size() - max);
}

void run_exec(const ExecArgs& a) {
  sandbox::Options opts;
  opts.allow_unsandboxed = a.allow_unsandboxed;
  opts.python = a.python;
  opts.workers = 1;
  if (!a.tier.empty()) {
    auto t = sandbox::parse_tier(a.tier);
    if (!t) throw UsageError("--tier must be 1, 2, 3 or 4");
    opts.force_tier = *t;
  }
  std::string probe_log;
  opts.log = [&](const std::string& line) { probe_log += line + "\n"; };
  sandbox::RunRequest req;
  req.limits = sandbox::limits_from_flags({a.timeout, a.wall, a.memory_mb, a.output_kb},
                                          {"--timeout", "--wall", "--memory", "--output-kb"});
  req.program = read_text_file(a.file, "program");
  if (!a.stdin_file.empty()) req.stdin_data = read_text_file(a.stdin_file, "stdin file");
  req.args = a.args;
  req.site_packages = a.site_packages;

  auto box = std::make_unique<sandbox::Sandbox>(opts);
  if (!a.json) std::fputs(probe_log.c_str(), stderr);
  sandbox::RunResult r = box->run(req);
  const auto& L = req.limits;

  if (a.json) {
    nlohmann::json j;
    j["verdict"] = sandbox::to_string(r.verdict);
    j["detail"] = r.detail;
    j["tier"] = sandbox::to_string(r.tier);
    j["exit_code"] = r.exit_code;
    j["signal"] = r.signal;
    j["wall_ms"] = r.wall_ms;
    j["cpu_ms"] = r.cpu_ms;
    j["peak_mem_kb"] = r.peak_mem_kb;
    j["limits"] = {{"cpu_s", L.cpu_s},           {"wall_s", L.effective_wall_s()}, {"memory_mb", L.memory_mb},
                   {"stdout_cap", L.stdout_cap}, {"stderr_cap", L.stderr_cap},     {"pids", L.pids}};
    j["stdout"] = nlohmann::json(r.stdout_data).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    j["stdout"] = nlohmann::json::parse(j["stdout"].get<std::string>());
    j["stdout_bytes"] = r.stdout_bytes;
    j["stdout_truncated"] = r.stdout_truncated;
    j["stderr_tail"] = nlohmann::json::parse(
        nlohmann::json(r.stderr_tail()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    j["stderr_bytes"] = r.stderr_bytes;
    j["sandbox"] = {{"python", box->report().python},
                    {"cgroups", box->report().cgroup_layout},
                    {"landlock_abi", box->report().landlock_abi},
                    {"seccomp", box->report().seccomp},
                    {"warnings", box->report().warnings}};
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << fmt::format("verdict     {}  ({})\n", sandbox::to_string(r.verdict), r.detail);
    std::cout << fmt::format("tier        {}\n", sandbox::to_string(r.tier));
    std::cout << fmt::format("limits      cpu {:.2f} s, wall {:.2f} s, memory {} MB, stdout {} KiB, pids {}\n", L.cpu_s,
                             L.effective_wall_s(), L.memory_mb, L.stdout_cap >> 10, L.pids);
    std::cout << fmt::format("measured    wall {:.1f} ms, cpu {:.1f} ms, peak memory {} KiB\n", r.wall_ms, r.cpu_ms,
                             r.peak_mem_kb);
    std::cout << fmt::format("exit        code {}{}\n", r.exit_code,
                             r.signal ? fmt::format(", signal {}", r.signal) : std::string());
    std::cout << fmt::format("--- stdout ({} bytes{}) ---\n", r.stdout_bytes, r.stdout_truncated ? ", truncated" : "");
    std::cout << clip(r.stdout_data, a.show_bytes);
    if (!r.stdout_data.empty() && r.stdout_data.back() != '\n') std::cout << "\n";
    std::cout << fmt::format("--- stderr ({} bytes, tail) ---\n", r.stderr_bytes);
    std::string tail = r.stderr_tail();
    std::cout << tail << (tail.empty() || tail.back() == '\n' ? "" : "\n");
  }
  if (r.verdict == sandbox::Verdict::kSandboxError) throw std::runtime_error("sandbox error: " + r.detail);
}

}  // namespace

void add_exec_command(CLI::App& app) {
  auto a = std::make_shared<ExecArgs>();
  auto* cmd = app.add_subcommand("exec", "Run one Python program in the sandbox and show verdict, limits and output");
  cmd->add_option("file", a->file, "Python program")->required()->check(CLI::ExistingFile);
  cmd->add_option("--stdin", a->stdin_file, "File fed to the program's stdin")->check(CLI::ExistingFile);
  cmd->add_option("--timeout", a->timeout, "CPU time limit in seconds (default 6)");
  cmd->add_option("--wall", a->wall, "Wall-clock limit in seconds (0: max(2*timeout, timeout+1))");
  cmd->add_option("--memory", a->memory_mb, "Memory limit in MB (default 1024)");
  cmd->add_option("--output-kb", a->output_kb, "stdout cap in KiB (default 16384)");
  cmd->add_option("--show", a->show_bytes, "Bytes of stdout to print (default 4096; --json prints all kept)");
  cmd->add_flag("--json", a->json, "Machine-readable result");
  cmd->add_flag("--allow-unsandboxed", a->allow_unsandboxed, "Run even when no isolation is available (DANGEROUS)");
  cmd->add_flag("--site-packages", a->site_packages, "Start Python without -S (third-party imports, slower)");
  cmd->add_option("--tier", a->tier, "Force an isolation tier (1-4), for debugging");
  cmd->add_option("--python", a->python, "Interpreter command (default python3, resolved to the real binary)");
  cmd->add_option("args", a->args, "Arguments passed to the program (after --)");
  cmd->callback([a] { run_exec(*a); });
}

}  // namespace trafl::cli
