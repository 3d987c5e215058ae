// perf_diagnose: diagnose and report over a synthetic campaign database, against a raw scan.
//
//   ninja -C build perf_diagnose && build/perf_diagnose [problems] [samples] [models] [gen_length] [keep_dir]
// (with keep_dir, the report is written there and kept, to look at)
//
// Defaults: 200 problems × 128 samples × 3 models at gen_length 128 (block 32, steps = gen_length):
// 76,800 graded samples with trajectories (~100 MB database, written to a temp dir and removed).
// Models: "base" (a fresh random within-block order per sample), "sharp" (one of 4 orders per
// problem), "locked" (one order per problem). Times, in the same run:
//   baseline "raw scan": one SQL pass that reads every graded sample's trajectory blob, verdict and
//            extracted answer and decodes the trajectory — the I/O any diagnostic must do;
//   diagnose: diagnostics::run (1,000 bootstrap resamples, ≤ 256 trajectory pairs per problem);
//   report:   report::write (diagnose again + figures + per-problem pages with 8 samples each).
// Reported as seconds and as ratios to the raw scan.
#include <sqlite3.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "diagnostics/diagnostics.hpp"
#include "report/report.hpp"
#include "sampling/trajectory.hpp"
#include "store/store.hpp"

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace trafl;
  const int problems = argc > 1 ? std::atoi(argv[1]) : 200;
  const int samples = argc > 2 ? std::atoi(argv[2]) : 128;
  const int models = argc > 3 ? std::atoi(argv[3]) : 3;
  const int length = argc > 4 ? std::atoi(argv[4]) : 128;
  if (problems < 1 || samples < 2 || models < 1 || models > 3 || length < 32 || length % 32) {
    std::fprintf(stderr,
                 "usage: perf_diagnose [problems>=1] [samples>=2] [models 1..3] [gen_length, multiple of 32]\n");
    return 2;
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("perf_diagnose_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string db = (dir / "runs.db").string();
  const char* names[] = {"base", "sharp", "locked"};
  const int orders_per_problem[] = {0, 4, 1};  // 0 = a fresh order per sample

  auto t0 = std::chrono::steady_clock::now();
  std::int64_t total = 0;
  {
    Store store(db);
    std::mt19937_64 gen(7);
    for (int m = 0; m < models; ++m) {
      RunSpec spec;
      spec.model = names[m];
      spec.task = "math500";
      spec.data_sha256 = "perf";
      spec.config = {{"gen_length", length}, {"steps", length}, {"block_length", 32}, {"temperature", 0.6}};
      const auto run = store.ensure_run(spec);
      std::vector<Problem> ps;
      for (int p = 0; p < problems; ++p) {
        Problem pr;
        pr.id = "p" + std::to_string(p);
        pr.question = "q";
        pr.gold = "1";
        pr.metadata["level"] = "Level " + std::to_string(1 + p % 5);
        ps.push_back(pr);
      }
      store.put_problems(run, ps);
      for (int p = 0; p < problems; ++p) {
        const double rate = (m == 0 ? 0.3 : 0.45) * static_cast<double>(p % 7) / 6.0;
        std::vector<std::vector<std::int32_t>> fixed;
        for (int o = 0; o < orders_per_problem[m]; ++o) {
          std::vector<std::int32_t> steps(static_cast<std::size_t>(length));
          for (int b = 0; b < length; b += 32) {
            std::vector<std::int32_t> perm(32);
            for (int j = 0; j < 32; ++j) perm[j] = b + j;
            std::shuffle(perm.begin(), perm.end(), gen);
            for (int j = 0; j < 32; ++j) steps[static_cast<std::size_t>(b + j)] = perm[j];
          }
          fixed.push_back(steps);
        }
        std::vector<SampleRow> rows;
        for (int s = 0; s < samples; ++s) {
          sampling::Trajectory t;
          t.steps = static_cast<std::uint32_t>(length);
          if (fixed.empty()) {
            t.step.resize(static_cast<std::size_t>(length));
            for (int b = 0; b < length; b += 32) {
              std::vector<std::int32_t> perm(32);
              for (int j = 0; j < 32; ++j) perm[j] = b + j;
              std::shuffle(perm.begin(), perm.end(), gen);
              for (int j = 0; j < 32; ++j) t.step[static_cast<std::size_t>(b + j)] = perm[j];
            }
          } else {
            t.step = fixed[gen() % fixed.size()];
          }
          t.tokens.assign(static_cast<std::size_t>(length), 65);
          t.confidence.assign(static_cast<std::size_t>(length), 0.5f);
          auto blob = sampling::encode_trajectory(t);
          SampleRow r;
          r.problem_id = "p" + std::to_string(p);
          r.sample_index = s;
          const bool correct = std::uniform_real_distribution<double>(0, 1)(gen) < rate;
          r.completion = correct ? "\\boxed{1}" : "\\boxed{" + std::to_string(2 + gen() % 5) + "}";
          r.trajectory.assign(blob.begin(), blob.end());
          rows.push_back(std::move(r));
        }
        store.put_samples(run, rows);
      }
      std::vector<GradeRow> grades;
      for (const auto& pending : store.ungraded(run, "symbolic", 100000000)) {
        GradeRow g;
        g.sample_id = pending.sample_id;
        g.grade.mode = "symbolic";
        g.grade.correct = pending.completion == "\\boxed{1}";
        g.grade.verdict = g.grade.correct ? "correct" : "wrong";
        g.grade.extracted = pending.completion.substr(7, pending.completion.size() - 8);
        grades.push_back(std::move(g));
      }
      total += static_cast<std::int64_t>(grades.size());
      store.put_grades(grades);
    }
  }
  const double build_s = seconds_since(t0);
  std::printf(
      "database: %d problems x %d samples x %d models, gen_length %d: %lld graded samples, %.1f MB, built in %.1f s\n",
      problems, samples, models, length, static_cast<long long>(total), static_cast<double>(fs::file_size(db)) / 1e6,
      build_s);

  Store store(db, Store::OpenMode::kExisting);
  // Baseline: the raw scan.
  t0 = std::chrono::steady_clock::now();
  std::int64_t scanned = 0, checksum = 0;
  {
    // Its own read-only connection, as an outside tool would scan the file (the store's is private).
    sqlite3* raw = nullptr;
    if (sqlite3_open_v2(db.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "cannot open %s\n", db.c_str());
      return 1;
    }
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(
        raw,
        "SELECT s.trajectory, g.correct, g.extracted FROM samples s JOIN grades g ON g.sample_id = s.id AND g.mode = 'symbolic'",
        -1, &q, nullptr);
    while (sqlite3_step(q) == SQLITE_ROW) {
      const auto* blob = static_cast<const std::uint8_t*>(sqlite3_column_blob(q, 0));
      auto t = sampling::decode_trajectory(blob, static_cast<std::size_t>(sqlite3_column_bytes(q, 0)));
      checksum += t.step[0] + sqlite3_column_int64(q, 1) + sqlite3_column_bytes(q, 2);
      ++scanned;
    }
    sqlite3_finalize(q);
    sqlite3_close(raw);
  }
  const double scan_s = seconds_since(t0);

  diagnostics::Options o;
  o.baseline = "base";
  t0 = std::chrono::steady_clock::now();
  const auto result = diagnostics::run(store, o);
  const double diag_s = seconds_since(t0);

  report::Options ro;
  ro.out_dir = argc > 5 ? std::string(argv[5]) : (dir / "report").string();
  ro.diagnostics = o;
  ro.png = false;
  t0 = std::chrono::steady_clock::now();
  const auto summary = report::write(store, ro);
  const double report_s = seconds_since(t0);

  std::printf("raw scan (baseline): %.2f s (%lld samples, checksum %lld)\n", scan_s, static_cast<long long>(scanned),
              static_cast<long long>(checksum));
  std::printf("diagnose:            %.2f s  = %.2fx the raw scan (%zu cells)\n", diag_s, diag_s / scan_s,
              result.cells.size());
  std::printf(
      "report:              %.2f s  = %.2fx the raw scan (%lld problem pages, %zu figures, report.html %.1f MB)\n",
      report_s, report_s / scan_s, static_cast<long long>(summary.problem_pages), summary.figures.size(),
      static_cast<double>(fs::file_size(summary.html)) / 1e6);
  for (const auto& cell : result.cells)
    for (const auto& m : cell.models)
      std::printf("  %-7s pass@1 %.3f  kendall %.3f  distinct orders %.3f  lambda %s\n", m.model.c_str(),
                  m.passk.front().value, m.trajectory.kendall, m.trajectory.distinct_orders,
                  m.vs_baseline && m.vs_baseline->locking ? std::to_string(*m.vs_baseline->locking).c_str() : "-");
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
