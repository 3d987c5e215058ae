#pragma once
// The store's schema as an ordered list of migrations. A database records the migrations applied
// in PRAGMA user_version and identifies itself as trafl-eval's with PRAGMA application_id, so a
// foreign SQLite file (or a random file) is refused before anything is written to it.
// Rule: never edit a migration that has shipped; append a new one.
#include <sqlite3.h>

#include <string>
#include <vector>

namespace trafl::schema {

inline constexpr int kApplicationId = 0x7472666c;  // "trfl"

struct Migration {
  int version;  // the user_version after this migration
  const char* description;
  const char* sql;
};

const std::vector<Migration>& migrations();
int latest_version();

// Refuses files that are not ours (InputError naming the file): not SQLite at all, a SQLite
// file with foreign tables or application_id, or a schema newer than this build knows.
// Returns the current schema version (0 for a brand-new, empty file).
int check_identity(sqlite3* db, const std::string& path);

// Applies migrations above the current version up to `target` (default: latest) in one
// IMMEDIATE transaction, so concurrent openers serialise and a crash leaves the old version.
// Returns the resulting version. Tests use `target` to build databases of an older version.
int migrate(sqlite3* db, const std::string& path, int target = -1);

}  // namespace trafl::schema
