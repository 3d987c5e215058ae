#include "cli/finite_options.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

namespace trafl::cli {

namespace {

// Empty when `text` is finite or not a number at all (CLI11's own conversion then says so).
std::string check_finite(const std::string& text) {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);  // "nan", "inf", "infinity" (any case) and 1e999 (inf)
  if (end == begin) return "";
  if (!std::isfinite(v)) return "must be a finite number, not '" + text + "'";
  return "";
}

const CLI::Validator& finite_validator() {
  static const CLI::Validator v([](std::string& text) { return check_finite(text); }, "", "FINITE");
  return v;
}

}  // namespace

void require_finite_floats(CLI::App& app) {
  for (CLI::Option* opt : app.get_options())
    if (opt->get_type_name().find("FLOAT") != std::string::npos) opt->check(finite_validator());
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) require_finite_floats(*sub);
}

}  // namespace trafl::cli
