#pragma once
// Streaming reader for JSON Lines files, plain or gzip-compressed (zlib reads both transparently).
// Every error names the file and the 1-based line; field helpers name the field too.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace trafl {

struct JsonlRecord {
  std::size_t line = 0;  // 1-based line number in the file
  nlohmann::json value;  // always a JSON object (anything else is an InputError)
};

class JsonlReader {
 public:
  explicit JsonlReader(std::string path);  // throws InputError if the file cannot be opened
  ~JsonlReader();
  JsonlReader(const JsonlReader&) = delete;
  JsonlReader& operator=(const JsonlReader&) = delete;

  // Reads the next non-blank line. Returns false at end of file.
  // A line that is not valid JSON, or not an object, throws InputError(path, line, "", why).
  bool next(JsonlRecord& out);
  const std::string& path() const { return path_; }
  std::size_t bytes_read() const;  // compressed/raw bytes consumed so far (for progress bars)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
  std::string line_text_;  // the current line (reused: no allocation per line)
};

// Reads a whole file (plain or gzip) that holds either JSON Lines or one JSON array of objects
// (whitespace-indifferent), e.g. sanitized-mbpp.json or LiveCodeBench's output. For an array,
// each record's line is the line on which its element starts.
std::vector<JsonlRecord> read_json_records(const std::string& path);
// True when the file's first non-blank character is '[' (one JSON array rather than JSON Lines).
bool starts_with_json_array(const std::string& path);

// Field access that names file:line:field on failure.
const nlohmann::json& require_field(const JsonlRecord& rec, const std::string& file, std::string_view field);
std::string require_string(const JsonlRecord& rec, const std::string& file, std::string_view field);
std::int64_t require_int(const JsonlRecord& rec, const std::string& file, std::string_view field);
// A string, or an integer rendered as decimal text (ids that are ints in one file, strings in another).
std::string require_id(const JsonlRecord& rec, const std::string& file, std::string_view field);
std::optional<std::string> optional_string(const JsonlRecord& rec, const std::string& file, std::string_view field);

}  // namespace trafl
