// The sampling campaign (see campaign.hpp): plan from the store, sample in batches, store, grade
// alongside.
#include "campaign/campaign.hpp"

#include <torch/torch.h>  // a LibTorch unit (CMakeLists.txt selects them by this line)

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>

#include "campaign/background_grader.hpp"
#include "campaign/campaign_progress.hpp"
#include "campaign/plan.hpp"
#include "codegrade/code_task.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "model/cpu_threads.hpp"
#include "model/llada.hpp"
#include "sampling/llada_sampler.hpp"
#include "store/json_diff.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"

namespace trafl::campaign {

namespace {

using clock = std::chrono::steady_clock;

std::string canonical_dtype(const std::string& d) {
  if (d == "float32") return "f32";
  if (d == "bfloat16") return "bf16";
  if (d == "float16") return "f16";
  return d;
}

// Everything decided before the database is touched: options checked, data loaded, checkpoints
// fingerprinted, identity computed.
struct Prepared {
  std::shared_ptr<const Task> task;
  std::vector<std::string> modes;
  std::vector<Problem> all_problems, problems;  // the file's, and this shard's
  std::string data_sha256;
  nlohmann::json prompts;  // few-shot settings (Task::prompt_identity); null for the task's own prompts
  std::vector<LengthConfig> lengths;
  DecodingConfig decoding;
  std::vector<std::string> model_sha;
  std::vector<std::string> chat_template;  // per model, with --chat: which template (tok::ChatFormat::description)
  nlohmann::json identity;
  std::string name;
};

Prepared prepare(const CampaignOptions& o) {
  if (o.models.empty()) throw UsageError("sample: give at least one --model");
  if (o.n <= 0) throw UsageError("--n must be positive");
  if (o.batch_size <= 0) throw UsageError("--batch-size must be positive");
  if (o.limit < 0) throw UsageError("--limit must be >= 0");
  if (o.temperature < 0) throw UsageError("--temperature must be >= 0");
  if (o.shard.count < 1 || o.shard.index < 0 || o.shard.index >= o.shard.count)
    throw UsageError("--shard: need 0 <= i < N");
  if (o.db_path.empty()) throw UsageError("sample: --db is required");
  for (std::size_t i = 0; i < o.models.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (o.models[i].name == o.models[j].name)
        throw UsageError(
            fmt::format("--model: the name '{}' is used twice (use NAME=DIR to tell them apart)", o.models[i].name));
  sampling::parse_remasking(o.remasking);                // UsageError for an unknown name
  sampling::parse_confidence_dtype(o.confidence_dtype);  // the same
  if (o.fast && !(o.threshold >= 0.0)) throw UsageError("--threshold must be >= 0");
  Prepared p;
  p.lengths = resolve_lengths(o.gen_lengths, o.steps, o.block_lengths);
  p.decoding = DecodingConfig{o.temperature,
                              o.cfg_scale,
                              o.remasking,
                              o.chat,
                              o.logits_eos_inf,
                              o.confidence_eos_eot_inf,
                              canonical_dtype(o.dtype),
                              o.fast,
                              o.threshold,
                              o.prefix_cache,
                              o.confidence_dtype};
  model::parse_dtype(p.decoding.dtype);  // UsageError for an unknown dtype

  p.task = o.task_object ? o.task_object : std::shared_ptr<const Task>(make_task(o.task));
  auto known = p.task->modes();
  p.modes = o.grade_modes.empty() ? std::vector<std::string>{p.task->default_mode()} : o.grade_modes;
  for (const auto& m : p.modes)
    if (std::find(known.begin(), known.end(), m) == known.end())
      throw UsageError(
          fmt::format("task {} has no grading mode '{}' (modes: {})", p.task->name(), m, fmt::join(known, ", ")));
  p.all_problems = p.task->load(o.data_path);
  p.data_sha256 = p.task->data_identity(o.data_path);  // a file, or a directory + release selection
  p.prompts = p.task->prompt_identity(o.data_path);
  p.problems = select_problems(p.all_problems, o.limit, o.shard);

  nlohmann::json models = nlohmann::json::array();
  for (const auto& m : o.models) {
    p.model_sha.push_back(model_fingerprint(m.dir));
    // Parsed here so that a template we cannot render fails before any model is loaded.
    p.chat_template.push_back(o.chat ? tok::load_chat_format(m.dir)->description : "");
    models.push_back({{"name", m.name}, {"model_sha256", p.model_sha.back()}});
  }
  std::vector<std::int64_t> gens, steps, blocks;
  for (const auto& l : p.lengths) {
    gens.push_back(l.gen_length);
    steps.push_back(l.steps);
    blocks.push_back(l.block_length);
  }
  // Shard index and count are not part of the identity: shards of one campaign share it (and a
  // name), which is what `merge` checks.
  p.identity = {{"task", p.task->name()},
                {"data_sha256", p.data_sha256},
                {"models", models},
                {"gen_lengths", gens},
                {"steps", steps},
                {"block_lengths", blocks},
                {"temperature", o.temperature},
                {"remasking", o.remasking},
                {"cfg_scale", o.cfg_scale},
                {"chat", o.chat},
                {"logits_eos_inf", o.logits_eos_inf},
                {"confidence_eos_eot_inf", o.confidence_eos_eot_inf},
                {"dtype", p.decoding.dtype},
                {"n", o.n},
                {"seed", o.seed},
                {"limit", o.limit}};
  if (o.fast) p.identity["fast"] = fast_mode_json(p.decoding);
  if (o.confidence_dtype != "f64") p.identity["confidence_dtype"] = o.confidence_dtype;
  if (!p.prompts.is_null()) p.identity["fewshot"] = p.prompts;
  p.name = o.campaign_name.empty() ? default_campaign_name(p.identity) : o.campaign_name;
  return p;
}

sampling::SamplerOptions sampler_options(const model::LLaDAModel& m, const tok::Tokenizer& tokenizer,
                                         const LengthConfig& l, const CampaignOptions& o) {
  sampling::SamplerOptions so;
  sampling::fill_token_ids(so, m.config());
  so.eot_id = tokenizer.token_to_id(tok::kLladaEot).value_or(-1);
  so.gen_length = l.gen_length;
  so.steps = l.steps;
  so.block_length = l.block_length;
  so.temperature = o.temperature;
  so.cfg_scale = o.cfg_scale;
  so.remasking = sampling::parse_remasking(o.remasking);
  so.logits_eos_inf = o.logits_eos_inf;
  so.confidence_eos_eot_inf = o.confidence_eos_eot_inf;
  so.confidence_dtype = sampling::parse_confidence_dtype(o.confidence_dtype);
  so.seed = o.seed;
  so.fast = o.fast;
  so.threshold = o.threshold;
  so.prefix_cache = o.prefix_cache;
  sampling::validate(so);
  return so;
}

struct LoadedModel {
  model::LLaDAModel model;
  tok::Tokenizer tokenizer;
};

LoadedModel load_model(const ModelRef& ref, const CampaignOptions& o) {
  model::LoadOptions lo;
  lo.device = model::parse_device(o.device);
  lo.dtype = model::parse_dtype(canonical_dtype(o.dtype));
  lo.zero_copy = lo.device.is_cpu();
  auto m = model::LLaDAModel::load(ref.dir, lo);
  auto t = tok::Tokenizer::from_file((std::filesystem::path(ref.dir) / "tokenizer.json").string());
  return LoadedModel{std::move(m), std::move(t)};
}

std::vector<std::int64_t> encode_prompt(const tok::Tokenizer& t, const Problem& p, bool chat) {
  std::vector<tok::TokenId> ids =
      chat ? tok::encode_chat(t, {{"user", p.prompt}}) : tok::encode_plain_prompt(t, p.prompt);
  return {ids.begin(), ids.end()};
}

SampleRow to_row(const tok::Tokenizer& t, const std::string& problem_id, std::int64_t index,
                 sampling::Trajectory&& tr) {
  SampleRow row;
  row.problem_id = problem_id;
  row.sample_index = index;
  row.token_ids.assign(tr.tokens.begin(), tr.tokens.end());
  std::vector<tok::TokenId> ids(tr.tokens.begin(), tr.tokens.end());
  row.completion = t.decode(ids, /*skip_special_tokens=*/true);
  auto blob = sampling::encode_trajectory(tr);
  row.trajectory.assign(blob.begin(), blob.end());
  return row;
}

// One (model, length) run: its store identity and what it still needs.
struct RunPlan {
  std::size_t model = 0;
  LengthConfig length;
  std::int64_t run_id = 0;
  std::vector<WorkItem> missing;
  std::int64_t samples_new = 0;
};

}  // namespace

CampaignSummary run(const CampaignOptions& o) {
  const auto started = clock::now();
  model::set_cpu_threads(o.threads);
  Prepared p = prepare(o);

  Store store(o.db_path);
  if (auto existing = store.campaign(p.name); existing && existing->identity != p.identity)
    throw UsageError(
        fmt::format("campaign '{}' in {} was started with other settings (differs in: {}); use the same "
                    "settings to resume it, or another --run-name (or none) for a new campaign",
                    p.name, o.db_path, describe_differences(existing->identity, p.identity)));

  // 1. Runs, problems, and what each run still lacks (read once: the store is the plan).
  std::vector<RunPlan> plans;
  std::vector<std::int64_t> run_ids;
  for (std::size_t mi = 0; mi < o.models.size(); ++mi)
    for (const auto& l : p.lengths) {
      RunSpec spec;
      spec.model = o.models[mi].name;
      spec.task = p.task->name();
      spec.data_path = o.data_path;
      spec.data_sha256 = p.data_sha256;
      spec.config = run_config(l, p.decoding, p.model_sha[mi]);
      if (o.chat) spec.config["chat_template"] = p.chat_template[mi];
      if (!p.prompts.is_null()) spec.config["fewshot"] = p.prompts;
      spec.seed = static_cast<std::int64_t>(o.seed);
      spec.source = "trafl-eval sample (campaign " + p.name + ")";
      RunPlan plan;
      plan.model = mi;
      plan.length = l;
      plan.run_id = store.ensure_run(spec);
      store.put_problems(plan.run_id, p.problems);
      plan.missing = missing_samples(p.problems, o.n, store.sample_keys(plan.run_id));
      run_ids.push_back(plan.run_id);
      plans.push_back(std::move(plan));
    }
  store.put_campaign(p.name, p.identity, o.shard.index, o.shard.count, run_ids);

  CampaignSummary summary;
  summary.campaign = p.name;
  summary.problems = p.problems.size();

  // 2. Grading alongside: the grader starts on whatever an earlier (killed) run left ungraded.
  // On a CPU device the sampler wants every core: math grading (cheap next to a forward pass)
  // then gets one thread by default. Code grading mostly waits on sandboxed programs, so it keeps
  // enough threads to fill the sandbox slots.
  std::optional<BackgroundGrader> grader;
  unsigned grade_threads = o.grade_threads;
  if (!grade_threads && o.device == "cpu" && !dynamic_cast<const codegrade::SandboxedGrading*>(p.task.get()))
    grade_threads = 1;
  if (o.grade) grader.emplace(o.db_path, p.task, p.all_problems, p.modes, run_ids, grade_threads, /*page_size=*/256);

  // 3. Sampling, model by model (each loaded once), run by run, in batches of rows that may mix
  // problems; each batch is one transaction.
  std::uint64_t total = 0;
  for (const auto& plan : plans) total += plan.missing.size();
  const auto sample_started = clock::now();
  {
    CampaignProgress bar(
        total, o.progress,
        grader ? std::function<std::int64_t()>([&] { return grader->stored(); }) : std::function<std::int64_t()>());
    for (std::size_t mi = 0; mi < o.models.size(); ++mi) {
      bool needed = false;
      for (const auto& plan : plans) needed = needed || (plan.model == mi && !plan.missing.empty());
      if (!needed) continue;
      const LoadedModel lm = load_model(o.models[mi], o);
      std::vector<std::vector<std::int64_t>> prompts;
      for (const auto& prob : p.problems) prompts.push_back(encode_prompt(lm.tokenizer, prob, o.chat));
      std::vector<std::uint64_t> keys;
      for (const auto& prob : p.problems) keys.push_back(problem_key(prob.id));
      for (auto& plan : plans) {
        if (plan.model != mi || plan.missing.empty()) continue;
        bar.set_label(fmt::format("{} L={}", o.models[mi].name, plan.length.gen_length));
        const sampling::SamplerOptions so = sampler_options(lm.model, lm.tokenizer, plan.length, o);
        for (std::size_t begin = 0; begin < plan.missing.size(); begin += static_cast<std::size_t>(o.batch_size)) {
          const std::size_t end = std::min(plan.missing.size(), begin + static_cast<std::size_t>(o.batch_size));
          std::vector<std::vector<std::int64_t>> batch;
          std::vector<sampling::SampleKey> batch_keys;
          for (std::size_t w = begin; w < end; ++w) {
            const WorkItem& item = plan.missing[w];
            batch.push_back(prompts[item.problem]);
            batch_keys.push_back({keys[item.problem], static_cast<std::uint64_t>(item.index)});
          }
          std::vector<sampling::Trajectory> out = sampling::sample(lm.model, batch, batch_keys, so);
          std::vector<SampleRow> rows;
          std::uint64_t tokens = 0;
          for (std::size_t r = 0; r < out.size(); ++r) {
            const WorkItem& item = plan.missing[begin + r];
            tokens += out[r].size();
            rows.push_back(to_row(lm.tokenizer, p.problems[item.problem].id, item.index, std::move(out[r])));
          }
          plan.samples_new += static_cast<std::int64_t>(store.put_samples(plan.run_id, rows));
          summary.tokens_new += static_cast<std::int64_t>(tokens);
          bar.advance(rows.size(), tokens);
          if (grader) {
            if (grader->failed()) grader->finish();  // rethrows the grading error
            grader->notify();
          }
        }
      }
    }
  }
  summary.sample_seconds = std::chrono::duration<double>(clock::now() - sample_started).count();

  // 4. Drain the grading backlog.
  if (grader) {
    if (o.progress) fmt::print(stderr, "grading: finishing the backlog...\n");
    grader->finish();
    summary.grades_new = grader->stored();
    summary.sandbox_errors = grader->sandbox_errors();
  }
  for (const auto& plan : plans) {
    CampaignRunSummary r;
    r.run_id = plan.run_id;
    r.model = o.models[plan.model].name;
    r.gen_length = plan.length.gen_length;
    r.samples_new = plan.samples_new;
    r.samples_total = store.count_samples(plan.run_id);
    for (const auto& m : p.modes)
      r.grades.push_back({m, store.count_grades(plan.run_id, m), store.count_correct(plan.run_id, m)});
    summary.samples_new += plan.samples_new;
    summary.runs.push_back(std::move(r));
  }
  summary.seconds = std::chrono::duration<double>(clock::now() - started).count();
  if (summary.sandbox_errors > 0)
    throw std::runtime_error(fmt::format(
        "{} sample(s) could not be graded because the sandbox failed (verdict sandbox_error, never blamed on the "
        "program); their grades were NOT stored, every sample and the other grades were. Fix the sandbox (see "
        "`trafl-eval exec`) and re-run the same command to grade the rest.",
        summary.sandbox_errors));
  return summary;
}

SampleRow regenerate_sample(const CampaignOptions& o, std::size_t model_index, std::int64_t gen_length,
                            const std::string& problem_id, std::int64_t sample_index) {
  if (model_index >= o.models.size()) throw UsageError("regenerate_sample: no such model");
  Prepared p = prepare(o);
  const Problem* problem = nullptr;
  for (const auto& prob : p.all_problems)
    if (prob.id == problem_id) problem = &prob;
  if (!problem) throw UsageError(fmt::format("problem '{}' is not in {}", problem_id, o.data_path));
  const LengthConfig* length = nullptr;
  for (const auto& l : p.lengths)
    if (l.gen_length == gen_length) length = &l;
  if (!length) throw UsageError(fmt::format("gen length {} is not one of the campaign's", gen_length));
  const LoadedModel lm = load_model(o.models[model_index], o);
  const auto so = sampler_options(lm.model, lm.tokenizer, *length, o);
  auto out = sampling::sample(lm.model, {encode_prompt(lm.tokenizer, *problem, o.chat)},
                              {{problem_key(problem->id), static_cast<std::uint64_t>(sample_index)}}, so);
  return to_row(lm.tokenizer, problem->id, sample_index, std::move(out.front()));
}

}  // namespace trafl::campaign
