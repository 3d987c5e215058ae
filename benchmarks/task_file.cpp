// YAML task files -> TaskDefinition (see task_file.hpp). The only unit that includes yaml-cpp.
#include "benchmarks/task_file.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include "core/error.hpp"
#include "tokenizer/jinja_error.hpp"
#include "grading/grade.hpp"

namespace trafl {

namespace {

// yaml-cpp marks are 0-based; messages count lines from 1.
std::size_t line_of(const YAML::Node& n) { return static_cast<std::size_t>(n.Mark().line) + 1; }

// Reads one mapping's keys, refusing keys it does not know (a typo must not fall back to a default).
class MapReader {
 public:
  MapReader(std::string file, YAML::Node map, std::string prefix, std::set<std::string> known)
      : file_(std::move(file)), map_(std::move(map)), prefix_(std::move(prefix)), known_(std::move(known)) {
    for (const auto& kv : map_) {
      const std::string key = kv.first.Scalar();
      if (!known_.count(key))
        throw InputError(file_, line_of(kv.first), prefix_ + key,
                         fmt::format("unknown key (known here: {})", fmt::join(known_, ", ")));
    }
  }
  std::string where(const std::string& key) const { return prefix_ + key; }
  YAML::Node node(const std::string& key) const { return map_[key]; }
  bool has(const std::string& key) const {
    YAML::Node n = map_[key];
    return n.IsDefined() && !n.IsNull();
  }
  std::size_t line() const { return line_of(map_); }

  std::string text(const std::string& key, bool required, const std::string& fallback = "") const {
    if (!has(key)) {
      if (required) throw InputError(file_, line(), where(key), "missing");
      return fallback;
    }
    YAML::Node n = map_[key];
    if (!n.IsScalar()) throw InputError(file_, line_of(n), where(key), "expected text");
    if (n.Scalar().empty() && required) throw InputError(file_, line_of(n), where(key), "empty");
    return n.Scalar();
  }
  YAML::Node mapping(const std::string& key, bool required) const {
    if (!has(key)) {
      if (required) throw InputError(file_, line(), where(key), "missing");
      return YAML::Node();
    }
    YAML::Node n = map_[key];
    if (!n.IsMap()) throw InputError(file_, line_of(n), where(key), "expected a mapping (key: value lines)");
    return n;
  }

