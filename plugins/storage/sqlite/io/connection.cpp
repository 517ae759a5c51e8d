// SPDX-License-Identifier: Apache-2.0
// SQLite connections, statements, the connection pool and the write gate (see
// connection.hpp).
#include "connection.hpp"

#include <trellis/plugin.hpp>

namespace trellis::storage::sqlite {

trellis_status status_for_sqlite(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_ROW:
    case SQLITE_DONE:
      return TRELLIS_OK;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return TRELLIS_E_UNAVAILABLE;
    case SQLITE_NOMEM:
      return TRELLIS_E_NOMEM;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return TRELLIS_E_DENIED;
    case SQLITE_TOOBIG:
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return TRELLIS_E_INVALID;
    case SQLITE_INTERRUPT:
      return TRELLIS_E_CLOSED;
    case SQLITE_ERROR:
    case SQLITE_MISUSE:
    case SQLITE_INTERNAL:
      return TRELLIS_E_INTERNAL;
    default:  // SQLITE_FULL, SQLITE_IOERR*, SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_CANTOPEN...
      return TRELLIS_E_IO;
  }
}

void throw_sqlite(sqlite3 *db, int rc, std::string_view context) {
  std::string msg(context);
  msg += ": ";
  msg += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    msg += " (another writer held the database past busy_timeout_ms; retry)";
  }
  throw sdk::Error(status_for_sqlite(rc), msg);
}

// ---------------------------------------------------------------------------

Statement::~Statement() {
  if (owned_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Statement &Statement::bind(const char *name, std::string_view text) {
  const int idx = sqlite3_bind_parameter_index(stmt_, name);
  if (idx == 0) return *this;
  const int rc =
      sqlite3_bind_text64(stmt_, idx, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "binding a parameter");
  return *this;
}

Statement &Statement::bind(const char *name, int64_t value) {
  const int idx = sqlite3_bind_parameter_index(stmt_, name);
  if (idx == 0) return *this;
  const int rc = sqlite3_bind_int64(stmt_, idx, value);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "binding a parameter");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  throw_sqlite(db_, rc, "sqlite statement failed");
}

std::string_view Statement::text(int column) const {
  const auto *p = reinterpret_cast<const char *>(sqlite3_column_text(stmt_, column));
  if (p == nullptr) {
    if (sqlite3_errcode(db_) == SQLITE_NOMEM) throw sdk::Error(TRELLIS_E_NOMEM, "out of memory");
    return {};
  }
  return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

// ---------------------------------------------------------------------------

Connection::Connection(const std::string &path, int64_t busy_timeout_ms) {
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw sdk::Error(status_for_sqlite(rc), "cannot open sqlite database " + path + ": " + msg);
  }
  try {
    sqlite3_busy_timeout(db_, static_cast<int>(busy_timeout_ms));
    // WAL: readers never block the writer. synchronous=FULL: the WAL is synced
    // at every commit, so an acknowledged commit survives power loss too.
    {
      Statement s = prepare("PRAGMA journal_mode=WAL");
      if (!s.step() || s.text(0) != "wal") {
        throw sdk::Error(TRELLIS_E_IO, "cannot enable WAL journal mode on " + path +
                                           " (is the file system local?)");
      }
    }
    exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", "configuring the connection");
  } catch (...) {
    for (auto &entry : cache_) sqlite3_finalize(entry.second);
    cache_.clear();
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw;
  }
}

Connection::~Connection() {
  for (auto &entry : cache_) sqlite3_finalize(entry.second);
  if (db_ != nullptr && in_transaction()) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close_v2(db_);
}

Statement Connection::prepare(const std::string &sql) {
  if (auto it = cache_.find(sql); it != cache_.end()) return Statement(db_, it->second);
  const bool keep = cache_.size() < kMaxCached;
  sqlite3_stmt *stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    keep ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, "preparing a statement");
  if (!keep) return Statement(db_, stmt, /*owned=*/true);
  cache_.emplace(sql, stmt);
  return Statement(db_, stmt);
}

void Connection::exec(std::string_view sql, std::string_view context) {
  const std::string text(sql);
  char *err = nullptr;
  const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) throw_sqlite(db_, rc, context);
}

// ---------------------------------------------------------------------------

Lease &Lease::operator=(Lease &&o) noexcept {
  if (this != &o) {
    reset();
    pool_ = o.pool_;
    conn_ = std::move(o.conn_);
  }
  return *this;
}

void Lease::reset() {
  if (conn_ != nullptr && pool_ != nullptr) pool_->give_back(std::move(conn_));
  conn_.reset();
}

ConnectionPool::ConnectionPool(std::string path, int64_t busy_timeout_ms, size_t size)
    : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms), size_(size) {}

ConnectionPool::~ConnectionPool() = default;

Lease ConnectionPool::acquire(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const bool ready = cv_.wait_for(lock, timeout, [&] { return !idle_.empty() || open_ < size_; });
  if (!ready) {
    throw sdk::Error(TRELLIS_E_UNAVAILABLE, "all " + std::to_string(size_) +
                                                " sqlite connections stayed busy; raise pool_size "
                                                "or retry");
  }
  if (!idle_.empty()) {
    std::unique_ptr<Connection> conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  try {
    return Lease(this, std::make_unique<Connection>(path_, busy_timeout_ms_));
  } catch (...) {
    lock.lock();
    --open_;
    cv_.notify_one();
    throw;
  }
}

size_t ConnectionPool::leased() const {
  std::lock_guard lock(mu_);
  return open_ - idle_.size();
}

void ConnectionPool::give_back(std::unique_ptr<Connection> conn) {
  // A connection goes back clean: a transaction left open by an error path is
  // rolled back, and a connection that cannot even do that is closed.
  if (conn->in_transaction() &&
      sqlite3_exec(conn->handle(), "ROLLBACK", nullptr, nullptr, nullptr) != SQLITE_OK) {
    conn.reset();
  }
  {
    std::lock_guard lock(mu_);
    if (conn != nullptr) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  cv_.notify_one();
}

// ---------------------------------------------------------------------------

bool WriteGate::acquire(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, timeout, [&] { return !held_; })) return false;
  held_ = true;
  return true;
}

void WriteGate::release() {
  {
    std::lock_guard lock(mu_);
    held_ = false;
  }
  cv_.notify_one();
}

}  // namespace trellis::storage::sqlite
