#include "grade_stage/samples_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <functional>
#include <tuple>

#include "core/error.hpp"
#include "core/file_io.hpp"

namespace trafl {

SamplesShape parse_samples_shape(std::string_view text) {
  if (text == "auto") return SamplesShape::kAuto;
  if (text == "trafl") return SamplesShape::kTrafl;
  if (text == "lm-eval") return SamplesShape::kLmEval;
  if (text == "task-id") return SamplesShape::kTaskId;
  if (text == "lcb") return SamplesShape::kLcb;
  throw UsageError(fmt::format("unknown samples shape '{}' (expected auto, trafl, lm-eval, task-id or lcb)", text));
}

const char* to_string(SamplesShape shape) {
  switch (shape) {
    case SamplesShape::kAuto: return "auto";
    case SamplesShape::kTrafl: return "trafl";
    case SamplesShape::kLmEval: return "lm-eval";
    case SamplesShape::kTaskId: return "task-id";
    case SamplesShape::kLcb: return "lcb";
  }
  return "?";
}

LmEvalField parse_lm_eval_field(std::string_view text) {
  if (text == "resps") return LmEvalField::kResps;
  if (text == "filtered_resps") return LmEvalField::kFilteredResps;
  throw UsageError(fmt::format("unknown lm-eval field '{}' (expected resps or filtered_resps)", text));
}

const char* to_string(LmEvalField field) { return field == LmEvalField::kResps ? "resps" : "filtered_resps"; }

namespace {

constexpr const char* kLcbMetricsFile =
    "this is LiveCodeBench's metrics file (..._eval.json); pass the generations file (Scenario.codegeneration_N_T.json) "
    "or ..._eval_all.json";

// A string field, or nullopt when absent or null; anything else names the field.
std::optional<std::string> optional_text(const nlohmann::json& obj, const char* key, const std::string& path,
                                         std::size_t line, const char* field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::nullopt;
  if (!it->is_string())
    throw InputError(path, line, field, fmt::format("expected a string, found {}", it->type_name()));
  return it->get<std::string>();
}

// An id inside lm-eval's doc (string or integer), or nullopt.
std::optional<std::string> optional_id(const nlohmann::json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<std::int64_t>());
  return std::nullopt;
}

}  // namespace

SamplesReader::SamplesReader(std::string path, SamplesReaderOptions options)
    : path_(std::move(path)), options_(std::move(options)) {
  // LiveCodeBench writes one (indented) JSON array; everything else is JSON Lines.
  if (starts_with_json_array(path_)) {
    try {
      array_ = read_json_records(path_);
    } catch (const InputError&) {
      // LiveCodeBench's ..._eval.json is [metrics, per-problem results, metadata lists]: not samples.
      auto whole = read_json_file(path_, "samples file");
      if (whole.is_array() && !whole.empty() && whole[0].is_object() && whole[0].contains("pass@1") &&
          whole[0].contains("detail"))
        throw InputError(path_, 0, "", kLcbMetricsFile);
      throw;
    }
    std::error_code ec;
    auto size = std::filesystem::file_size(path_, ec);
    array_bytes_ = ec ? 0 : static_cast<std::size_t>(size);
  } else {
    reader_ = std::make_unique<JsonlReader>(path_);
  }
}

SamplesReader::~SamplesReader() = default;

std::size_t SamplesReader::bytes_read() const { return reader_ ? reader_->bytes_read() : array_bytes_; }

bool SamplesReader::next_record(JsonlRecord& rec) {
  if (reader_) return reader_->next(rec);
  if (array_next_ >= array_.size()) return false;
  rec = std::move(array_[array_next_++]);
  return true;
}

