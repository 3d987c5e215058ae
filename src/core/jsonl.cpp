#include "core/jsonl.hpp"

#include <zlib.h>

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace trafl {

struct JsonlReader::Impl {
  gzFile file = nullptr;
  std::size_t line = 0;
  std::string buffer;
};

JsonlReader::JsonlReader(std::string path) : impl_(std::make_unique<Impl>()), path_(std::move(path)) {
  impl_->file = gzopen(path_.c_str(), "rb");
  if (!impl_->file) throw InputError(path_, 0, "", "cannot open file");
  gzbuffer(impl_->file, 1 << 20);
}

JsonlReader::~JsonlReader() {
  if (impl_ && impl_->file) gzclose(impl_->file);
}

std::size_t JsonlReader::bytes_read() const {
  return impl_->file ? static_cast<std::size_t>(gzoffset(impl_->file)) : 0;
}

bool JsonlReader::next(JsonlRecord& out) {
  char chunk[1 << 16];
  for (;;) {
    // Assemble one physical line, however long.
    impl_->buffer.clear();
    bool got_any = false;
    while (gzgets(impl_->file, chunk, sizeof chunk) != nullptr) {
      got_any = true;
      impl_->buffer.append(chunk);
      if (!impl_->buffer.empty() && impl_->buffer.back() == '\n') break;
    }
    if (!got_any) {
      int err = 0;
      const char* msg = gzerror(impl_->file, &err);
      if (err != Z_OK && err != Z_STREAM_END) throw InputError(path_, impl_->line + 1, "", fmt::format("read error: {}", msg));
      return false;
    }
    ++impl_->line;
    std::string_view text = impl_->buffer;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank line
    out.line = impl_->line;
    try {
      out.value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      // nlohmann's message starts with "[json.exception.parse_error.101] parse error at line 1, column N: ..."
      std::string what = e.what();
      auto pos = what.find("column");
      throw InputError(path_, impl_->line, "", fmt::format("malformed JSON ({})", pos == std::string::npos ? what : what.substr(pos)));
    }
    if (!out.value.is_object()) throw InputError(path_, impl_->line, "", "expected a JSON object on this line");
    return true;
  }
}

std::vector<JsonlRecord> read_json_records(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, 0, "", "cannot open file");
  char first = 0;
  while (in.get(first) && std::isspace(static_cast<unsigned char>(first))) {
  }
  std::vector<JsonlRecord> out;
  if (first != '[') {
    in.close();
    JsonlReader reader(path);
    JsonlRecord rec;
    while (reader.next(rec)) out.push_back(std::move(rec));
    return out;
  }
  in.seekg(0);
  std::stringstream ss;
  ss << in.rdbuf();
  nlohmann::json array;
  try {
    array = nlohmann::json::parse(ss.str());
  } catch (const nlohmann::json::parse_error& e) {
    throw InputError(path, 0, "", fmt::format("malformed JSON array: {}", e.what()));
  }
  std::size_t index = 0;
  for (auto& element : array) {
    ++index;
    if (!element.is_object()) throw InputError(path, index, "", "array element is not a JSON object");
    out.push_back(JsonlRecord{index, std::move(element)});
  }
  return out;
}

const nlohmann::json& require_field(const JsonlRecord& rec, const std::string& file, std::string_view field) {
  auto it = rec.value.find(field);
  if (it == rec.value.end()) throw InputError(file, rec.line, std::string(field), "missing");
  return *it;
}

std::string require_string(const JsonlRecord& rec, const std::string& file, std::string_view field) {
  const auto& v = require_field(rec, file, field);
  if (!v.is_string()) throw InputError(file, rec.line, std::string(field), fmt::format("expected a string, found {}", v.type_name()));
  return v.get<std::string>();
}

std::int64_t require_int(const JsonlRecord& rec, const std::string& file, std::string_view field) {
  const auto& v = require_field(rec, file, field);
  if (!v.is_number_integer()) throw InputError(file, rec.line, std::string(field), fmt::format("expected an integer, found {}", v.type_name()));
  return v.get<std::int64_t>();
}

std::string require_id(const JsonlRecord& rec, const std::string& file, std::string_view field) {
  const auto& v = require_field(rec, file, field);
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  throw InputError(file, rec.line, std::string(field), fmt::format("expected a string or integer id, found {}", v.type_name()));
}

std::optional<std::string> optional_string(const JsonlRecord& rec, const std::string& file, std::string_view field) {
  auto it = rec.value.find(field);
  if (it == rec.value.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw InputError(file, rec.line, std::string(field), fmt::format("expected a string, found {}", it->type_name()));
  return it->get<std::string>();
}

}  // namespace trafl
