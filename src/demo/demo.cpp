// `trafl-eval demo` (see demo.hpp): tasks → models → sample+grade → merge → diagnose → report.
#include "demo/demo.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "campaign/campaign.hpp"
#include "core/error.hpp"
#include "core/file_io.hpp"
#include "diagnostics/diagnostics.hpp"
#include "demo/demo_recipe.hpp"
#include "report/report.hpp"
#include "store/merge.hpp"
#include "store/store.hpp"
#include "tasks_gen/write_task.hpp"
#include "training/train_result.hpp"

namespace trafl {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// ---- 1. tasks -----------------------------------------------------------------------------------

// Same seeds and counts as `trafl-eval make-task --kind K` with its defaults: same bytes every time.
std::vector<tasks_gen::MakeTaskResult> make_tasks(const demo::Layout& layout,
                                                  const std::vector<demo::TaskSpec>& specs) {
  std::vector<tasks_gen::MakeTaskResult> made;
  std::string sft;
  for (const demo::TaskSpec& t : specs) {
    tasks_gen::MakeTaskOptions o;
    o.kind = t.kind;
    o.out_dir = (fs::path(layout.tasks_dir) / t.kind).string();
    made.push_back(tasks_gen::make_generated_task(o));
    sft += read_text_file(made.back().sft, "SFT pairs");
  }
  write_text_file(demo::sft_data_path(layout), sft, "SFT pairs");
  return made;
}

// ---- 2. models ----------------------------------------------------------------------------------

struct NamedModel {
  std::string name, dir;
};

std::vector<NamedModel> models_for(const demo::Layout& layout, const demo::TaskSpec& task) {
  std::vector<NamedModel> out{{demo::kBaseModel, demo::base_dir(layout)}};
  for (const std::string& m : task.methods) out.push_back({m, demo::post_trained_dir(layout, task, m)});
  return out;
}

// Every checkpoint directory the demo uses, base first, each once.
std::vector<fs::path> checkpoint_dirs(const demo::Layout& layout, const std::vector<demo::TaskSpec>& specs) {
  std::vector<fs::path> dirs{demo::base_dir(layout)};
  for (const demo::TaskSpec& t : specs)
    for (const std::string& m : t.methods) dirs.emplace_back(demo::post_trained_dir(layout, t, m));
  return dirs;
}

void require_checkpoints(const demo::Layout& layout, const std::vector<demo::TaskSpec>& specs) {
  for (const fs::path& dir : checkpoint_dirs(layout, specs))
    for (const char* file : {"config.json", "model.safetensors", "tokenizer.json"})
      if (!fs::exists(dir / file))
        throw UsageError(
            fmt::format("demo: no checkpoint '{}' ({} is missing). The shipped tiny models live in "
                        "models/tiny/ of the repository (run from its root, or pass --models DIR), "
                        "or train them here with --retrain.",
                        dir.string(), (dir / file).string()));
}

struct TrainStage {
  std::string name;
  double seconds = 0;
  std::int64_t steps = 0;
  std::string last;  // last step's loss / reward
};

std::vector<TrainStage> retrain(const demo::Layout& layout, const demo::Scale& scale,
                                const std::vector<demo::TaskSpec>& specs, bool progress) {
  std::vector<TrainStage> stages;
  fs::create_directories(layout.models_dir);
  const fs::path init_config = fs::path(layout.models_dir) / "tiny-config.json";
  write_text_file(init_config.string(), demo::tiny_model_config().dump(2) + "\n", "model config");
  auto run = [&](training::TrainConfig c, const std::string& name) {
    c.progress = progress;
    fmt::print("demo: training {} ({} {} steps) -> {}\n", name, c.method, c.steps, c.out);
    std::fflush(stdout);
    const auto t0 = Clock::now();
    // resume = true: a killed --retrain continues each run from its last checkpoint.
    const training::TrainResult r = training::train_default(c, /*resume=*/true);
    TrainStage s{name, seconds_since(t0), r.end_step, ""};
    if (!r.steps.empty()) {
      const auto& m = r.steps.back();
      s.last = fmt::format("loss {:.4f}", m.loss);
      if (m.reward_mean) s.last += fmt::format(", reward {:.3f}", *m.reward_mean);
    }
    stages.push_back(s);
  };
  run(demo::base_sft_config(layout, scale, init_config.string()), demo::kBaseModel);
  for (const demo::TaskSpec& t : specs)
    for (const std::string& m : t.methods) run(demo::post_training_config(layout, scale, t, m), t.kind + "-" + m);
  return stages;
}

// Copies the final checkpoint files (not the step checkpoints) of every model to `dest`.
void export_models(const demo::Layout& layout, const std::vector<demo::TaskSpec>& specs, const fs::path& dest) {
  const std::vector<fs::path> dirs = checkpoint_dirs(layout, specs);
  for (const fs::path& dir : dirs) {
    const fs::path to = dest / dir.filename();  // base, math-trafl, … as in models/tiny
    fs::create_directories(to);
    for (const char* file : {"config.json", "model.safetensors", "tokenizer.json", "train_config.json"})
      fs::copy_file(dir / file, to / file, fs::copy_options::overwrite_existing);
  }
  fmt::print("demo: exported {} checkpoints to {}\n", dirs.size(), dest.string());
}

// ---- 3. sampling --------------------------------------------------------------------------------

struct SampleStage {
  double seconds = 0;
  std::int64_t samples_new = 0, tokens_new = 0;
};

// One campaign per task, split into `jobs` shards sampled at once (one torch thread each: on
// small matrices that beats one process with several threads), then merged into the run database.
SampleStage sample_task(const demo::TaskSpec& spec, const tasks_gen::MakeTaskResult& made, const demo::Layout& layout,
                        const DemoOptions& options, const demo::Scale& scale, const fs::path& out,
                        const std::string& db_path) {
  const auto t0 = Clock::now();
  std::shared_ptr<const Task> task = make_task(spec.adapter, spec.options);
  const int jobs = std::max(1, options.jobs);
  std::vector<std::string> shard_dbs;
  std::vector<campaign::CampaignSummary> summaries(static_cast<std::size_t>(jobs));
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(jobs));
  fs::create_directories(out / "shards");
  for (int i = 0; i < jobs; ++i)
    shard_dbs.push_back((out / "shards" / fmt::format("{}-{}-of-{}.db", spec.kind, i, jobs)).string());
  const int problems = demo::problem_count(scale, spec);
  fmt::print("demo: sampling {} ({} problems x {} models x lengths {} x n={}) in {} shard(s)\n", spec.kind, problems,
             1 + spec.methods.size(), fmt::join(spec.gen_lengths, ","), scale.samples, jobs);
  std::fflush(stdout);
  auto shard = [&](int i) {
    try {
      campaign::CampaignOptions c;
      for (const NamedModel& m : models_for(layout, spec)) c.models.push_back({m.name, m.dir});
      c.task = spec.adapter;
      c.task_object = task;
      c.data_path = made.test;
      c.db_path = shard_dbs[static_cast<std::size_t>(i)];
      c.n = scale.samples;
      c.gen_lengths = spec.gen_lengths;
      c.steps = spec.steps;
      c.seed = options.seed;
      c.limit = problems;
      c.shard = {i, jobs};
      c.batch_size = 32;
      c.threads = 1;
      c.progress = options.progress && i == 0;  // one progress line (shard 0's) instead of interleaved ones
      summaries[static_cast<std::size_t>(i)] = campaign::run(c);
    } catch (...) {
      errors[static_cast<std::size_t>(i)] = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < jobs; ++i) threads.emplace_back(shard, i);
  shard(0);
  for (auto& t : threads) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  merge_databases(shard_dbs, db_path);
  SampleStage s{seconds_since(t0), 0, 0};
  for (const auto& summary : summaries) {
    s.samples_new += summary.samples_new;
    s.tokens_new += summary.tokens_new;
  }
  return s;
}

// ---- 5. the summary -----------------------------------------------------------------------------

const diagnostics::KStat* at_k(const std::vector<diagnostics::KStat>& v, std::int64_t k) {
  for (const auto& s : v)
    if (s.k == k) return &s;
  return nullptr;
}

std::string pct(const diagnostics::KStat* s) {
  if (!s) return "-";
  if (!s->has_ci) return fmt::format("{:.1f}", 100 * s->value);
  return fmt::format("{:.1f} [{:.1f},{:.1f}]", 100 * s->value, 100 * s->ci_low, 100 * s->ci_high);
}

std::string locking(const diagnostics::ModelResult& m) {
  if (!m.vs_baseline) return "(baseline)";
  const auto& c = *m.vs_baseline;
  if (!c.locking) return "undefined";
  if (!c.locking_has_ci) return fmt::format("{:+.2f}", *c.locking);
  return fmt::format("{:+.2f} [{:+.2f},{:+.2f}]", *c.locking, c.locking_low, c.locking_high);
}

std::string crossover(const diagnostics::ModelResult& m) {
  if (!m.vs_baseline) return "";
  const auto& c = *m.vs_baseline;
  if (c.below_from_start) return "below from k=1";
  if (c.crossover_k) return fmt::format("k={}", *c.crossover_k);
  return "none";
}

std::string summary_table(const diagnostics::Result& r) {
  std::string s;
  for (const auto& cell : r.cells) {
    std::int64_t kmax = 0;
    for (const auto& m : cell.models)
      if (!m.passk.empty()) kmax = std::max(kmax, m.passk.back().k);
    s += fmt::format(
        "\n{} | {} | pass@k in %, 95% CI; λ = ln(G_base/G_model), G = pass@{} - pass@1 (λ > 0: less "
        "gain from sampling than base)\n",
        cell.task, cell.label, kmax);
    s += fmt::format("  {:<11} {:>8} {:>20} {:>20} {:>22} {:>15} {:>9}\n", "model", "problems", "pass@1",
                     fmt::format("pass@{}", kmax), "λ (locking)", "crossover", "distinct");
    for (const auto& m : cell.models) {
      const diagnostics::KStat* d = at_k(m.distinct_correct, kmax);
      s += fmt::format("  {:<11} {:>8} {:>20} {:>20} {:>22} {:>15} {:>9}\n", m.model, m.problems, pct(at_k(m.passk, 1)),
                       pct(at_k(m.passk, kmax)), locking(m), crossover(m), d ? fmt::format("{:.2f}", d->value) : "-");
    }
  }
  return s;
}

}  // namespace

