// `trafl-eval merge`: combine run databases (shards of a campaign) into one.
#include <fmt/format.h>

#include <memory>

#include "cli/commands.hpp"
#include "store/merge.hpp"

namespace trafl::cli {

void add_merge_command(CLI::App& app) {
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto out = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "merge",
      "Merge run databases (e.g. the shards of a sampling campaign) into one; idempotent, refuses shards of "
      "different campaigns and conflicting duplicates");
  cmd->add_option("inputs", *inputs, "input databases")->required()->check(CLI::ExistingFile);
  cmd->add_option("--out", *out, "output database (created if missing; may already hold earlier merges)")->required();
  cmd->callback([inputs, out] {
    auto s = merge_databases(*inputs, *out);
    for (const auto& in : s.inputs)
      fmt::print("{}: {} runs; {} problems, {} samples, {} grades new\n", in.path, in.runs, in.problems_new,
                 in.samples_new, in.grades_new);
    for (const auto& c : s.shard_coverage) fmt::print("campaign {}\n", c);
    fmt::print("{}: {} samples, {} grades\n", *out, s.samples_total, s.grades_total);
  });
}

}  // namespace trafl::cli
