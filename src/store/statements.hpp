#pragma once
// Private to src/store: the Store's cache of prepared statements, shared by the files that
// implement its parts (store.cpp, store_analysis.cpp, store_training.cpp).
#include <cstdint>
#include <string>
#include <unordered_map>

#include "store/sqlite.hpp"
#include "store/store.hpp"

namespace trafl {

// Prepared statements, prepared once per Store on first use and reused (reset between uses),
// plus the (run → problem id → problem row) map that put_samples needs for every row.
struct Store::Statements {
  std::unordered_map<std::string, sql::Stmt> cache;
  std::int64_t refs_run = -1;
  std::unordered_map<std::string, std::int64_t> refs;
};

inline sql::Stmt& cached(sqlite3* db, const std::string& path, std::unordered_map<std::string, sql::Stmt>& cache,
                         const char* text) {
  auto it = cache.find(text);
  if (it == cache.end()) it = cache.emplace(text, sql::Stmt(db, path, text)).first;
  return it->second;
}

// A problem's stored metadata column (a JSON object of split keys) as the records carry it: strings
// as they are, other values as JSON text; anything but an object is no metadata.
inline std::map<std::string, std::string> metadata_from_text(const std::string& text) {
  std::map<std::string, std::string> out;
  auto meta = nlohmann::json::parse(text, nullptr, false);
  if (meta.is_object())
    for (auto& [k, v] : meta.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
  return out;
}

// The Problem of a row selected as (problem_id, question, prompt, gold, reference, metadata): the
// one decoding of a stored problem, for every query that returns whole problems.
inline Problem problem_from_row(const sql::Stmt& q) {
  Problem p;
  p.id = q.col_text(0);
  p.question = q.col_text(1);
  p.prompt = q.col_text(2);
  p.gold = q.col_text(3);
  p.reference = q.col_text(4);
  p.metadata = metadata_from_text(q.col_text(5));
  return p;
}

}  // namespace trafl

// Inside a Store member: the cached statement for `text`, reset when the scope ends.
#define TRAFL_STMT(text) ::trafl::sql::Use(::trafl::cached(db_, path_, stmts_->cache, text))