bool SamplesReader::next(std::vector<SampleRecord>& out) {
  JsonlRecord rec;
  while (next_record(rec)) {
    ++lines_read_;
    const auto& v = rec.value;
    SamplesShape shape = options_.shape;
    if (shape == SamplesShape::kAuto) {
      if (v.contains("doc_id"))
        shape = SamplesShape::kLmEval;
      else if (v.contains("code_list"))
        shape = SamplesShape::kLcb;
      else if (v.contains("task_id"))
        shape = SamplesShape::kTaskId;
      else if (v.contains("problem_id"))
        shape = SamplesShape::kTrafl;
      else if (v.contains("pass@1") && v.contains("detail"))
        throw InputError(path_, rec.line, "", kLcbMetricsFile);
      else
        throw InputError(
            path_, rec.line, "problem_id",
            "missing: a samples line needs problem_id + completion (trafl), doc_id + resps (lm-eval), "
            "task_id + solution/completion (HumanEval/EvalPlus) or question_id + code_list (LiveCodeBench)");
    }
    Line line;
    switch (shape) {
      case SamplesShape::kTrafl: line = read_trafl(rec); break;
      case SamplesShape::kTaskId: line = read_task_id(rec); break;
      case SamplesShape::kLcb: line = read_lcb(rec); break;
      case SamplesShape::kLmEval:
        if (!read_lm_eval(rec, line)) continue;  // a line of another filter: keep reading
        break;
      case SamplesShape::kAuto: continue;
    }
    emit(rec, std::move(line), out);
    return true;
  }
  return false;
}

void SamplesReader::emit(const JsonlRecord& rec, Line line, std::vector<SampleRecord>& out) {
  std::string problem_id = line.claims.id;
  const char* id_field = line.claims.id_field;
  bool by_question = false;
  if (options_.catalog) {
    Resolution r = options_.catalog->resolve(path_, rec.line, line.claims);
    problem_id = options_.catalog->problems()[r.position].id;
    by_question = r.by_question;
    if (by_question) {
      ++lines_by_question_;
      id_field = line.claims.question_field;
    } else if (line.claims.stable_id) {
      id_field = line.claims.stable_id_field;
    }
  }
  // Every sample of a problem advances its counter, so implicit indices continue after explicit ones.
  std::int64_t& seen = seen_per_problem_[problem_id];
  const nlohmann::json* explicit_index = nullptr;
  if (line.may_index)
    if (auto it = rec.value.find("sample_index"); it != rec.value.end() && !it->is_null()) explicit_index = &*it;
  if (explicit_index && (!explicit_index->is_number_integer() || explicit_index->get<std::int64_t>() < 0))
    throw InputError(path_, rec.line, "sample_index",
                     fmt::format("expected a non-negative integer, found {}", explicit_index->dump()));
  for (auto& text : line.texts) {
    SampleRecord s;
    s.line = rec.line;
    s.id_field = id_field;
    s.problem_id = problem_id;
    s.completion = std::move(text);
    s.sample_index = seen++;
    s.by_question = by_question;
    if (explicit_index) {
      s.sample_index = explicit_index->get<std::int64_t>();
      s.explicit_index = true;
    }
    out.push_back(std::move(s));
  }
}

SamplesReader::Line SamplesReader::read_trafl(const JsonlRecord& rec) {
  Line line;
  line.claims.id = require_id(rec, path_, "problem_id");
  line.claims.id_field = "problem_id";
  line.claims.stable_id = line.claims.id;  // our ids / the harness's own: used as they are
  line.claims.stable_id_field = "problem_id";
  // `export --format jsonl` writes the problem's text and gold beside each sample.
  line.claims.question = optional_text(rec.value, "question", path_, rec.line, "question");
  line.claims.question_field = "question";
  line.claims.gold = optional_text(rec.value, "gold", path_, rec.line, "gold");
  line.claims.gold_field = "gold";
  line.texts.push_back(require_string(rec, path_, "completion"));
  line.may_index = true;
  return line;
}

