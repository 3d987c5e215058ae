// A task from a TaskDefinition (see defined_task.hpp).
#include "benchmarks/defined_task.hpp"

#include <fmt/format.h>

#include "benchmarks/gsm8k.hpp"
#include "benchmarks/math.hpp"
#include "benchmarks/problem_file.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"
#include "tokenizer/jinja_value.hpp"

namespace trafl {

namespace {

// A field as text: strings as written, numbers and booleans as JSON writes them ("42", "2.5").
std::string field_text(const JsonlRecord& rec, const std::string& file, const std::string& field) {
  const auto& v = require_field(rec, file, field);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  throw InputError(file, rec.line, field, fmt::format("expected text or a number, found {}", v.type_name()));
}

}  // namespace

std::string DefinedTask::description() const {
  return def_.description.empty() ? fmt::format("defined by the task file {}", def_.file)
                                  : fmt::format("{} (task file {})", def_.description, def_.file);
}

std::string DefinedTask::prompt_for(std::string_view question) const {
  if (def_.prompt.jinja) {  // an exemplar has its question only: a template using more is refused
    chat::Value context = chat::Value::object({});
    context.set(def_.question_field, chat::Value::string(std::string(question)));
    try {
      return def_.prompt.jinja->render(context, /*strict_undefined=*/true);
    } catch (const InputError& e) {
      throw UsageError(
          fmt::format("task file {}: the prompt needs more than the question, which is all a few-shot "
                      "exemplar has: {}",
                      def_.file, e.what()));
    }
  }
  std::string out;
  for (const auto& piece : def_.prompt.pieces) {
    if (!piece.is_field) {
      out += piece.text;
    } else if (piece.text == def_.question_field) {
      out += question;
    } else {
      throw UsageError(
          fmt::format("task file {}: the prompt uses {{{{{}}}}}, which a few-shot exemplar (question and "
                      "answer only) does not have",
                      def_.file, piece.text));
    }
  }
  return out;
}

std::vector<Problem> DefinedTask::load(const std::string& path) const {
  return bench::read_problem_file(path, [&](const JsonlRecord& rec, std::size_t index, std::string& id_field) {
    Problem p;
    p.question = bench::require_text(rec, path, def_.question_field);
    p.reference = field_text(rec, path, def_.answer_field);
    const std::string gold_text = field_text(rec, path, def_.gold_field);
    switch (def_.gold) {
      case GoldExtraction::kGsm8k: p.gold = require_gsm8k_gold(rec, path, def_.gold_field, gold_text); break;
      case GoldExtraction::kBoxed: p.gold = bench::require_boxed(rec, path, def_.gold_field, gold_text); break;
      case GoldExtraction::kAsIs:
        if (gold_text.find_first_not_of(" \t\r\n") == std::string::npos)
          throw InputError(path, rec.line, def_.gold_field, "empty");
        p.gold = gold_text;
        break;
    }
    p.id = def_.id_field.empty() ? std::to_string(index) : require_id(rec, path, def_.id_field);
    for (const auto& [key, field] : def_.metadata) p.metadata[key] = field_text(rec, path, field);
    if (def_.prompt.jinja) {
      try {
        p.prompt = def_.prompt.jinja->render(chat::Value::from_json(rec.value), /*strict_undefined=*/true);
      } catch (const InputError& e) {
        throw InputError(path, rec.line, "prompt", e.what());
      }
    }
    for (const auto& piece : def_.prompt.pieces) {
      if (!piece.is_field) {
        p.prompt += piece.text;
      } else {
        const auto& v = require_field(rec, path, piece.text);
        if (!v.is_string() && !v.is_number() && !v.is_boolean())
          throw InputError(path, rec.line, piece.text,
                           fmt::format("the prompt template uses it as text, found {}", v.type_name()));
        p.prompt += v.is_string() ? v.get<std::string>() : v.dump();
      }
    }
    if (!def_.id_field.empty()) id_field = def_.id_field;
    return p;
  });
}

}  // namespace trafl
