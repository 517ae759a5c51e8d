// SPDX-License-Identifier: Apache-2.0
// SQLite connections for the sqlite storage plugin: a Connection (one sqlite3
// handle configured for durability: WAL, synchronous=FULL, foreign keys, busy
// timeout), its cache of prepared statements, a bounded pool
// of them shared by the plugin's callers, and the process-wide write gate that
// lets one transaction write at a time. SQLite result codes become sdk::Error
// with a trellis_status: busy/locked -> TRELLIS_E_UNAVAILABLE (retryable),
// full/I/O/corrupt -> TRELLIS_E_IO, read-only/permission -> TRELLIS_E_DENIED.
//
// A connection is used by one thread at a time (SQLITE_OPEN_NOMUTEX); the pool
// hands it out exclusively. Nothing here is thread-safe except the pool and
// the gate.
#pragma once

#include <sqlite3.h>
#include <trellis/plugin.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace trellis::storage::sqlite {

trellis_status status_for_sqlite(int rc);
// Throws sdk::Error("<context>: <sqlite message>") with status_for_sqlite(rc).
[[noreturn]] void throw_sqlite(sqlite3 *db, int rc, std::string_view context);

// A prepared statement borrowed from a Connection's cache; reset and unbound
// when it goes out of scope. Parameters are bound by name (":id"); binding a
// name the statement does not use is a no-op, so one binder serves the generic
// and the per-collection variants of a statement.
class Statement {
 public:
  // owned: finalize on destruction instead of returning to the cache.
  Statement(sqlite3 *db, sqlite3_stmt *stmt, bool owned = false)
      : db_(db), stmt_(stmt), owned_(owned) {}
  Statement(const Statement &) = delete;
  Statement &operator=(const Statement &) = delete;
  ~Statement();

  Statement &bind(const char *name, std::string_view text);
  Statement &bind(const char *name, int64_t value);
  // true: a row is ready; false: done. Throws on error.
  bool step();
  std::string_view text(int column) const;
  int64_t integer(int column) const;

 private:
  sqlite3 *db_;
  sqlite3_stmt *stmt_;
  bool owned_;
};

class Connection {
 public:
  // Opens (creating if needed) and configures; throws sdk::Error.
  Connection(const std::string &path, int64_t busy_timeout_ms);
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;
  ~Connection();

  // Cached while the cache holds fewer than kMaxCached statements (scan
  // filters on arbitrary fields could otherwise grow it without bound).
  Statement prepare(const std::string &sql);
  static constexpr size_t kMaxCached = 256;
  // Runs statements that return no rows (DDL, BEGIN, COMMIT).
  void exec(std::string_view sql, std::string_view context);
  // True while a transaction is open on this connection (SQLite may end one
  // by itself after some errors: disk full, I/O error).
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3 *handle() const { return db_; }

 private:
  sqlite3 *db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt *> cache_;
};

class ConnectionPool;

// Exclusive use of one pooled connection; returns it on destruction.
class Lease {
 public:
  Lease() = default;
  Lease(ConnectionPool *pool, std::unique_ptr<Connection> conn)
      : pool_(pool), conn_(std::move(conn)) {}
  Lease(Lease &&) noexcept = default;
  Lease &operator=(Lease &&) noexcept;
  Lease(const Lease &) = delete;
  Lease &operator=(const Lease &) = delete;
  ~Lease() { reset(); }

  Connection &operator*() const { return *conn_; }
  Connection *operator->() const { return conn_.get(); }
  void reset();

 private:
  ConnectionPool *pool_ = nullptr;
  std::unique_ptr<Connection> conn_;
};

// Up to `size` connections, opened on demand and kept. Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(std::string path, int64_t busy_timeout_ms, size_t size);
  ~ConnectionPool();
  // Throws sdk::Error(TRELLIS_E_UNAVAILABLE) when none frees up in time.
  Lease acquire(std::chrono::milliseconds timeout);
  // Connections currently lent out.
  size_t leased() const;

 private:
  friend class Lease;
  void give_back(std::unique_ptr<Connection> conn);

  const std::string path_;
  const int64_t busy_timeout_ms_;
  const size_t size_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t open_ = 0;  // idle + leased
};

// One writing transaction per process at a time. SQLite itself allows one
// writer per database; queueing in-process writers here, rather than letting
// them spin in SQLite's busy handler, keeps waits short and fair enough. Unlike
// a mutex it may be released by another thread than the one that acquired it
// (a transaction may move between pool threads).
class WriteGate {
 public:
  bool acquire(std::chrono::milliseconds timeout);
  void release();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
};

}  // namespace trellis::storage::sqlite
