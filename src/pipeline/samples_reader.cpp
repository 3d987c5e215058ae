#include "pipeline/samples_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <tuple>

#include "core/error.hpp"

namespace trafl {

SamplesShape parse_samples_shape(std::string_view text) {
  if (text == "auto") return SamplesShape::kAuto;
  if (text == "trafl") return SamplesShape::kTrafl;
  if (text == "lm-eval") return SamplesShape::kLmEval;
  if (text == "task-id") return SamplesShape::kTaskId;
  throw UsageError(fmt::format("unknown samples shape '{}' (expected auto, trafl, lm-eval or task-id)", text));
}

const char* to_string(SamplesShape shape) {
  switch (shape) {
    case SamplesShape::kAuto: return "auto";
    case SamplesShape::kTrafl: return "trafl";
    case SamplesShape::kLmEval: return "lm-eval";
    case SamplesShape::kTaskId: return "task-id";
  }
  return "?";
}

LmEvalField parse_lm_eval_field(std::string_view text) {
  if (text == "resps") return LmEvalField::kResps;
  if (text == "filtered_resps") return LmEvalField::kFilteredResps;
  throw UsageError(fmt::format("unknown lm-eval field '{}' (expected resps or filtered_resps)", text));
}

const char* to_string(LmEvalField field) { return field == LmEvalField::kResps ? "resps" : "filtered_resps"; }

SamplesReader::SamplesReader(std::string path, SamplesReaderOptions options)
    : path_(std::move(path)), options_(std::move(options)), reader_(std::make_unique<JsonlReader>(path_)) {}

SamplesReader::~SamplesReader() = default;

std::size_t SamplesReader::bytes_read() const { return reader_->bytes_read(); }

bool SamplesReader::next(std::vector<SampleRecord>& out) {
  JsonlRecord rec;
  while (reader_->next(rec)) {
    ++lines_read_;
    const auto& v = rec.value;
    SamplesShape shape = options_.shape;
    if (shape == SamplesShape::kAuto) {
      if (v.contains("doc_id")) shape = SamplesShape::kLmEval;
      else if (v.contains("task_id")) shape = SamplesShape::kTaskId;
      else if (v.contains("problem_id")) shape = SamplesShape::kTrafl;
      else
        throw InputError(path_, rec.line, "problem_id",
                         "missing: a samples line needs problem_id + completion (trafl), doc_id + resps (lm-eval) "
                         "or task_id + completion (HumanEval/EvalPlus)");
    }
    switch (shape) {
      case SamplesShape::kTrafl: read_trafl(rec, out); return true;
      case SamplesShape::kTaskId: read_task_id(rec, out); return true;
      case SamplesShape::kLmEval:
        if (read_lm_eval(rec, out)) return true;
        break;  // a line of another filter: keep reading
      case SamplesShape::kAuto: break;
    }
  }
  return false;
}

std::int64_t SamplesReader::index_for(const JsonlRecord& rec, const std::string& problem_id, bool& explicit_index) {
  // Every sample of a problem advances its counter, so implicit indices continue after explicit ones.
  std::int64_t& seen = seen_per_problem_[problem_id];
  auto it = rec.value.find("sample_index");
  explicit_index = it != rec.value.end() && !it->is_null();
  std::int64_t index = seen++;
  if (explicit_index) {
    if (!it->is_number_integer() || it->get<std::int64_t>() < 0)
      throw InputError(path_, rec.line, "sample_index", fmt::format("expected a non-negative integer, found {}", it->dump()));
    index = it->get<std::int64_t>();
  }
  return index;
}

void SamplesReader::read_trafl(const JsonlRecord& rec, std::vector<SampleRecord>& out) {
  SampleRecord s;
  s.line = rec.line;
  s.id_field = "problem_id";
  s.problem_id = require_id(rec, path_, "problem_id");
  s.completion = require_string(rec, path_, "completion");
  s.sample_index = index_for(rec, s.problem_id, s.explicit_index);
  out.push_back(std::move(s));
}

void SamplesReader::read_task_id(const JsonlRecord& rec, std::vector<SampleRecord>& out) {
  SampleRecord s;
  s.line = rec.line;
  s.id_field = "task_id";
  s.problem_id = require_id(rec, path_, "task_id");
  // HumanEval samples carry "completion" (the body); EvalPlus samples carry "solution" (whole code).
  if (rec.value.contains("completion")) s.completion = require_string(rec, path_, "completion");
  else if (rec.value.contains("solution")) s.completion = require_string(rec, path_, "solution");
  else throw InputError(path_, rec.line, "completion", "missing (a task_id line needs completion or solution)");
  s.sample_index = index_for(rec, s.problem_id, s.explicit_index);
  out.push_back(std::move(s));
}

bool SamplesReader::read_lm_eval(const JsonlRecord& rec, std::vector<SampleRecord>& out) {
  const auto& v = rec.value;
  if (auto f = v.find("filter"); f != v.end() && !f->is_null()) {
    if (!f->is_string()) throw InputError(path_, rec.line, "filter", fmt::format("expected a string, found {}", f->type_name()));
    if (options_.lm_eval_filter.empty()) options_.lm_eval_filter = f->get<std::string>();
    if (f->get<std::string>() != options_.lm_eval_filter) {
      ++lines_skipped_;
      return false;
    }
  }
  ++lm_eval_lines_;
  std::string id = require_id(rec, path_, "doc_id");
  const char* field = to_string(options_.lm_eval_field);
  auto it = v.find(field);
  if (it == v.end()) {
    const char* other = options_.lm_eval_field == LmEvalField::kResps ? "filtered_resps" : "resps";
    throw InputError(path_, rec.line, field,
                     v.contains(other) ? fmt::format("missing (the line has {}; choose it with --lm-eval-field {})", other, other)
                                       : std::string("missing"));
  }
  if (!it->is_array()) throw InputError(path_, rec.line, field, fmt::format("expected a list, found {}", it->type_name()));
  // resps: one list per request, each a list of generations. filtered_resps: strings or lists.
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < it->size(); ++i) {
    const auto& item = (*it)[i];
    if (item.is_string()) {
      texts.push_back(item.get<std::string>());
    } else if (item.is_array()) {
      for (std::size_t j = 0; j < item.size(); ++j) {
        if (!item[j].is_string())
          throw InputError(path_, rec.line, field, fmt::format("expected generated text at [{}][{}], found {}", i, j, item[j].type_name()));
        texts.push_back(item[j].get<std::string>());
      }
    } else {
      throw InputError(path_, rec.line, field, fmt::format("expected generated text or a list of it at [{}], found {}", i, item.type_name()));
    }
  }
  for (auto& text : texts) {
    SampleRecord s;
    s.line = rec.line;
    s.id_field = "doc_id";
    s.problem_id = id;
    s.completion = std::move(text);
    s.sample_index = seen_per_problem_[id]++;
    out.push_back(std::move(s));
  }
  return true;
}

SamplesFileCheck validate_samples_file(const std::string& path, const SamplesReaderOptions& options,
                                       const std::unordered_map<std::string, std::size_t>& problem_ids,
                                       const std::function<void(std::size_t)>& on_progress) {
  SamplesReader reader(path, options);
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
        throw InputError(path, s.line, s.id_field, fmt::format("problem '{}' is not in the task's data file", s.problem_id));
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
                       fmt::format("duplicate sample (problem '{}', index {}); first at line {}", id, keys[i].index, keys[i - 1].line));
    }
  }
  check.samples = keys.size();
  check.lines = reader.lines_read();
  check.lines_skipped = reader.lines_skipped();
  check.lm_eval_lines = reader.lm_eval_lines();
  check.lm_eval_filter = reader.lm_eval_filter();
  check.problems_with_samples = static_cast<std::size_t>(std::count(has_samples.begin(), has_samples.end(), true));
  if (on_progress) on_progress(reader.bytes_read());
  return check;
}

}  // namespace trafl
