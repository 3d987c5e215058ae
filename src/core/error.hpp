#pragma once
// Errors that reach the user. Everything a user can fix is an InputError (names file, line, field)
// or a UsageError (a bad flag or name); the CLI turns both into a message and a non-zero exit.
#include <cstddef>
#include <stdexcept>
#include <string>

namespace trafl {

class InputError : public std::runtime_error {
 public:
  // line is 1-based; 0 means "the file as a whole". field may be empty.
  InputError(std::string file, std::size_t line, std::string field, const std::string& message);
  const std::string& file() const { return file_; }
  std::size_t line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string field_;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace trafl
