#include "core/file_io.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "core/error.hpp"
#include "core/json_text.hpp"

namespace trafl {

std::string read_text_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "", fmt::format("cannot read the {}", what));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

nlohmann::json read_json_file(const std::string& path, std::string_view what) {
  const std::string text = read_text_file(path, what);
  try {
    return parse_json_text(text);
  } catch (const JsonTextError& e) {
    throw InputError(path, e.line(), "", fmt::format("not valid JSON: {}", e.what()));
  }
}

void write_text_file(const std::string& path, std::string_view text, std::string_view what) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw InputError(path, 0, "", fmt::format("cannot write the {}", what));
}

}  // namespace trafl
