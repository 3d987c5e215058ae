#pragma once
// Thin RAII layer over the SQLite C API, private to the store: a prepared statement that finalizes
// itself, a transaction that rolls back unless committed, and error checks that name the database
// file. Nothing outside src/store includes this.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace trafl::sql {

// Throws for a failed SQLite call. "Not a database" / corruption are InputErrors (the user gave us
// the wrong file); everything else is a runtime_error naming the file and SQLite's message.
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& path, std::string_view what);
inline void check(sqlite3* db, int rc, const std::string& path, std::string_view what) {
  if (rc != SQLITE_OK) fail(db, rc, path, what);
}

// Runs one or more statements that return no rows we care about.
void exec(sqlite3* db, const std::string& path, const char* sql);

class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, const std::string& path, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& o) noexcept;
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binders take 1-based parameter indexes; text and blobs are copied by SQLite only when the
  // caller's buffer would not outlive the step (SQLITE_TRANSIENT), so callers need no care.
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind_real(int i, double v);
  Stmt& bind(int i, std::string_view text);
  // No copy: `text` must stay valid until the statement is stepped and reset (hot ingest loops).
  Stmt& bind_static(int i, std::string_view text);
  Stmt& bind_blob(int i, const void* data, std::size_t size);
  Stmt& bind_null(int i);

  // True while there is a row; false when done. Throws on error (the statement is reset).
  bool step();
  // Steps a statement that returns no rows; returns sqlite3_changes() for it.
  int run();
  void reset();  // reset + clear bindings: ready for the next use of a cached statement

  std::int64_t col_int(int i) const { return sqlite3_column_int64(stmt_, i); }
  std::string col_text(int i) const;
  std::string col_blob(int i) const;
  bool col_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  const std::string* path_ = nullptr;  // owned by the Store, which outlives its statements
};

// A cached statement in use: resets it (bindings cleared, read snapshot released) when the scope
// ends, so a half-stepped SELECT never pins an old WAL snapshot or blocks a checkpoint.
class Use {
 public:
  explicit Use(Stmt& s) : s_(s) {}
  ~Use() { s_.reset(); }
  Use(const Use&) = delete;
  Use& operator=(const Use&) = delete;
  Stmt* operator->() { return &s_; }
  Stmt& operator*() { return s_; }

 private:
  Stmt& s_;
};

// BEGIN IMMEDIATE … COMMIT. Immediate so that the write lock is taken up front (a busy database
// waits in busy_timeout here rather than failing half-way through a batch). Rolls back if the
// object dies uncommitted (an exception in the middle of a batch leaves nothing behind).
class Transaction {
 public:
  Transaction(sqlite3* db, const std::string& path);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  const std::string& path_;
  bool open_ = true;
};

}  // namespace trafl::sql
