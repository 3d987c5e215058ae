// The fuzz targets (see entry_points.hpp). Parsers that read a path get the input through a scratch
// file of this process; the rest take the bytes directly.
#include "fuzz/entry_points.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "benchmarks/livecodebench.hpp"
#include "benchmarks/task.hpp"
#include "checkpoint/safetensors.hpp"
#include "checkpoint/sharded.hpp"
#include "codegrade/lcb_decode.hpp"
#include "core/error.hpp"
#include "core/json_text.hpp"
#include "grading/equivalence.hpp"
#include "grading/latex_parser.hpp"
#include "model/config.hpp"
#include "grade_stage/samples_reader.hpp"
#include "sampling/trajectory.hpp"
#include "tokenizer/tokenizer.hpp"
#include "core/option_reader.hpp"
#include "training/train_config.hpp"

namespace trafl::fuzz {

namespace {

std::string_view text_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// One scratch directory per process (fuzzers run several processes with -jobs), removed at exit. The
// name is never freed: the exit handler runs after static destructors would have freed a static string.
const std::string& scratch_dir() {
  static const std::string* dir = [] {
    auto* d = new std::string(
        (std::filesystem::temp_directory_path() / ("trafl-fuzz-" + std::to_string(::getpid()))).string());
    std::filesystem::create_directories(*d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(*dir, ec);
    });
    return d;
  }();
  return *dir;
}

// Writes the bytes to <scratch>/<name> and returns the path.
std::string scratch_file(const std::string& name, std::string_view bytes) {
  std::string path = scratch_dir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path;
}

// ---- samples files (every shape the reader accepts) ------------------------------------------------
void samples_jsonl(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return;
  // First byte: the shape (auto, trafl, lm-eval, task-id) and the lm-eval field and filter.
  SamplesReaderOptions o;
  const SamplesShape shapes[] = {SamplesShape::kAuto, SamplesShape::kTrafl, SamplesShape::kLmEval,
                                 SamplesShape::kTaskId};
  o.shape = shapes[data[0] & 3];
  o.lm_eval_field = (data[0] & 4) ? LmEvalField::kFilteredResps : LmEvalField::kResps;
  if (data[0] & 8) o.lm_eval_filter = "strict-match";
  SamplesReader reader(scratch_file("samples.jsonl", text_of(data + 1, size - 1)), o);
  std::vector<SampleRecord> out;
  while (reader.next(out))
    if (out.size() > 100000) out.clear();
}

// ---- task loaders: the bytes are the task's data file ----------------------------------------------
void load_task(const char* task, const char* file, const std::uint8_t* data, std::size_t size,
               const TaskOptions& options = {}) {
  auto t = make_task(task, options);
  auto problems = t->load(scratch_file(file, text_of(data, size)));
  if (auto* lcb = dynamic_cast<const LiveCodeBenchTask*>(t.get()))
    for (const auto& p : problems) lcb->tests(p);  // decodes the private tests again, as grading does
}
void task_gsm8k(const std::uint8_t* d, std::size_t n) { load_task("gsm8k", "gsm8k.jsonl", d, n); }
void task_math(const std::uint8_t* d, std::size_t n) {
  if (n < 1) return;
  const char* names[] = {"math", "math500", "minerva_math", "math"};
  load_task(names[d[0] & 3], "math.jsonl", d + 1, n - 1);
}
void task_minerva(const std::uint8_t* d, std::size_t n) { load_task("minerva", "minerva.jsonl", d, n); }
void task_humaneval(const std::uint8_t* d, std::size_t n) { load_task("humaneval", "humaneval.jsonl", d, n); }
void task_mbpp(const std::uint8_t* d, std::size_t n) { load_task("mbpp", "mbpp.json", d, n); }
void task_livecodebench(const std::uint8_t* d, std::size_t n) {
  if (n < 1) return;
  TaskOptions o;  // first byte: a selection (none, since/until, difficulty, release by _version)
  if (d[0] & 1) o.own["since"] = "2024-01";
  if (d[0] & 2) o.own["difficulty"] = {"easy", "hard"};
  if (d[0] & 4) o.own["release"] = "v5_v6";
  if (d[0] & 8) o.own["prompt_style"] = "short";
  load_task("livecodebench", "lcb.jsonl", d + 1, n - 1, o);
}

// ---- checkpoints -------------------------------------------------------------------------------------
void safetensors_header(const std::uint8_t* d, std::size_t n) {
  auto h = checkpoint::parse_safetensors(reinterpret_cast<const std::byte*>(d), n, "fuzz.safetensors");
  (void)h;
}
void shard_index(const std::uint8_t* d, std::size_t n) {
  auto idx = checkpoint::read_shard_index(scratch_file("model.safetensors.index.json", text_of(d, n)));
  (void)idx;
}
void model_config(const std::uint8_t* d, std::size_t n) {
  auto c = model::read_model_config(scratch_file("config.json", text_of(d, n)));
  (void)model::expected_tensors(c);
  (void)model::to_json(c);
}

// ---- tokenizer ---------------------------------------------------------------------------------------
void tokenizer_load(const std::uint8_t* d, std::size_t n) {
  auto t = tok::Tokenizer::from_json_string(std::string(text_of(d, n)), "tokenizer.json");
  for (const char* s : {"Hello, world! 123", "  x\n\ty ", "\xc3\xa9t\xc3\xa9 \xe2\x82\xac", ""}) {
    auto e = t.encode(s, true);
    (void)t.decode(e.ids);
  }
}
const tok::Tokenizer& tiny_tokenizer() {
  static const tok::Tokenizer t = tok::Tokenizer::from_json_string(tok::make_tiny_tokenizer_json({}), "tiny.json");
  return t;
}
void tokenizer_encode(const std::uint8_t* d, std::size_t n) {
  const auto& t = tiny_tokenizer();
  auto e = t.encode(text_of(d, n), true);
  if (e.ids.size() != e.pieces.size() || e.ids.size() != e.offsets.size()) std::abort();
  for (auto [a, b] : e.offsets)
    if (a > b || b > n) std::abort();  // an offset outside the input is a bug
  (void)t.decode(e.ids, false);
  (void)t.decode(e.ids, true);
}

// ---- math grading: the LaTeX parser and the equivalence checker (each under its Budget) ---------------
void latex(const std::uint8_t* d, std::size_t n) {
  grading::Budget budget;
  auto r = grading::parse_latex(text_of(d, n), budget);
  (void)r;
}
void equivalence(const std::uint8_t* d, std::size_t n) {
  // gold '\n' prediction
  std::string_view all = text_of(d, n);
  auto nl = all.find('\n');
  std::string_view gold = all.substr(0, nl), pred = nl == std::string_view::npos ? all : all.substr(nl + 1);
  (void)grading::symbolic_equivalent(gold, pred);
  (void)grading::expression_equivalent(gold, pred);
}

// ---- LiveCodeBench tests, trajectories ---------------------------------------------------------------
void lcb_decode(const std::uint8_t* d, std::size_t n) {
  bool encoded = false;
  auto tests = codegrade::decode_lcb_tests(text_of(d, n), &encoded, std::size_t(16) << 20);
  (void)tests;
}
void trajectory_blob(const std::uint8_t* d, std::size_t n) {
  auto t = sampling::decode_trajectory(d, n);
  // What decodes must encode back to the same bytes (the store compares blobs).
  auto again = sampling::encode_trajectory(t);
  if (again.size() != n || !std::equal(again.begin(), again.end(), d)) std::abort();
}

// ---- option files: the training configuration (task options included) and objective options ----------
void train_config(const std::uint8_t* d, std::size_t n) {
  training::TrainConfig c;
  training::apply_file(c, scratch_file("train.json", text_of(d, n)));
  training::validate(c);
  (void)training::to_json(c);
}
void objective_options(const std::uint8_t* d, std::size_t n) {
  const auto j = parse_json_text(text_of(d, n));
  // What the objectives read (objective_*.cpp): numbers, integers, flags and text, then the leftovers.
  OptionReader r("fuzz", j);
  double beta = r.number("beta", 0.04);
  r.require(beta >= 0, "beta", "must be >= 0");
  std::int64_t mc = r.integer("num_mc", 2);
  r.require(mc >= 1, "num_mc", "must be >= 1");
  (void)r.boolean("normalize", false);
  (void)r.text("reward", "binary");
  (void)r.number("epsilon", 0.2);
  (void)r.integer("inner_iterations", 1);
  r.reject_unknown();
}

}  // namespace

