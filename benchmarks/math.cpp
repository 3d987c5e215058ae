#include "benchmarks/math.hpp"

#include <fmt/format.h>

#include <cctype>

#include "core/error.hpp"
#include "grading/boxed.hpp"

namespace trafl {

namespace bench {

void ProblemList::add(Problem problem, std::size_t line, std::string_view id_field) {
  auto [it, inserted] = first_line_.emplace(problem.id, line);
  if (!inserted) {
    throw InputError(path_, line, std::string(id_field),
                     fmt::format("duplicate id '{}' (first seen on line {})", problem.id, it->second));
  }
  problems_.push_back(std::move(problem));
}

std::vector<Problem> ProblemList::finish() && {
  if (problems_.empty()) throw InputError(path_, 0, "", "no problems (the file is empty)");
  return std::move(problems_);
}

std::string require_text(const JsonlRecord& rec, const std::string& file, std::string_view field) {
  std::string value = require_string(rec, file, field);
  if (value.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError(file, rec.line, std::string(field), "empty");
  }
  return value;
}

std::string require_boxed(const JsonlRecord& rec, const std::string& file, std::string_view field,
                          std::string_view text) {
  auto boxed = last_boxed_content(text);
  if (!boxed)
    throw InputError(file, rec.line, std::string(field), "no \\boxed{...} or \\fbox{...} answer (or it is unclosed)");
  if (boxed->find_first_not_of(" \t\r\n") == std::string::npos) {
    throw InputError(file, rec.line, std::string(field), "the last \\boxed{} is empty");
  }
  return *boxed;
}

std::string parse_level(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  std::string_view s = trim(text);
  if (s.size() >= 5) {
    std::string head(s.substr(0, 5));
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == "level") s = trim(s.substr(5));
  }
  if (s.empty()) return "?";
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return "?";
  }
  return std::string(s);
}

std::string require_level(const JsonlRecord& rec, const std::string& file, std::string_view field) {
  const auto& v = require_field(rec, file, field);
  if (v.is_string()) return parse_level(v.get<std::string>());
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  throw InputError(file, rec.line, std::string(field),
                   fmt::format("expected a string like \"Level 3\" or an integer, found {}", v.type_name()));
}

}  // namespace bench

std::string math_prompt(std::string_view problem, MathPromptStyle style) {
  switch (style) {
    case MathPromptStyle::kMinerva: return fmt::format("Problem:\n{}\n\nSolution:", problem);
    case MathPromptStyle::kBoxed:
    default:
      return fmt::format("{}\n\nPlease reason step by step, and put your final answer within \\boxed{{}}.", problem);
  }
}

namespace {

MathShape sniff_shape(const JsonlRecord& rec) {
  return rec.value.contains("answer") && rec.value.contains("unique_id") ? MathShape::kMath500 : MathShape::kHendrycks;
}

Problem read_hendrycks(const JsonlRecord& rec, const std::string& path, std::size_t index, MathPromptStyle style,
                       std::string& id_field) {
  Problem p;
  p.question = bench::require_text(rec, path, "problem");
  p.reference = require_string(rec, path, "solution");
  p.gold = bench::require_boxed(rec, path, "solution", p.reference);
  p.metadata["level"] = bench::require_level(rec, path, "level");
  p.metadata["subject"] = bench::require_text(rec, path, "type");
  if (rec.value.contains("idx") && !rec.value.at("idx").is_null()) {
    p.id = require_id(rec, path, "idx");
    id_field = "idx";
  } else {
    p.id = std::to_string(index);
    id_field = "(line index)";
  }
  p.prompt = math_prompt(p.question, style);
  return p;
}

Problem read_math500(const JsonlRecord& rec, const std::string& path, MathPromptStyle style) {
  Problem p;
  p.question = bench::require_text(rec, path, "problem");
  p.reference = require_string(rec, path, "solution");
  p.gold = bench::require_text(rec, path, "answer");
  p.metadata["level"] = bench::require_level(rec, path, "level");
  p.metadata["subject"] = bench::require_text(rec, path, "subject");
  p.id = require_id(rec, path, "unique_id");
  if (p.id.empty()) throw InputError(path, rec.line, "unique_id", "empty");
  p.prompt = math_prompt(p.question, style);
  return p;
}

}  // namespace

std::vector<Problem> load_math_file(const std::string& path, std::optional<MathShape> shape, MathPromptStyle style) {
  JsonlReader reader(path);
  bench::ProblemList list(path);
  JsonlRecord rec;
  std::size_t index = 0;
  while (reader.next(rec)) {
    if (!shape) shape = sniff_shape(rec);
    if (*shape == MathShape::kMath500) {
      list.add(read_math500(rec, path, style), rec.line, "unique_id");
    } else {
      std::string id_field;
      Problem p = read_hendrycks(rec, path, index, style, id_field);
      list.add(std::move(p), rec.line, id_field);
    }
    ++index;
  }
  return std::move(list).finish();
}

MathTask::Config MathTask::hendrycks() {
  return {"math",
          "Hendrycks MATH test set (5,000 problems; also reads the MATH-500 shape). Gold = last \\boxed{} of the "
          "solution. Prompt: problem + \"Please reason step by step, and put your final answer within \\boxed{}.\"",
          std::nullopt, MathPromptStyle::kBoxed, "symbolic"};
}

MathTask::Config MathTask::math500() {
  return {"math500",
          "MATH-500 (PRM800K test split, 500 problems). Gold = `answer`, id = `unique_id`. Prompt: problem + "
          "\"Please reason step by step, and put your final answer within \\boxed{}.\"",
          MathShape::kMath500, MathPromptStyle::kBoxed, "symbolic"};
}

MathTask::Config MathTask::minerva_math() {
  return {"minerva_math",
          "MATH (or MATH-500) with lm-eval's Minerva prompt \"Problem:\\n{problem}\\n\\nSolution:\" (zero-shot) and "
          "Minerva answer extraction/normalisation (mode \"minerva\")",
          std::nullopt, MathPromptStyle::kMinerva, "minerva"};
}

std::vector<std::string> MathTask::modes() const {
  if (config_.default_mode == "minerva") return {"minerva", "symbolic", "hendrycks"};
  return {"symbolic", "hendrycks", "minerva"};
}

std::vector<Problem> MathTask::load(const std::string& path) const {
  return load_math_file(path, config_.shape, config_.prompt);
}

}  // namespace trafl
