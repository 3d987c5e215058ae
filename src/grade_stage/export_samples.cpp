#include "grade_stage/export_samples.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <unordered_map>

#include "benchmarks/humaneval.hpp"
#include "benchmarks/mbpp.hpp"
#include "codegrade/compare.hpp"
#include "core/error.hpp"
#include "store/store.hpp"

namespace trafl {

namespace fs = std::filesystem;
using nlohmann::json;

ExportFormat parse_export_format(std::string_view text) {
  if (text == "lm-eval") return ExportFormat::kLmEval;
  if (text == "evalplus") return ExportFormat::kEvalPlus;
  if (text == "lcb") return ExportFormat::kLcb;
  if (text == "jsonl") return ExportFormat::kJsonl;
  if (text == "csv") return ExportFormat::kCsv;
  throw UsageError(fmt::format("unknown export format '{}' (expected lm-eval, evalplus, lcb, jsonl or csv)", text));
}

const char* to_string(ExportFormat format) {
  switch (format) {
    case ExportFormat::kLmEval: return "lm-eval";
    case ExportFormat::kEvalPlus: return "evalplus";
    case ExportFormat::kLcb: return "lcb";
    case ExportFormat::kJsonl: return "jsonl";
    case ExportFormat::kCsv: return "csv";
  }
  return "?";
}

namespace {

bool applies(ExportFormat format, const std::string& task) {
  if (format == ExportFormat::kEvalPlus) return task == "humaneval" || task == "mbpp";
  if (format == ExportFormat::kLcb) return task == "livecodebench";
  return true;
}

std::string file_name(ExportFormat format, const RunInfo& run) {
  const auto& task = run.spec.task;
  switch (format) {
    case ExportFormat::kLmEval: return fmt::format("samples_{}_run{}.jsonl", task, run.id);
    case ExportFormat::kEvalPlus: return fmt::format("run{}_{}.evalplus.jsonl", run.id, task);
    case ExportFormat::kLcb: return fmt::format("run{}_{}_eval_all.json", run.id, task);
    case ExportFormat::kJsonl: return fmt::format("run{}_{}.jsonl", run.id, task);
    case ExportFormat::kCsv: return fmt::format("run{}_{}.csv", run.id, task);
  }
  return "";
}

// Completions are model output: invalid UTF-8 is replaced rather than failing the export.
std::string dump(const json& j, int indent = -1) { return j.dump(indent, ' ', false, json::error_handler_t::replace); }

// A file that appears only whole: written under a temporary name, renamed by commit().
class AtomicFile {
 public:
  explicit AtomicFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
    if (!out_) throw InputError(path_, 0, "", "cannot write the export file");
  }
  ~AtomicFile() {
    if (!committed_) {
      out_.close();
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }
  std::ofstream& out() { return out_; }
  void commit() {
    out_.close();
    if (!out_) throw InputError(path_, 0, "", "cannot write the export file (disk full?)");
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    if (ec) throw InputError(path_, 0, "", fmt::format("cannot write the export file: {}", ec.message()));
    committed_ = true;
  }

 private:
  std::string path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

// The run's samples grouped by problem (they arrive in the problems' stored order).
void for_each_problem(const Store& store, const RunInfo& run, const std::string& mode,
                      const std::vector<Problem>& problems,
                      const std::function<void(const Problem&, std::size_t, const std::vector<GradedSample>&)>& fn) {
  std::unordered_map<std::string, std::size_t> pos;
  for (std::size_t i = 0; i < problems.size(); ++i) pos.emplace(problems[i].id, i);
  std::vector<GradedSample> group;
  auto flush = [&] {
    if (group.empty()) return;
    std::size_t at = pos.at(group.front().problem_id);
    fn(problems[at], at, group);
    group.clear();
  };
  store.for_each_graded_sample(run.id, mode, [&](const GradedSample& s) {
    if (!group.empty() && group.front().problem_id != s.problem_id) flush();
    group.push_back(s);
  });
  flush();
}

void count(ExportedRun& r, const GradedSample& s) {
  ++r.samples;
  r.graded += s.graded;
  r.correct += s.correct;
}

json grade_json(const GradedSample& s, const char* what) {
  if (!s.graded) return nullptr;
  if (std::string_view(what) == "correct") return s.correct;
  return s.verdict;
}

void write_lm_eval(std::ostream& out, const Store& store, const RunInfo& run, const std::vector<Problem>& problems,
                   ExportedRun& r) {
  for_each_problem(
      store, run, r.mode, problems, [&](const Problem& p, std::size_t position, const std::vector<GradedSample>& ss) {
        json gens = json::array(), index = json::array(), verdicts = json::array(), correct = json::array();
        std::int64_t n_correct = 0, n_graded = 0;
        for (const auto& s : ss) {
          count(r, s);
          gens.push_back(s.completion);
          index.push_back(s.sample_index);
          verdicts.push_back(grade_json(s, "verdict"));
          correct.push_back(grade_json(s, "correct"));
          n_correct += s.correct;
          n_graded += s.graded;
        }
        json line = {
            {"doc_id", position},
            {"doc", {{"problem_id", p.id}, {"question", p.question}, {"answer", p.gold}}},
            {"target", p.gold},
            {"arguments", {{"gen_args_0", {{"arg_0", p.prompt}}}}},
            {"resps", json::array({gens})},
            {"filtered_resps", json::array({gens})},
            {"filter", "none"},
            {"metrics", json::array({"exact_match"})},
            {"exact_match",
             n_graded ? json(static_cast<double>(n_correct) / static_cast<double>(n_graded)) : json(nullptr)},
            {"trafl", {{"mode", r.mode}, {"sample_index", index}, {"verdict", verdicts}, {"correct", correct}}}};
        out << dump(line) << '\n';
      });
}

void write_evalplus(std::ostream& out, const Store& store, const RunInfo& run, const std::vector<Problem>& problems,
                    ExportedRun& r) {
  const bool mbpp = run.spec.task == "mbpp";
  for_each_problem(
      store, run, r.mode, problems, [&](const Problem& p, std::size_t, const std::vector<GradedSample>& ss) {
        for (const auto& s : ss) {
          count(r, s);
          // EvalPlus runs `solution` as the whole program: the program we ran (before the tests).
          std::string solution = mbpp ? mbpp_code_from_completion(s.completion) : humaneval_program(p, s.completion);
          json line = {{"task_id", mbpp ? "Mbpp/" + p.id : p.id},
                       {"solution", solution},
                       {"trafl_sample_index", s.sample_index},
                       {"trafl_verdict", grade_json(s, "verdict")},
                       {"trafl_correct", grade_json(s, "correct")}};
          out << dump(line) << '\n';
        }
      });
}

void write_lcb(std::ostream& out, const Store& store, const RunInfo& run, const std::vector<Problem>& problems,
               ExportedRun& r) {
  json all = json::array();
  auto meta = [](const Problem& p, const char* key) {
    auto it = p.metadata.find(key);
    return it == p.metadata.end() ? std::string() : it->second;
  };
  for_each_problem(
      store, run, r.mode, problems, [&](const Problem& p, std::size_t, const std::vector<GradedSample>& ss) {
        json outputs = json::array(), codes = json::array(), graded = json::array(), details = json::array();
        bool all_graded = true;
        std::int64_t n_correct = 0;
        for (const auto& s : ss) {
          count(r, s);
          outputs.push_back(s.completion);
          // LCB's extract_code: the last ``` block, "" when there is none (then every test fails).
          codes.push_back(codegrade::extract_last_fenced_block(s.completion).value_or(""));
          graded.push_back(s.correct);
          details.push_back({{"trafl_sample_index", s.sample_index}, {"trafl_verdict", grade_json(s, "verdict")}});
          all_graded = all_graded && s.graded;
          n_correct += s.correct;
        }
        json e = {{"question_title", meta(p, "title")},
                  {"question_content", p.question},
                  {"platform", meta(p, "platform")},
                  {"question_id", p.id},
                  {"contest_id", meta(p, "contest_id")},
                  {"contest_date", meta(p, "contest_date")},
                  {"starter_code", p.reference},
                  {"difficulty", meta(p, "difficulty")},
                  {"output_list", outputs},
                  {"code_list", codes}};
        if (all_graded) {
          e["graded_list"] = graded;
          e["pass@1"] = static_cast<double>(n_correct) / static_cast<double>(ss.size());
        }
        e["metadata"] = details;
        all.push_back(std::move(e));
      });
  out << dump(all, 4);
}

// One flat row per sample: run fields, config and metadata keys as columns of their own.
struct FlatTable {
  std::vector<std::string> columns;
  std::set<std::string> config_keys, meta_keys;
};

FlatTable flat_columns(const RunInfo& run, const std::vector<Problem>& problems) {
  FlatTable t;
  if (run.spec.config.is_object())
    for (const auto& [k, v] : run.spec.config.items()) t.config_keys.insert(k);
  for (const auto& p : problems)
    for (const auto& [k, v] : p.metadata) t.meta_keys.insert(k);
  t.columns = {"run_id", "model", "task", "seed", "data_sha256", "tool_version", "tool_commit"};
  for (const auto& k : t.config_keys) t.columns.push_back("config." + k);
  t.columns.insert(t.columns.end(), {"problem_id", "sample_index"});
  for (const auto& k : t.meta_keys) t.columns.push_back("meta." + k);
  t.columns.insert(t.columns.end(), {"mode", "verdict", "correct", "extracted", "question", "gold", "completion"});
  return t;
}

json flat_row(const FlatTable& t, const RunInfo& run, const Problem& p, const GradedSample& s,
              const std::string& mode) {
  json row = json::object();
  row["run_id"] = run.id;
  row["model"] = run.spec.model;
  row["task"] = run.spec.task;
  row["seed"] = run.spec.seed;
  row["data_sha256"] = run.spec.data_sha256;
  row["tool_version"] = run.tool_version;
  row["tool_commit"] = run.tool_commit;
  for (const auto& k : t.config_keys) row["config." + k] = run.spec.config.at(k);
  row["problem_id"] = p.id;
  row["sample_index"] = s.sample_index;
  for (const auto& k : t.meta_keys) {
    auto it = p.metadata.find(k);
    row["meta." + k] = it == p.metadata.end() ? json(nullptr) : json(it->second);
  }
  row["mode"] = mode;
  row["verdict"] = grade_json(s, "verdict");
  row["correct"] = grade_json(s, "correct");
  row["extracted"] = s.graded ? json(s.extracted) : json(nullptr);
  row["question"] = p.question;
  row["gold"] = p.gold;
  row["completion"] = s.completion;
  return row;
}

std::string csv_cell(const json& v) {
  std::string text;
  if (v.is_null()) return "";
  if (v.is_string())
    text = v.get<std::string>();
  else if (v.is_boolean())
    text = v.get<bool>() ? "1" : "0";
  else
    text = dump(v);
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string q = "\"";
  for (char c : text) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

void write_flat(std::ostream& out, bool csv, const Store& store, const RunInfo& run,
                const std::vector<Problem>& problems, ExportedRun& r) {
  FlatTable t = flat_columns(run, problems);
  if (csv) {
    for (std::size_t i = 0; i < t.columns.size(); ++i) out << (i ? "," : "") << csv_cell(t.columns[i]);
    out << "\r\n";
  }
  for_each_problem(store, run, r.mode, problems,
                   [&](const Problem& p, std::size_t, const std::vector<GradedSample>& ss) {
                     for (const auto& s : ss) {
                       count(r, s);
                       json row = flat_row(t, run, p, s, r.mode);
                       if (!csv) {
                         out << dump(row) << '\n';
                         continue;
                       }
                       for (std::size_t i = 0; i < t.columns.size(); ++i)
                         out << (i ? "," : "") << csv_cell(row[t.columns[i]]);
                       out << "\r\n";
                     }
                   });
}

}  // namespace

ExportResult export_runs(const ExportOptions& options) {
  Store store(options.db_path, Store::OpenMode::kExisting);
  auto runs = store.runs();
  std::vector<RunInfo> chosen;
  if (options.runs.empty()) {
    chosen = runs;
  } else {
    for (auto id : options.runs) {
      auto it = std::find_if(runs.begin(), runs.end(), [&](const RunInfo& r) { return r.id == id; });
      if (it == runs.end()) throw UsageError(fmt::format("{} has no run {}", options.db_path, id));
      if (!applies(options.format, it->spec.task))
        throw UsageError(fmt::format("run {} is task {}; --format {} writes {} runs only", id, it->spec.task,
                                     to_string(options.format),
                                     options.format == ExportFormat::kLcb ? "livecodebench" : "humaneval and mbpp"));
      chosen.push_back(*it);
    }
  }
  ExportResult result;
  std::error_code ec;
  fs::create_directories(options.out_dir, ec);
  if (ec) throw InputError(options.out_dir, 0, "", fmt::format("cannot create the export folder: {}", ec.message()));
  for (const auto& run : chosen) {
    if (!applies(options.format, run.spec.task)) {
      result.skipped.push_back(fmt::format("run {} (task {})", run.id, run.spec.task));
      continue;
    }
    ExportedRun r;
    r.run_id = run.id;
    r.task = run.spec.task;
    r.mode = options.mode;
    if (r.mode.empty()) {
      auto modes = store.grade_modes(run.id);
      if (!modes.empty()) r.mode = modes.front().first;
    }
    r.path = (fs::path(options.out_dir) / file_name(options.format, run)).string();
    auto problems = store.problems(run.id);
    AtomicFile file(r.path);
    switch (options.format) {
      case ExportFormat::kLmEval: write_lm_eval(file.out(), store, run, problems, r); break;
      case ExportFormat::kEvalPlus: write_evalplus(file.out(), store, run, problems, r); break;
      case ExportFormat::kLcb: write_lcb(file.out(), store, run, problems, r); break;
      case ExportFormat::kJsonl: write_flat(file.out(), false, store, run, problems, r); break;
      case ExportFormat::kCsv: write_flat(file.out(), true, store, run, problems, r); break;
    }
    file.commit();
    result.files.push_back(std::move(r));
  }
  if (result.files.empty())
    throw UsageError(
        fmt::format("{} has no run that --format {} applies to", options.db_path, to_string(options.format)));
  return result;
}

}  // namespace trafl
