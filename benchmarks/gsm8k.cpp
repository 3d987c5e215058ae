#include "benchmarks/gsm8k.hpp"

#include <fmt/format.h>

#include <cctype>

#include "benchmarks/math.hpp"
#include "benchmarks/problem_file.hpp"
#include "core/error.hpp"
#include "core/jsonl.hpp"

namespace trafl {

std::optional<std::string> gsm8k_gold_from_answer(std::string_view answer) {
  auto pos = answer.rfind("####");
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view rest = answer.substr(pos + 4);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
  while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back()))) rest.remove_suffix(1);
  // -?digits with optional thousands commas and an optional decimal part.
  std::string number;
  std::size_t i = 0;
  if (i < rest.size() && rest[i] == '-') number += rest[i++];
  bool digits = false, dot = false;
  for (; i < rest.size(); ++i) {
    char c = rest[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      number += c;
      digits = true;
    } else if (c == ',' && digits && !dot) {
      continue;  // thousands separator
    } else if (c == '.' && digits && !dot) {
      number += c;
      dot = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digits || number.back() == '.') return std::nullopt;
  return number;
}

std::string gsm8k_prompt(std::string_view question) { return fmt::format("Question: {}\nAnswer:", question); }

std::string Gsm8kTask::description() const {
  return "GSM8K grade-school math (test 1,319 / train 7,473). Gold = number after '####' (commas removed); "
         "id = 0-based line index (lm-eval doc_id); prompt \"Question: {question}\\nAnswer:\" (zero-shot)";
}

std::string require_gsm8k_gold(const JsonlRecord& rec, const std::string& file, std::string_view field,
                               std::string_view answer) {
  auto gold = gsm8k_gold_from_answer(answer);
  if (!gold)
    throw InputError(file, rec.line, std::string(field),
                     answer.find("####") == std::string_view::npos ? "no final '#### <number>' line"
                                                                   : "the text after the last '####' is not a number");
  return *gold;
}

std::vector<Problem> Gsm8kTask::load(const std::string& path) const {
  return bench::read_problem_file(path, [&](const JsonlRecord& rec, std::size_t index, std::string&) {
    Problem p;
    p.question = bench::require_text(rec, path, "question");
    p.reference = require_string(rec, path, "answer");
    p.gold = require_gsm8k_gold(rec, path, "answer", p.reference);
    p.id = std::to_string(index);
    p.prompt = gsm8k_prompt(p.question);
    return p;
  });
}

}  // namespace trafl
