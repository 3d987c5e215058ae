// `trafl-eval passk`: pass@k (unbiased estimator) with bootstrap CIs per model × task × grading mode ×
// decoding config, optionally split by a problem metadata key. Data to stdout; notes (omitted k) to
// stderr, or in the "notes" array with --format json.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/conventions.hpp"
#include "core/error.hpp"
#include "metrics/passk.hpp"
#include "metrics/passk_format.hpp"
#include "store/store.hpp"

namespace trafl::cli {

namespace {

struct PasskArgs {
  std::string db;
  OutcomeQuery query;
  std::string k_list;
  std::string format = "table";
  std::int64_t bootstrap = 1000;
  std::uint64_t seed = 0;
  double confidence = 0.95;
  unsigned threads = 0;
};

std::vector<std::int64_t> parse_k_list(const std::string& text) {
  std::vector<std::int64_t> ks;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    while (!item.empty() && item.front() == ' ') item.erase(item.begin());
    while (!item.empty() && item.back() == ' ') item.pop_back();
    std::size_t used = 0;
    long long k = 0;
    try {
      k = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size() || k < 1)
      throw UsageError(fmt::format("--k: '{}' is not a positive integer (expected e.g. --k 1,10,100)", item));
    ks.push_back(k);
    start = end + 1;
  }
  return ks;
}

void run_passk(const PasskArgs& a) {
  const PasskFormat format = parse_passk_format(a.format);
  if (!(a.confidence > 0.0 && a.confidence < 1.0))
    throw UsageError(fmt::format("--confidence must be in (0, 1), got {}", a.confidence));
  if (a.bootstrap < 0) throw UsageError("--bootstrap must be >= 0 (0 disables confidence intervals)");
  PasskOptions options;
  if (!a.k_list.empty()) options.ks = parse_k_list(a.k_list);
  options.bootstrap = a.bootstrap;
  options.seed = a.seed;
  options.confidence = a.confidence;
  options.threads = a.threads;

  // A reader never creates a database: a mistyped path is an error, not an empty result.
  std::error_code ec;
  if (!std::filesystem::exists(a.db, ec)) throw InputError(a.db, 0, "", "no such database file");
  Store store(a.db, Store::OpenMode::kReadOnly);
  const auto outcomes = store.outcomes(a.query);
  const PasskReport report = compute_passk(outcomes, options, a.query.by);

  if (outcomes.empty())
    note(fmt::format("no graded samples in {} match the query (task '{}', model '{}', mode '{}')", a.db, a.query.task,
                     a.query.model, a.query.mode));
  switch (format) {
    case PasskFormat::kTable: fmt::print("{}", format_passk_table(report)); break;
    case PasskFormat::kCsv: fmt::print("{}", format_passk_csv(report)); break;
    case PasskFormat::kJson: fmt::print("{}", format_passk_json(report)); return;  // notes are inside the JSON
  }
  std::fflush(stdout);
  if (!quiet())
    for (const auto& n : passk_notes(report)) std::fprintf(stderr, "%s\n", n.c_str());
}

}  // namespace

void add_passk_command(CLI::App& app) {
  auto args = std::make_shared<PasskArgs>();
  auto* cmd = app.add_subcommand(
      "passk", "pass@k (unbiased estimator) with bootstrap confidence intervals, per model/task/mode/config");
  cmd->add_option("--db", args->db, "Run database (must exist)")->required();
  cmd->add_option("--task", args->query.task, "Only this task");
  cmd->add_option("--model", args->query.model, "Only this model");
  cmd->add_option("--mode", args->query.mode, "Only this grading mode");
  cmd->add_option("--k", args->k_list,
                  "Comma-separated k values (default: 1, powers of two below max n, and max n of each group)");
  cmd->add_option("--by", args->query.by, "Also report per value of this problem metadata key (e.g. level)");
  cmd->add_option("--format", args->format, "table | csv | json")->capture_default_str();
  cmd->add_option("--bootstrap", args->bootstrap, "Bootstrap resamples over problems (0: no CIs)")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Bootstrap seed")->capture_default_str();
  cmd->add_option("--confidence", args->confidence, "Confidence level of the intervals")->capture_default_str();
  cmd->add_option("--threads", args->threads, "Bootstrap threads (0: all cores; results do not depend on it)")
      ->capture_default_str();
  cmd->callback([args] { run_passk(*args); });
}

}  // namespace trafl::cli
