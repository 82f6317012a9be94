#pragma once
// A thin RAII layer over SQLite for nook's metadata (images, names,
// layers; later containers and volumes). WAL mode and a busy timeout let
// several nook processes read and write one database at once; write
// transactions start IMMEDIATE so that two writers queue instead of
// failing half-way with SQLITE_BUSY.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace nook::db {

class Statement;

class Database {
 public:
  // Opens (creating) the database file; throws Error naming the path.
  explicit Database(const std::string& path);
  Database(Database&& o) noexcept;
  Database& operator=(Database&&) = delete;
  Database(const Database&) = delete;
  ~Database();

  // Runs one or more statements without results (schema, pragmas).
  void exec(std::string_view sql);
  Statement prepare(std::string_view sql);
  int64_t changes() const;
  const std::string& path() const { return path_; }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  Statement(Statement&& o) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in SQL's ?1.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, int64_t value);
  Statement& bind_null(int index);
  // Binds each argument to ?1, ?2, ... in order.
  template <typename... Args>
  Statement& bind_all(const Args&... args) {
    int i = 0;
    (bind_one(++i, args), ...);
    return *this;
  }

  // Advances to the next row; false when done.
  bool step();
  // Runs a statement that returns no rows.
  void run() {
    while (step()) {
    }
  }
  void reset();

  std::string text(int column) const;
  int64_t integer(int column) const;
  bool is_null(int column) const;

 private:
  void bind_one(int i, std::string_view v) { bind(i, v); }
  void bind_one(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind_one(int i, const char* v) { bind(i, std::string_view(v)); }
  void bind_one(int i, int64_t v) { bind(i, v); }
  void bind_one(int i, uint64_t v) { bind(i, static_cast<int64_t>(v)); }
  void bind_one(int i, int v) { bind(i, static_cast<int64_t>(v)); }
  void bind_one(int i, std::nullptr_t) { bind_null(i); }

  Database* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string sql_;
};

// BEGIN IMMEDIATE ... COMMIT; rolled back unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Database& db);
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace nook::db
