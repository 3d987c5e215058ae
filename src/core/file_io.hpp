#pragma once
// Whole-file reads and writes for small files (configs, tokenizers, prompts, checkpoint indexes,
// reports, generated tasks): every failure is an InputError that names the file and says what it
// was meant to be.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace trafl {

// The file's bytes. Throws InputError(path, 0, "", "cannot read the <what>").
std::string read_text_file(const std::string& path, std::string_view what);

// The file parsed as one JSON value. Throws InputError naming the file when it cannot be read
// ("cannot read the <what>") or is not valid JSON ("not valid JSON: <parser's message>").
nlohmann::json read_json_file(const std::string& path, std::string_view what);

// Replaces the file's contents with `text`. Throws InputError(path, 0, "", "cannot write the <what>").
void write_text_file(const std::string& path, std::string_view text, std::string_view what);

}  // namespace trafl
