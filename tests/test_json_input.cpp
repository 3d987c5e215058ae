// The one JSON/JSONL reading path (core/json_text, core/jsonl, core/file_io): hostile inputs found by
// attacking the tool (issue 22) each give file:line and a plain message, never nlohmann's raw
// exception, and never a silently different value.
#include <catch2/catch.hpp>

#include <string>

#include "core/error.hpp"
#include "core/file_io.hpp"
#include "core/json_text.hpp"
#include "core/jsonl.hpp"
#include "core/option_reader.hpp"
#include "training/train_config.hpp"
#include "tests/support.hpp"

using Catch::Contains;
using trafl::InputError;
using trafl::test::TempDir;
using trafl::test::write_file;

namespace {

// The InputError of reading every record of `path`, or "" when it reads cleanly.
std::string jsonl_error(const std::string& path, std::size_t* line = nullptr) {
  try {
    trafl::JsonlReader reader(path);
    trafl::JsonlRecord rec;
    while (reader.next(rec)) {}
  } catch (const InputError& e) {
    if (line) *line = e.line();
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("json input: a number outside the double range names file and line, not out_of_range.406", "[json]") {
  TempDir dir;
  auto path = dir.file("big.jsonl");
  write_file(path, "{\"a\": 1}\n{\"a\": 2}\n{\"a\": 1e999}\n");
  std::size_t line = 0;
  auto msg = jsonl_error(path, &line);
  CHECK(line == 3);
  CHECK_THAT(msg, Contains("big.jsonl:3") && Contains("1e999") && Contains("range"));
  CHECK_THAT(msg, !Contains("json.exception"));

  // A whole JSON file (config.json, tokenizer.json, option files): the line within the file.
  auto cfg = dir.file("config.json");
  write_file(cfg, "{\n  \"hidden_size\": 8,\n  \"rope_theta\": -1e999\n}\n");
  try {
    trafl::read_json_file(cfg, "model config");
    FAIL("accepted");
  } catch (const InputError& e) {
    CHECK(e.line() == 3);
    CHECK_THAT(std::string(e.what()), Contains("config.json:3") && Contains("1e999") && !Contains("json.exception"));
  }
  // The same text inside a string is fine, and so is the largest double.
  CHECK(trafl::parse_json_text(R"({"a": "1e999", "b": 1.7e308})")["a"] == "1e999");
}

TEST_CASE("json input: a raw NUL byte is an error on its own line, and later lines keep their numbers", "[json]") {
  TempDir dir;
  auto path = dir.file("nul.jsonl");
  std::string text = "{\"a\": 1}\n{\"a\": \"x";
  text += '\0';
  text += "y\", \"b\": 2}\n{\"a\": 3}\n";
  write_file(path, text);
  std::size_t line = 0;
  auto msg = jsonl_error(path, &line);
  CHECK(line == 2);
  CHECK_THAT(msg, Contains("nul.jsonl:2") && Contains("NUL"));

  // Read past nothing: a NUL that ends a line used to glue the next line on (gzgets' C string), so the
  // third line came back numbered 2 and the rest of line 2 vanished.
  TempDir dir2;
  auto ok = dir2.file("lines.jsonl");
  write_file(ok, "{\"a\": 1}\n\n{\"a\": 3}\n{\"a\": 4}");  // blank line, no final newline
  trafl::JsonlReader reader(ok);
  trafl::JsonlRecord rec;
  std::vector<std::size_t> lines;
  while (reader.next(rec)) lines.push_back(rec.line);
  CHECK(lines == std::vector<std::size_t>{1, 3, 4});
  CHECK(rec.value["a"] == 4);
}

TEST_CASE("json input: a key twice in one object is refused, naming the key", "[json]") {
  TempDir dir;
  auto path = dir.file("dup.jsonl");
  write_file(
      path,
      "{\"question\": \"a\", \"answer\": \"#### 1\"}\n{\"question\": \"a\", \"answer\": \"#### 1\", \"answer\": \"#### 2\"}\n");
  std::size_t line = 0;
  auto msg = jsonl_error(path, &line);
  CHECK(line == 2);
  CHECK_THAT(msg, Contains("dup.jsonl:2") && Contains("\"answer\"") && Contains("twice"));

  // Nested, and in whole files.
  CHECK_THROWS_WITH(trafl::parse_json_text(R"({"a": {"x": 1, "y": 2, "x": 3}})"), Contains("\"x\""));
  auto cfg = dir.file("index.json");
  write_file(cfg, R"({"weight_map": {"w": "a.safetensors", "w": "b.safetensors"}})");
  CHECK_THROWS_WITH(trafl::read_json_file(cfg, "checkpoint index"), Contains("index.json") && Contains("\"w\""));
  // The same key in two different objects, and many distinct keys (past the small-object scan), are fine.
  CHECK(trafl::parse_json_text(R"([{"x": 1}, {"x": 2}, {"a": {"x": 3}, "x": 4}])").size() == 3);
  std::string many = "{";
  for (int i = 0; i < 1000; ++i) many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\": " + std::to_string(i);
  CHECK(trafl::parse_json_text(many + "}").size() == 1000);
  CHECK_THROWS_WITH(trafl::parse_json_text(many + ", \"k999\": 0}"), Contains("\"k999\""));
}

TEST_CASE("json input: nesting deeper than the limit is refused, not a stack overflow later", "[json]") {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  CHECK_THROWS_WITH(trafl::parse_json_text(deep), Contains("nested deeper"));
  std::string ok(100, '[');
  ok += std::string(100, ']');
  CHECK_NOTHROW(trafl::parse_json_text(ok));
  // Syntax errors keep nlohmann's position but lose its bracketed id.
  CHECK_THROWS_WITH(trafl::parse_json_text("{\"a\": }"), Contains("column") && !Contains("json.exception"));
}

TEST_CASE("json input: integers past int64 are refused or kept exact, never wrapped", "[json]") {
  TempDir dir;
  auto path = dir.file("ids.jsonl");
  write_file(path, "{\"id\": 18446744073709551615, \"n\": 18446744073709551615}\n");
  trafl::JsonlReader reader(path);
  trafl::JsonlRecord rec;
  REQUIRE(reader.next(rec));
  CHECK(trafl::require_id(rec, path, "id") == "18446744073709551615");  // was "-1"
  CHECK_THROWS_WITH(trafl::require_int(rec, path, "n"), Contains("ids.jsonl:1") && Contains("too large"));
  // Option files: an objective's integer, and a training configuration's int field (threads 4294967297 had become 1).
  trafl::OptionReader r("espo", trafl::parse_json_text(R"({"num_mc": 18446744073709551615})"));
  CHECK_THROWS_WITH(r.integer("num_mc", 1), Contains("num_mc"));
  trafl::training::TrainConfig c;
  CHECK_THROWS_WITH(trafl::training::apply_json(c, trafl::parse_json_text(R"({"threads": 4294967297})"), "t.json"),
                    Contains("threads") && Contains("range"));
}