SamplesReader::Line SamplesReader::read_task_id(const JsonlRecord& rec) {
  Line line;
  line.claims.id = require_id(rec, path_, "task_id");
  line.claims.id_field = "task_id";
  line.claims.stable_id = line.claims.id;  // our ids / the harness's own: used as they are
  line.claims.stable_id_field = "task_id";
  // HumanEval samples carry "completion" (the body after the prompt); EvalPlus samples carry
  // "solution" (the whole program) and EvalPlus grades it whenever it is there, even beside a
  // completion (evalplus/evaluate.py), so it wins here too.
  if (rec.value.contains("solution"))
    line.texts.push_back(require_string(rec, path_, "solution"));
  else if (rec.value.contains("completion"))
    line.texts.push_back(require_string(rec, path_, "completion"));
  else
    throw InputError(path_, rec.line, "completion", "missing (a task_id line needs solution or completion)");
  line.may_index = true;
  return line;
}

SamplesReader::Line SamplesReader::read_lcb(const JsonlRecord& rec) {
  Line line;
  line.claims.id = require_id(rec, path_, "question_id");
  line.claims.id_field = "question_id";
  line.claims.stable_id = line.claims.id;  // our ids / the harness's own: used as they are
  line.claims.stable_id_field = "question_id";
  line.claims.question = optional_text(rec.value, "question_content", path_, rec.line, "question_content");
  line.claims.question_field = "question_content";
  const auto& list = require_field(rec, path_, "code_list");
  if (!list.is_array())
    throw InputError(path_, rec.line, "code_list", fmt::format("expected a list, found {}", list.type_name()));
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string())
      throw InputError(path_, rec.line, "code_list",
                       fmt::format("expected code at [{}], found {}", i, list[i].type_name()));
    // code_list holds what LCB's extract_code already took out of each output: program text,
    // where our LCB grading expects a model's output and takes its last ``` block. Stored as one
    // such block, it extracts back to exactly this code. LCB's extraction never yields a line with
    // ``` in it, so a code_list that has one did not come from LCB (and would not round-trip).
    const std::string code = list[i].get<std::string>();
    if (code.find("```") != std::string::npos)
      throw InputError(path_, rec.line, "code_list",
                       fmt::format("element [{}] contains ```, which LiveCodeBench's extracted code never does", i));
    line.texts.push_back(fmt::format("```python\n{}\n```", code));
  }
  return line;
}

bool SamplesReader::read_lm_eval(const JsonlRecord& rec, Line& line) {
  const auto& v = rec.value;
  if (auto f = v.find("filter"); f != v.end() && !f->is_null()) {
    if (!f->is_string())
      throw InputError(path_, rec.line, "filter", fmt::format("expected a string, found {}", f->type_name()));
    if (options_.lm_eval_filter.empty()) options_.lm_eval_filter = f->get<std::string>();
    if (f->get<std::string>() != options_.lm_eval_filter) {
      ++lines_skipped_;
      return false;
    }
  }
  ++lm_eval_lines_;
  line.claims.id = require_id(rec, path_, "doc_id");
  line.claims.id_field = "doc_id";
  // lm-eval logs the document itself: a stable id in it beats doc_id (which counts documents
  // within lm-eval's subtask), else its text finds the problem.
  if (auto d = v.find("doc"); d != v.end() && d->is_object()) {
    static constexpr std::pair<const char*, const char*> kIds[] = {
        {"task_id", "doc.task_id"},
        {"question_id", "doc.question_id"},
        {"unique_id", "doc.unique_id"},
        {"problem_id", "doc.problem_id"}};  // the last as `export --format lm-eval` writes it
    for (const auto& [key, field] : kIds)
      if (auto id = optional_id(*d, key)) {
        line.claims.stable_id = id;
        line.claims.stable_id_field = field;
        break;
      }
    static constexpr std::pair<const char*, const char*> kTexts[] = {{"problem", "doc.problem"},
                                                                     {"question", "doc.question"},
                                                                     {"question_content", "doc.question_content"},
                                                                     {"prompt", "doc.prompt"},
                                                                     {"text", "doc.text"}};
    for (const auto& [key, field] : kTexts)
      if (auto text = optional_text(*d, key, path_, rec.line, field)) {
        line.claims.question = text;
        line.claims.question_field = field;
        break;
      }
  }
  if (auto t = v.find("target"); t != v.end() && (t->is_string() || t->is_number())) {
    line.claims.gold = t->is_string() ? t->get<std::string>() : t->dump();
    line.claims.gold_field = "target";
  }
  const char* field = to_string(options_.lm_eval_field);
  auto it = v.find(field);
  if (it == v.end()) {
    const char* other = options_.lm_eval_field == LmEvalField::kResps ? "filtered_resps" : "resps";
    throw InputError(path_, rec.line, field,
                     v.contains(other)
                         ? fmt::format("missing (the line has {}; choose it with --lm-eval-field {})", other, other)
                         : std::string("missing"));
  }
  if (!it->is_array())
    throw InputError(path_, rec.line, field, fmt::format("expected a list, found {}", it->type_name()));
  // resps: one list per request, each a list of generations. filtered_resps: strings or lists.
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& item = (*it)[i];
    if (item.is_string()) {
      line.texts.push_back(item.get<std::string>());
    } else if (item.is_array()) {
      for (std::size_t j = 0; j < item.size(); ++j) {
        if (!item[j].is_string())
          throw InputError(path_, rec.line, field,
                           fmt::format("expected generated text at [{}][{}], found {}", i, j, item[j].type_name()));
        line.texts.push_back(item[j].get<std::string>());
      }
    } else {
      throw InputError(path_, rec.line, field,
                       fmt::format("expected generated text or a list of it at [{}], found {}", i, item.type_name()));
    }
  }
  return true;
}

