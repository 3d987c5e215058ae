// [campaign]: the SLURM recipe (scripts/slurm) run by hand with the variables SLURM sets for a
// two-task job array, on CPU: two shard databases, then merge.sh → every sample exactly once.
#include <cstdlib>
#include <filesystem>

#include "tests/test_campaign_util.hpp"

#include <catch2/catch.hpp>

using trafl::test::TempDir;

TEST_CASE("campaign: the SLURM job-array recipe samples shards and merges them", "[campaign]") {
  TempDir dir;
  auto model = trafl::test::write_tiny_model(dir, "m", 12);
  auto data = trafl::test::write_gsm8k(dir, 5);
  const std::string scripts = std::string(TRAFL_SOURCE_DIR) + "/scripts/slurm";
  const std::string env = "TRAFL='" + std::string(TRAFL_CLI_PATH) + "' OUT='" + dir.file("out") +
                          "' DEVICE=cpu SLURM_ARRAY_TASK_COUNT=2 CAMPAIGN_ARGS=\"--model tiny=" + model +
                          " --task gsm8k --data " + data +
                          " --n 3 --gen-length 8 --temperature 1 --threads 1 --quiet\"";
  for (int task = 0; task < 2; ++task) {
    int rc = std::system((env + " SLURM_ARRAY_TASK_ID=" + std::to_string(task) + " bash '" + scripts +
                          "/campaign.sbatch' > /dev/null 2>&1")
                             .c_str());
    CHECK(rc == 0);
  }
  int rc = std::system((env + " bash '" + scripts + "/merge.sh' > '" + dir.file("merge.log") + "' 2>&1").c_str());
  INFO(trafl::test::read_file(dir.file("merge.log")));
  CHECK(rc == 0);
  CHECK(trafl::test::read_file(dir.file("merge.log")).find("complete (2 of 2 shards)") != std::string::npos);
  CHECK(trafl::test::count_rows(dir.file("out/merged.db"), "samples") == 5 * 3);
  CHECK(trafl::test::count_rows(dir.file("out/merged.db"), "grades") == 5 * 3);
}
