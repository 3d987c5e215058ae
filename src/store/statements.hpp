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

}  // namespace trafl

// Inside a Store member: the cached statement for `text`, reset when the scope ends.
#define TRAFL_STMT(text) ::trafl::sql::Use(::trafl::cached(db_, path_, stmts_->cache, text))