std::string run_demo(const DemoOptions& options) {
  const auto t_start = Clock::now();
  const fs::path out = options.out_dir;
  fs::create_directories(out);
  const std::string db_path = (out / "demo.db").string();
  demo::Scale scale = options.quick ? demo::quick_scale() : demo::default_scale();
  if (options.problems > 0) scale.problems = options.problems;
  if (options.samples_per_problem > 0) scale.samples = options.samples_per_problem;
  const std::vector<demo::TaskSpec> specs = demo::tasks();
  std::vector<std::pair<std::string, double>> times;

  // 1. Tasks.
  auto t0 = Clock::now();
  demo::Layout layout{(out / "tasks").string(), options.models_dir};
  const std::vector<tasks_gen::MakeTaskResult> made = make_tasks(layout, specs);
  times.emplace_back("tasks (make-task math, code)", seconds_since(t0));

  // 2. Models.
  t0 = Clock::now();
  std::vector<TrainStage> trained;
  if (options.retrain) {
    layout.models_dir = (out / "models").string();
    trained = retrain(layout, scale, specs, options.progress);
    if (!options.export_models.empty()) export_models(layout, specs, options.export_models);
    times.emplace_back("models (--retrain: SFT base + post-training)", seconds_since(t0));
  } else {
    if (!options.export_models.empty()) throw UsageError("demo: --export-models needs --retrain");
    require_checkpoints(layout, specs);
    times.emplace_back(fmt::format("models (shipped, {})", layout.models_dir), seconds_since(t0));
  }

  // 3. Sampling campaigns, graded as they go, merged into one run database.
  std::vector<SampleStage> sampled;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    sampled.push_back(sample_task(specs[i], made[i], layout, options, scale, out, db_path));
    times.emplace_back(fmt::format("sample + grade {} ({} new samples)", specs[i].kind, sampled.back().samples_new),
                       sampled.back().seconds);
  }

  // 4. Diagnostics against the base model.
  t0 = Clock::now();
  Store store(db_path, Store::OpenMode::kExisting);
  diagnostics::Options dopts;
  dopts.baseline = demo::kBaseModel;
  dopts.bootstrap = options.bootstrap;
  dopts.seed = options.seed;
  const diagnostics::Result result = diagnostics::run(store, dopts);
  times.emplace_back("diagnose", seconds_since(t0));

  // 5. The report, from the diagnostics above (it writes their CSV/JSON too).
  t0 = Clock::now();
  report::Options ropts;
  ropts.out_dir = (out / "report").string();
  ropts.diagnostics = dopts;
  ropts.title = options.quick ? "trafl-eval demo (--quick: too few problems and samples to conclude anything)"
                              : "trafl-eval demo: tiny LLaDA models on generated math and code tasks";
  const report::Summary written = report::write(store, ropts, result);
  times.emplace_back("report", seconds_since(t0));

  std::string s;
  std::vector<std::string> counts;
  for (const demo::TaskSpec& t : specs) counts.push_back(fmt::format("{} {}", demo::problem_count(scale, t), t.kind));
  s += fmt::format(
      "trafl-eval demo{}: test problems {}; n = {} samples per problem, model and length; "
      "temperature 0.6; sampling seed {}\n",
      options.quick ? " --quick" : "", fmt::join(counts, ", "), scale.samples, options.seed);
  s += fmt::format(
      "models: base (SFT from scratch on both tasks' train splits) and, per task, post-trained from it "
      "with the same settings but the objective and its learning rate, the task's divided by the "
      "objective's optimiser steps per rollout batch ({}):",
      options.retrain ? "trained in this run" : "shipped in " + layout.models_dir);
  for (const demo::TaskSpec& t : specs) s += fmt::format(" {}: {};", t.kind, fmt::join(t.methods, ", "));
  s += "\n";
  s += summary_table(result);
  for (const auto& note : result.notes) s += "note: " + note + "\n";
  if (!trained.empty()) {
    s += "\ntraining (--retrain)\n";
    for (const auto& t : trained)
      s += fmt::format("  {:<16} {:>5} steps {:>8.1f}s  {}\n", t.name, t.steps, t.seconds, t.last);
  }
  s += "\nstage times\n";
  for (const auto& [name, secs] : times) s += fmt::format("  {:<58} {:>8.1f}s\n", name, secs);
  s += fmt::format("  {:<58} {:>8.1f}s\n", "total", seconds_since(t_start));
  s += fmt::format("\nreport: {}\nrun database: {}\n", written.html, db_path);
  fmt::print("\n{}", s);
  const fs::path summary_path = out / "summary.txt";
  write_text_file(summary_path.string(), s, "summary");
  return summary_path.string();
}

}  // namespace trafl
