#pragma once
// Fixtures for the [campaign] tests (torch-free): a tiny random LLaDA checkpoint written through
// init_model, a GSM8K-format task file, and a canonical dump of a run database for comparisons.
#include <sqlite3.h>

#include <string>
#include <vector>

#include "model/config.hpp"
#include "model/init_model.hpp"
#include "tests/support.hpp"

namespace trafl::test {

// The tiny byte-level tokenizer's ids: 256 bytes, BOS 256, EOS 257, headers 258/259, EOT 260, MASK 261.
inline std::string write_tiny_model(const TempDir& dir, const std::string& name, std::uint64_t seed) {
  const model::ModelConfig c = model::tiny_byte_llada_config(32, 2, 64, 512);
  const std::string cfg = dir.file(name + "-config.json");
  model::write_model_config(cfg, c);
  model::InitModelOptions o;
  o.config_path = cfg;
  o.out_dir = dir.file(name);
  o.seed = seed;
  model::init_model(o);
  return o.out_dir;
}

// GSM8K test.jsonl shape: question + worked answer ending in "#### N".
inline std::string write_gsm8k(const TempDir& dir, int problems, const std::string& name = "gsm8k.jsonl") {
  std::string text;
  for (int i = 0; i < problems; ++i)
    text += "{\"question\": \"What is " + std::to_string(i) + " + " + std::to_string(i % 3) +
            "?\", \"answer\": \"It is " + std::to_string(i + i % 3) + ".\\n#### " + std::to_string(i + i % 3) + "\"}\n";
  const std::string path = dir.file(name);
  write_file(path, text);
  return path;
}

// One line per sample: model, config, problem, index, completion, token ids, trajectory (hex) and
// its grades (mode:correct:verdict), ordered, independent of row ids and insertion order.
inline std::vector<std::string> dump_samples(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::vector<std::string> out;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return out;
  }
  const char* q =
      "SELECT r.model || '|' || r.config || '|' || p.problem_id || '|' || s.sample_index || '|' || s.completion || '|' || "
      "hex(s.token_ids) || '|' || hex(s.trajectory) || '|' || coalesce((SELECT group_concat(x, ',') FROM (SELECT g.mode || ':' "
      "|| g.correct || ':' || g.verdict AS x FROM grades g WHERE g.sample_id = s.id ORDER BY g.mode)), '') "
      "FROM samples s JOIN problems p ON p.id = s.problem_ref JOIN runs r ON r.id = s.run_id "
      "ORDER BY r.model, r.config, p.problem_id, s.sample_index";
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, q, -1, &st, nullptr) == SQLITE_OK)
    while (sqlite3_step(st) == SQLITE_ROW) out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

inline long long count_rows(const std::string& db_path, const std::string& table) {
  sqlite3* db = nullptr;
  long long n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, ("SELECT count(*) FROM " + table).c_str(), -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

}  // namespace trafl::test
