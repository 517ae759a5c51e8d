// SPDX-License-Identifier: Apache-2.0
// The sqlite storage plugin's instance (see store.hpp): opening and migrating
// the database, transactions over the pool and the write gate, and the storage
// operations with their revision rules.
#include "store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <utility>

#include "../core/migrations.hpp"
#include "../core/sql.hpp"

namespace trellis::storage::sqlite {

namespace {

int64_t now_unix_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

std::unique_ptr<Store> Store::create(const trellis_create_params &params) {
  Config config = parse_config(params.config_json, params.state_dir, latest_schema_version());
  return std::make_unique<Store>(std::move(config), sdk::Logger(params.ctx));
}

Store::Store(Config config, sdk::Logger log)
    : config_(std::move(config)),
      log_(log),
      pool_(config_.path, config_.busy_timeout_ms, static_cast<size_t>(config_.pool_size)) {
  create_file();
  migrate();
  log_.info("sqlite database " + config_.path + " open, schema " + std::to_string(schema_version_));
}

Store::~Store() {
  if (const size_t open = pool_.leased(); open != 0) {
    log_.error("sqlite store destroyed with " + std::to_string(open) +
               " transaction(s) still open; their connections are abandoned");
  }
}

// The file is created here, owner-only, before SQLite opens it: it holds
// hashed credentials. SQLite gives the -wal and -shm files the same mode.
void Store::create_file() const {
  const int fd = ::open(config_.path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  const int err = errno;
  const std::string why = std::strerror(err);
  if (err == ENOENT) {
    throw sdk::Error(TRELLIS_E_IO, "cannot create sqlite database " + config_.path +
                                       ": its directory does not exist");
  }
  const trellis_status status =
      (err == EACCES || err == EPERM || err == EROFS) ? TRELLIS_E_DENIED : TRELLIS_E_IO;
  throw sdk::Error(status, "cannot open sqlite database " + config_.path + " read-write: " + why);
}

// One transaction: read the recorded version, refuse a newer one, apply the
// missing steps and record each. Another process migrating at the same time
// waits on BEGIN IMMEDIATE and then finds nothing left to do.
void Store::migrate() {
  if (!gate_.acquire(wait())) throw sdk::Error(TRELLIS_E_UNAVAILABLE, "migration: gate busy");
  struct Release {
    WriteGate &gate;
    ~Release() { gate.release(); }
  } release{gate_};
  Lease c = pool_.acquire(wait());
  c->exec("BEGIN IMMEDIATE", "starting the migration transaction");
  c->exec(kSchemaVersionTable, "creating schema_version");
  int64_t current = 0;
  {
    Statement s = c->prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
    s.step();
    current = s.integer(0);
  }
  const int64_t latest = latest_schema_version();
  if (current > latest)
    throw sdk::Error(TRELLIS_E_UNSUPPORTED, newer_schema_message(current, latest));
  const int64_t target = config_.max_migration >= 0 ? config_.max_migration : latest;
  for (const Migration &m : migrations()) {
    if (m.version <= current || m.version > target) continue;
    c->exec(m.sql, "schema migration " + std::to_string(m.version) + " (" +
                       std::string(m.description) + ")");
    Statement s = c->prepare(
        "INSERT INTO schema_version (version, description) VALUES (:version, :description)");
    s.bind(":version", m.version).bind(":description", m.description);
    s.step();
  }
  c->exec("COMMIT", "committing the migration");
  schema_version_ = std::max(current, target);
  if (schema_version_ != current) {
    log_.info("sqlite schema migrated from version " + std::to_string(current) + " to " +
              std::to_string(schema_version_));
  }
}

// ---------------------------------------------------------------------------
// Transactions

Txn *Store::begin() {
  if (!gate_.acquire(wait())) {
    throw sdk::Error(TRELLIS_E_UNAVAILABLE,
                     "another transaction held the sqlite write lock for longer than "
                     "busy_timeout_ms (" +
                         std::to_string(config_.busy_timeout_ms) + " ms); retry");
  }
  try {
    Lease c = pool_.acquire(wait());
    c->exec("BEGIN IMMEDIATE", "beginning a transaction");
    return new Txn(this, std::move(c));
  } catch (...) {
    gate_.release();
    throw;
  }
}

void Store::check_owned(const Txn *txn) const {
  if (txn == nullptr || txn->owner_ != this) {
    throw sdk::Error(TRELLIS_E_INVALID, "transaction does not belong to this storage instance");
  }
}

// The lease rolls back whatever is still open when it returns the connection.
void Store::end(Txn *txn) noexcept {
  txn->conn_.reset();
  gate_.release();
  delete txn;
}

void Store::commit(Txn *txn) {
  check_owned(txn);
  if (txn->state_ == Txn::State::kFailed) {
    const trellis_status status = txn->failed_status_;
    const std::string message = txn->failed_message_;
    end(txn);
    throw sdk::Error(status, "transaction was rolled back after an earlier error: " + message);
  }
  try {
    txn->conn_->exec("COMMIT", "committing");
  } catch (...) {
    end(txn);
    throw;
  }
  end(txn);
}

void Store::rollback(Txn *txn) noexcept {
  if (txn == nullptr || txn->owner_ != this) {
    log_.error("rollback of a transaction that does not belong to this instance ignored");
    return;
  }
  end(txn);
}

template <typename F>
auto Store::in_txn(Txn *txn, F &&f) {
  check_owned(txn);
  if (txn->state_ == Txn::State::kFailed) {
    throw sdk::Error(txn->failed_status_, "transaction already failed: " + txn->failed_message_);
  }
  try {
    return f(*txn->conn_);
  } catch (const sdk::Error &e) {
    if (!txn->conn_->in_transaction()) {
      // SQLite rolled the whole transaction back (disk full, I/O error).
      txn->state_ = Txn::State::kFailed;
      txn->failed_status_ = e.status();
      txn->failed_message_ = e.what();
    }
    throw;
  }
}

template <typename F>
auto Store::write(Txn *txn, F &&f) {
  if (txn != nullptr) return in_txn(txn, std::forward<F>(f));
  Txn *own = begin();
  std::optional<decltype(f(std::declval<Connection &>()))> result;
  try {
    result.emplace(in_txn(own, std::forward<F>(f)));
  } catch (...) {
    end(own);
    throw;
  }
  commit(own);  // frees own, also when it throws
  return std::move(*result);
}

template <typename F>
auto Store::read(Txn *txn, F &&f) {
  if (txn != nullptr) return in_txn(txn, std::forward<F>(f));
  Lease c = pool_.acquire(wait());
  return f(*c);
}

// ---------------------------------------------------------------------------
// Documents

DocRow Store::get(Txn *txn, const char *collection, const char *id) {
  validate_get(collection, id);
  const Table t = table_for(collection);
  return read(txn, [&](Connection &c) {
    Statement s = c.prepare(sql_get(t));
    s.bind(":coll", collection).bind(":id", id);
    if (!s.step()) throw sdk::Error(TRELLIS_E_NOT_FOUND, doc_name(collection, id) + " not found");
    return DocRow{id, std::string(s.text(0)), static_cast<uint64_t>(s.integer(1)),
                  std::string(s.text(2))};
  });
}

namespace {

std::optional<int64_t> current_revision(Connection &c, const Table &t, const char *collection,
                                        const char *id) {
  Statement s = c.prepare(sql_revision(t));
  s.bind(":coll", collection).bind(":id", id);
  if (!s.step()) return std::nullopt;
  return s.integer(0);
}

sdk::Error conflict(const char *collection, const char *id, std::optional<int64_t> current,
                    uint64_t expected) {
  const std::string name = doc_name(collection, id);
  if (!current) {
    return sdk::Error(TRELLIS_E_CONFLICT, name + " does not exist (expected revision " +
                                              std::to_string(expected) + ")");
  }
  return sdk::Error(TRELLIS_E_CONFLICT, name + " is at revision " + std::to_string(*current) +
                                            ", not " + std::to_string(expected));
}

}  // namespace

uint64_t Store::put(Txn *txn, const char *collection, const char *account, const char *id,
                    const char *json, uint64_t expected_revision) {
  validate_put(collection, account, id, json, expected_revision);
  const Table t = table_for(collection);
  const PutMode mode = put_mode(expected_revision);
  return write(txn, [&](Connection &c) -> uint64_t {
    const std::string sql = mode == PutMode::kInsert      ? sql_insert(t)
                            : mode == PutMode::kOverwrite ? sql_upsert(t)
                                                          : sql_update(t);
    {
      Statement s = c.prepare(sql);
      s.bind(":coll", collection).bind(":id", id).bind(":account", account).bind(":doc", json);
      s.bind(":now", now_unix_ms()).bind(":rev", static_cast<int64_t>(expected_revision));
      if (s.step()) return static_cast<uint64_t>(s.integer(0));
    }
    if (mode == PutMode::kInsert) {
      throw sdk::Error(TRELLIS_E_EXISTS, doc_name(collection, id) + " already exists");
    }
    if (mode == PutMode::kReplace) {
      throw conflict(collection, id, current_revision(c, t, collection, id), expected_revision);
    }
    throw sdk::Error(TRELLIS_E_INTERNAL, "upsert returned no revision");
  });
}

void Store::remove(Txn *txn, const char *collection, const char *id, uint64_t expected_revision) {
  validate_remove(collection, id, expected_revision);
  const Table t = table_for(collection);
  const bool exact = expected_revision != TRELLIS_REV_ANY;
  write(txn, [&](Connection &c) {
    {
      Statement s = c.prepare(sql_remove(t, exact));
      s.bind(":coll", collection)
          .bind(":id", id)
          .bind(":rev", static_cast<int64_t>(expected_revision));
      s.step();
    }
    if (c.changes() > 0) return 0;
    const std::optional<int64_t> current =
        exact ? current_revision(c, t, collection, id) : std::nullopt;
    if (current) throw conflict(collection, id, current, expected_revision);
    throw sdk::Error(TRELLIS_E_NOT_FOUND, doc_name(collection, id) + " not found");
  });
}

std::vector<DocRow> Store::scan(Txn *txn, const char *collection, const char *account,
                                const char *field, const char *value) {
  validate_scan(collection, account, field, value);
  const Table t = table_for(collection);
  return read(txn, [&](Connection &c) {
    Statement s = c.prepare(sql_scan(t, account != nullptr, field != nullptr ? field : ""));
    s.bind(":coll", collection);
    if (account != nullptr) s.bind(":account", account);
    if (value != nullptr) s.bind(":value", value);
    std::vector<DocRow> rows;
    while (s.step()) {
      rows.push_back(DocRow{std::string(s.text(0)), std::string(s.text(1)),
                            static_cast<uint64_t>(s.integer(2)), std::string(s.text(3))});
    }
    return rows;
  });
}

// ---------------------------------------------------------------------------
// Events

uint64_t Store::append_event(Txn *txn, const char *account, const char *json) {
  validate_event(account, json);
  return write(txn, [&](Connection &c) {
    Statement s = c.prepare(sql_append_event());
    s.bind(":account", account).bind(":now", now_unix_ms()).bind(":doc", json);
    if (!s.step()) throw sdk::Error(TRELLIS_E_INTERNAL, "event insert returned no seq");
    return static_cast<uint64_t>(s.integer(0));
  });
}

std::vector<EventRow> Store::page_events(const char *account, uint64_t after_seq, uint32_t limit) {
  if (account != nullptr) require(check_account(account));
  if (limit == 0 || after_seq >= static_cast<uint64_t>(INT64_MAX)) return {};
  return read(nullptr, [&](Connection &c) {
    Statement s = c.prepare(sql_page_events(account != nullptr));
    s.bind(":after", static_cast<int64_t>(after_seq)).bind(":limit", static_cast<int64_t>(limit));
    if (account != nullptr) s.bind(":account", account);
    std::vector<EventRow> rows;
    while (s.step()) {
      rows.push_back(EventRow{static_cast<uint64_t>(s.integer(0)), s.integer(1),
                              std::string(s.text(2)), std::string(s.text(3))});
    }
    return rows;
  });
}

std::string Store::describe() const {
  return std::string("sqlite ") + sqlite3_libversion() + " schema " +
         std::to_string(schema_version_) + " (" + config_.path + ", WAL, synchronous=FULL)";
}

}  // namespace trellis::storage::sqlite
