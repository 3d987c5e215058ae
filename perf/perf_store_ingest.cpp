// perf_store_ingest: how fast the run database takes samples and grades, and how fast outcomes()
// answers over them. Fresh SQLite file under the temp dir (or argv[3]); the store's real code
// paths (put_samples / ungraded / put_grades / outcomes), with synthetic grades so that grading
// speed does not mix into the figures.
//   usage: perf_store_ingest [problems=1000] [samples_per_problem=1000] [db_path]
// Goal: >= 100,000 samples/s ingested.
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.hpp"

using namespace trafl;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// CPU seconds (user + system) of this process: on a shared, loaded machine wall-clock rates say
// more about the neighbours than about the store, so both are printed.
double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

std::string completion_text(std::mt19937_64& rng, int problem, int index) {
  // ~200 bytes of plausible reasoning text ending in an answer.
  static const char* words[] = {"so",   "the",  "total", "is",     "we", "add",   "multiply",
                                "each", "then", "first", "number", "of", "apples"};
  std::string text;
  while (text.size() < 180) {
    text += words[rng() % 13];
    text += ' ';
  }
  text += fmt::format("#### {}", (problem * 7 + index) % 100);
  return text;
}
}  // namespace

int main(int argc, char** argv) {
  const int problems = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int per_problem = argc > 2 ? std::atoi(argv[2]) : 1000;
  const std::size_t batch = 10000;
  fs::path path =
      argc > 3 ? fs::path(argv[3]) : fs::temp_directory_path() / fmt::format("perf_store_ingest_{}.db", getpid());
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  const std::int64_t total = static_cast<std::int64_t>(problems) * per_problem;
  fmt::print("perf_store_ingest: {} problems x {} samples = {} samples, batches of {}, db {}\n", problems, per_problem,
             total, batch, path.string());

  std::mt19937_64 rng(42);
  // Pre-generate the text so that the timing measures the store, not string building.
  std::vector<std::string> texts;
  for (int i = 0; i < 4096; ++i) texts.push_back(completion_text(rng, i, i));

  {
    Store store(path.string());
    RunSpec spec;
    spec.model = "perf";
    spec.task = "synthetic";
    spec.data_path = "synthetic.jsonl";
    spec.data_sha256 = "0";
    spec.config = {{"steps", 256}};
    auto run = store.ensure_run(spec);
    std::vector<Problem> probs(static_cast<std::size_t>(problems));
    for (int p = 0; p < problems; ++p) {
      probs[p].id = fmt::format("test/algebra/{}.json", p);
      probs[p].question = probs[p].prompt = "What is the answer to problem " + std::to_string(p) + "?";
      probs[p].gold = std::to_string(p % 100);
      probs[p].metadata["level"] = fmt::format("Level {}", 1 + p % 5);
    }
    store.put_problems(run, probs);

    // Samples, interleaved by problem the way a sampler writes them (index-major).
    auto t0 = Clock::now();
    double c0 = cpu_seconds();
    std::vector<SampleRow> rows;
    rows.reserve(batch);
    std::int64_t inserted = 0;
    for (int k = 0; k < per_problem; ++k) {
      for (int p = 0; p < problems; ++p) {
        rows.push_back(SampleRow{probs[p].id, k, texts[(p * 31 + k) % texts.size()], {}, ""});
        if (rows.size() == batch) {
          inserted += static_cast<std::int64_t>(store.put_samples(run, rows));
          rows.clear();
        }
      }
    }
    inserted += static_cast<std::int64_t>(store.put_samples(run, rows));
    double ingest_s = seconds_since(t0), ingest_cpu = cpu_seconds() - c0;
    fmt::print(
        "samples ingested : {:>9} in {:6.2f}s = {:>9.0f} samples/s (CPU {:.2f}s = {:.0f} samples per CPU-second)\n",
        inserted, ingest_s, inserted / ingest_s, ingest_cpu, inserted / ingest_cpu);

    // Idempotent re-ingest of the first 100k (all ignored).
    {
      auto t = Clock::now();
      std::int64_t again = 0, seen = 0;
      rows.clear();
      for (int k = 0; k < per_problem && seen < 100000; ++k)
        for (int p = 0; p < problems && seen < 100000; ++p, ++seen) {
          rows.push_back(SampleRow{probs[p].id, k, texts[(p * 31 + k) % texts.size()], {}, ""});
          if (rows.size() == batch) {
            again += static_cast<std::int64_t>(store.put_samples(run, rows));
            rows.clear();
          }
        }
      again += static_cast<std::int64_t>(store.put_samples(run, rows));
      double s = seconds_since(t);
      fmt::print("re-ingest (dups) : {:>9} in {:6.2f}s = {:>9.0f} samples/s ({} new)\n", seen, s, seen / s, again);
    }

    // Grades: page through ungraded() and write synthetic grades, as the grade pipeline does.
    auto t1 = Clock::now();
    double c1 = cpu_seconds();
    double read_s = 0;
    std::int64_t graded = 0, after = 0;
    for (;;) {
      auto tr = Clock::now();
      auto page = store.ungraded(run, "gsm8k-flexible", batch, after);
      read_s += seconds_since(tr);
      if (page.empty()) break;
      after = page.back().sample_id;
      std::vector<GradeRow> grades(page.size());
      for (std::size_t i = 0; i < page.size(); ++i) {
        Grade& g = grades[i].grade;
        grades[i].sample_id = page[i].sample_id;
        g.mode = "gsm8k-flexible";
        g.correct = (page[i].sample_index + page[i].problem_id.size()) % 3 == 0;
        g.verdict = g.correct ? verdict::kCorrect : verdict::kWrong;
        g.extracted = std::to_string(page[i].sample_index % 100);
        g.details = {{"extractor", "####"}};
      }
      graded += static_cast<std::int64_t>(store.put_grades(grades));
    }
    double grade_s = seconds_since(t1), grade_cpu = cpu_seconds() - c1;
    fmt::print(
        "grades written   : {:>9} in {:6.2f}s = {:>9.0f} grades/s (CPU {:.2f}s = {:.0f} per CPU-second; reading ungraded pages {:.2f}s)\n",
        graded, grade_s, graded / grade_s, grade_cpu, graded / grade_cpu, read_s);

    for (const char* by : {"", "level"}) {
      auto t2 = Clock::now();
      auto out = store.outcomes(OutcomeQuery{"", "", "", by});
      double q = seconds_since(t2);
      std::int64_t n = 0;
      for (auto& o : out) n += o.n;
      fmt::print("outcomes({:5})  : {:>9} problem rows over {} grades in {:6.3f}s\n", by, out.size(), n, q);
    }
    {
      auto t3 = Clock::now();
      auto c = store.count_grades(run, "gsm8k-flexible");
      fmt::print("count_grades     : {:>9} in {:6.3f}s\n", c, seconds_since(t3));
    }
  }
  std::error_code ec;
  fmt::print("database size    : {:.1f} MiB\n", static_cast<double>(fs::file_size(path, ec)) / (1 << 20));
  if (argc <= 3)
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix, ec);
  return 0;
}
