#include "store/sqlite.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "core/error.hpp"

namespace trafl::sql {

void fail(sqlite3* db, int rc, const std::string& path, std::string_view what) {
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
    throw InputError(path, 0, "",
                     fmt::format("not a usable SQLite database ({}); is this a trafl-eval database?", msg));
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
    throw std::runtime_error(fmt::format("{}: database is locked by another process ({}: {})", path, what, msg));
  throw std::runtime_error(fmt::format("{}: SQLite error in {}: {}", path, what, msg));
}

void exec(sqlite3* db, const std::string& path, const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    // fail() appends SQLite's message itself: name the statement here (passing the message as `what`
    // too had said everything twice: "SQLite error in table x already exists: table x already exists").
    sqlite3_free(err);
    std::string text = sql;
    std::replace(text.begin(), text.end(), '\n', ' ');
    fail(db, rc, path, fmt::format("`{}`", text.size() > 80 ? text.substr(0, 77) + "..." : text));
  }
}

Stmt::Stmt(sqlite3* db, const std::string& path, std::string_view sql) : db_(db), path_(&path) {
  int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db, rc, path, fmt::format("preparing `{}`", sql));
}

Stmt::~Stmt() {
  if (stmt_) sqlite3_finalize(stmt_);
}

Stmt::Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_), path_(o.path_) { o.stmt_ = nullptr; }

Stmt& Stmt::operator=(Stmt&& o) noexcept {
  if (this != &o) {
    if (stmt_) sqlite3_finalize(stmt_);
    db_ = o.db_;
    stmt_ = o.stmt_;
    path_ = o.path_;
    o.stmt_ = nullptr;
  }
  return *this;
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  check(db_, sqlite3_bind_int64(stmt_, i, v), *path_, "bind");
  return *this;
}

Stmt& Stmt::bind_real(int i, double v) {
  check(db_, sqlite3_bind_double(stmt_, i, v), *path_, "bind");
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view text) {
  check(db_, sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8), *path_, "bind");
  return *this;
}

Stmt& Stmt::bind_static(int i, std::string_view text) {
  check(db_, sqlite3_bind_text64(stmt_, i, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8), *path_, "bind");
  return *this;
}

Stmt& Stmt::bind_blob(int i, const void* data, std::size_t size) {
  if (size == 0) return bind_null(i);
  check(db_, sqlite3_bind_blob64(stmt_, i, data, size, SQLITE_TRANSIENT), *path_, "bind");
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  check(db_, sqlite3_bind_null(stmt_, i), *path_, "bind");
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  std::string sql = sqlite3_sql(stmt_) ? sqlite3_sql(stmt_) : "";
  sqlite3_reset(stmt_);
  fail(db_, rc, *path_, fmt::format("`{}`", sql.substr(0, 80)));
}

int Stmt::run() {
  while (step()) {}
  return sqlite3_changes(db_);
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Stmt::col_text(int i) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
}

std::string Stmt::col_blob(int i) const {
  const auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, i));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : std::string();
}

Transaction::Transaction(sqlite3* db, const std::string& path) : db_(db), path_(path) {
  exec(db_, path_, "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  exec(db_, path_, "COMMIT");
  open_ = false;
}

}  // namespace trafl::sql