SamplesFileCheck validate_samples_file(const std::string& path, const SamplesReaderOptions& options,
                                       const ProblemCatalog& catalog,
                                       const std::function<void(std::size_t)>& on_progress) {
  const auto& problem_ids = catalog.ids();
  SamplesReaderOptions with_catalog = options;
  with_catalog.catalog = &catalog;
  SamplesReader reader(path, with_catalog);
  SamplesFileCheck check;
  // Identities as (problem position, sample index, line): 24 bytes a sample, sorted once at the
  // end to find duplicates — far lighter than a hash set of strings for millions of samples.
  struct Key {
    std::uint32_t problem;
    std::int64_t index;
    std::size_t line;
  };
  std::vector<Key> keys;
  std::vector<SampleRecord> batch;
  std::vector<bool> has_samples(problem_ids.size(), false);
  while (reader.next(batch)) {
    for (const auto& s : batch) {
      auto it = problem_ids.find(s.problem_id);
      if (it == problem_ids.end())
        throw InputError(path, s.line, s.id_field,
                         fmt::format("problem '{}' is not in the task's data file", s.problem_id));
      keys.push_back(Key{static_cast<std::uint32_t>(it->second), s.sample_index, s.line});
      has_samples[it->second] = true;
    }
    batch.clear();
    if (on_progress && (reader.lines_read() & 1023) == 0) on_progress(reader.bytes_read());
  }
  if (keys.empty()) throw InputError(path, 0, "", "no samples in file");
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return std::tie(a.problem, a.index, a.line) < std::tie(b.problem, b.index, b.line);
  });
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i].problem == keys[i - 1].problem && keys[i].index == keys[i - 1].index) {
      std::string id;
      for (const auto& [name, pos] : problem_ids)
        if (pos == keys[i].problem) id = name;
      throw InputError(path, keys[i].line, "sample_index",
                       fmt::format("duplicate sample (problem '{}', index {}); first at line {}", id, keys[i].index,
                                   keys[i - 1].line));
    }
  }
  check.samples = keys.size();
  check.lines = reader.lines_read();
  check.lines_skipped = reader.lines_skipped();
  check.lm_eval_lines = reader.lm_eval_lines();
  check.lines_by_question = reader.lines_by_question();
  check.lm_eval_filter = reader.lm_eval_filter();
  check.problems_with_samples = static_cast<std::size_t>(std::count(has_samples.begin(), has_samples.end(), true));
  if (on_progress) on_progress(reader.bytes_read());
  return check;
}

}  // namespace trafl
