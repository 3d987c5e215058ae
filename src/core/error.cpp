#include "core/error.hpp"

#include <fmt/format.h>

namespace trafl {

namespace {
std::string describe(const std::string& file, std::size_t line, const std::string& field, const std::string& message) {
  std::string where = line > 0 ? fmt::format("{}:{}", file, line) : file;
  if (!field.empty()) return fmt::format("{}: field '{}': {}", where, field, message);
  return fmt::format("{}: {}", where, message);
}
}  // namespace

InputError::InputError(std::string file, std::size_t line, std::string field, const std::string& message)
    : std::runtime_error(describe(file, line, field, message)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)) {}

}  // namespace trafl