const std::vector<Target>& targets() {
  static const std::vector<Target> list = {
      {"samples_jsonl", samples_jsonl},
      {"task_gsm8k", task_gsm8k},
      {"task_math", task_math},
      {"task_minerva", task_minerva},
      {"task_humaneval", task_humaneval},
      {"task_mbpp", task_mbpp},
      {"task_livecodebench", task_livecodebench},
      {"safetensors_header", safetensors_header},
      {"shard_index", shard_index},
      {"model_config", model_config},
      {"tokenizer_load", tokenizer_load},
      {"tokenizer_encode", tokenizer_encode},
      {"latex", latex},
      {"equivalence", equivalence},
      {"lcb_decode", lcb_decode},
      {"trajectory_blob", trajectory_blob},
      {"train_config", train_config},
      {"objective_options", objective_options},
  };
  return list;
}

const Target* find_target(const std::string& name) {
  for (const auto& t : targets())
    if (name == t.name) return &t;
  return nullptr;
}

void run_one(const Target& target, const std::uint8_t* data, std::size_t size) {
  try {
    target.run(data, size);
  } catch (const InputError&) {
  } catch (const UsageError&) {
  } catch (const JsonTextError&) {
  } catch (const codegrade::DecodeError&) {}
}

}  // namespace trafl::fuzz