 private:
  std::string file_;
  YAML::Node map_;
  std::string prefix_;
  std::set<std::string> known_;
};

bool is_identifier(std::string_view s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Plain {{field}} substitutions, or else the Jinja subset the chat templates use (a construct it does
// not render is an error naming the file's line and the template's line and column).
std::optional<PromptTemplate> parse_plain_template(const std::string& text) {
  if (text.find("{%") != std::string::npos || text.find("{#") != std::string::npos) return std::nullopt;
  PromptTemplate t;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto open = text.find("{{", at);
    if (open == std::string::npos) {
      t.pieces.push_back({false, text.substr(at)});
      break;
    }
    if (open > at) t.pieces.push_back({false, text.substr(at, open - at)});
    const auto close = text.find("}}", open + 2);
    if (close == std::string::npos) return std::nullopt;
    std::string inner = text.substr(open + 2, close - open - 2);
    const auto b = inner.find_first_not_of(" \t"), e = inner.find_last_not_of(" \t");
    inner = b == std::string::npos ? "" : inner.substr(b, e - b + 1);
    if (!is_identifier(inner)) return std::nullopt;
    t.pieces.push_back({true, inner});
    at = close + 2;
  }
  return t;
}

PromptTemplate parse_template(const std::string& text, const std::string& file, std::size_t line) {
  std::optional<PromptTemplate> t = parse_plain_template(text);
  if (!t) {
    t.emplace();
    try {
      // jinja2's defaults, as lm-eval renders doc_to_text (no trim_blocks: a newline after a tag stays).
      t->jinja = std::make_shared<const chat::Template>(text, file + " (prompt)", chat::Whitespace::jinja2_defaults());
    } catch (const chat::TemplateError& e) {
      throw InputError(file, line, "prompt", e.what());
    }
  } else if (std::none_of(t->pieces.begin(), t->pieces.end(), [](const auto& p) { return p.is_field; })) {
    throw InputError(file, line, "prompt", "no {{field}} in the template: every problem would get the same prompt");
  }
  return *t;
}

GoldExtraction parse_extraction(const std::string& text, const std::string& file, std::size_t line) {
  if (text == "gsm8k") return GoldExtraction::kGsm8k;
  if (text == "boxed") return GoldExtraction::kBoxed;
  if (text == "as_is") return GoldExtraction::kAsIs;
  throw InputError(file, line, "gold.extract", fmt::format("unknown extraction '{}' (gsm8k, boxed, as_is)", text));
}

std::vector<std::string> parse_modes(const YAML::Node& n, const std::string& file, std::size_t map_line) {
  if (!n.IsDefined() || n.IsNull()) throw InputError(file, map_line, "modes", "missing");
  if (!n.IsSequence() || n.size() == 0)
    throw InputError(file, line_of(n), "modes", "expected a non-empty list of grading modes");
  std::vector<std::string> modes;
  for (const auto& m : n) {
    if (!m.IsScalar()) throw InputError(file, line_of(m), "modes", "expected a mode name");
    const std::string mode = m.Scalar();
    if (!is_math_mode(mode))
      throw InputError(file, line_of(m), "modes",
                       fmt::format("unknown grading mode '{}' (modes: {})", mode, fmt::join(math_modes(), ", ")));
    if (std::find(modes.begin(), modes.end(), mode) != modes.end())
      throw InputError(file, line_of(m), "modes", fmt::format("'{}' listed twice", mode));
    modes.push_back(mode);
  }
  return modes;
}

}  // namespace

bool is_task_file(std::string_view name) {
  auto ends = [&](std::string_view suffix) {
    return name.size() > suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  return ends(".yaml") || ends(".yml");
}

TaskDefinition read_task_file(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw InputError(path, 0, "", "cannot read the task file");
  } catch (const YAML::Exception& e) {
    throw InputError(path, static_cast<std::size_t>(e.mark.line) + 1, "", fmt::format("YAML: {}", e.msg));
  }
  if (!root.IsMap()) throw InputError(path, root.IsDefined() ? line_of(root) : 0, "", "expected a mapping of keys");
  try {
    MapReader top(path, root, "", {"name", "description", "data", "fields", "prompt", "gold", "modes"});
    TaskDefinition d;
    d.file = path;
    d.name = top.text("name", true);
    if (!std::all_of(d.name.begin(), d.name.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        }))
      throw InputError(path, line_of(top.node("name")), "name", "use letters, digits, '_', '-' and '.' only");
    const auto builtins = task_names();
    if (std::find(builtins.begin(), builtins.end(), d.name) != builtins.end())
      throw InputError(path, line_of(top.node("name")), "name",
                       fmt::format("'{}' is a built-in task; a task file needs a name of its own", d.name));
    d.description = top.text("description", false);
    if (top.has("data")) {
      const std::filesystem::path data(top.text("data", true));
      d.data = data.is_absolute() ? data.string() : (std::filesystem::path(path).parent_path() / data).string();
    }

    MapReader fields(path, top.mapping("fields", true), "fields.", {"question", "answer", "id", "metadata"});
    d.question_field = fields.text("question", true);
    d.answer_field = fields.text("answer", true);
    d.id_field = fields.text("id", false);
    if (YAML::Node meta = fields.mapping("metadata", false); meta.IsDefined())
      for (const auto& kv : meta) {
        if (!kv.second.IsScalar() || kv.second.Scalar().empty())
          throw InputError(path, line_of(kv.second), "fields.metadata." + kv.first.Scalar(), "expected a field name");
        d.metadata.emplace_back(kv.first.Scalar(), kv.second.Scalar());
      }

    const std::string prompt = top.text("prompt", true);  // first: line_of needs the key to exist
    d.prompt = parse_template(prompt, path, line_of(top.node("prompt")));

    MapReader gold(path, top.mapping("gold", true), "gold.", {"field", "extract"});
    d.gold_field = gold.text("field", false, d.answer_field);
    const std::string extract = gold.text("extract", true);
    d.gold = parse_extraction(extract, path, line_of(gold.node("extract")));

    d.modes = parse_modes(top.node("modes"), path, top.line());
    return d;
  } catch (const YAML::Exception& e) {  // a conversion yaml-cpp refuses (e.g. a key that is not a scalar)
    throw InputError(path, static_cast<std::size_t>(e.mark.line) + 1, "", fmt::format("YAML: {}", e.msg));
  }
}

std::unique_ptr<Task> load_task_file(const std::string& path) {
  return std::make_unique<DefinedTask>(read_task_file(path));
}

}  // namespace trafl
