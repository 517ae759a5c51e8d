// SPDX-License-Identifier: Apache-2.0
// The postgres storage plugin's instance (see store.hpp): migration, the
// transaction life cycle with retries and commit-outcome resolution, and the
// storage operations with their revision rules.
#include "store.hpp"

#include <algorithm>
#include <chrono>
#include <pqxx/result>
#include <random>
#include <thread>

#include "../core/migrations.hpp"
#include "../core/sql.hpp"

namespace trellis::storage::postgres {

namespace {

pqxx::result run(pqxx::transaction_base &tx, const Query &q) {
  return tx.exec_params(q.sql, pqxx::prepare::make_dynamic_params(q.params));
}

std::string version_text(int v) {
  if (v >= 100000) return std::to_string(v / 10000) + "." + std::to_string(v % 10000);
  return std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." +
         std::to_string(v % 100);
}

sdk::Error conflict(const char *collection, const char *id, const pqxx::result &current,
                    uint64_t expected) {
  const std::string name = doc_name(collection, id);
  if (current.empty()) {
    return sdk::Error(TRELLIS_E_CONFLICT, name + " does not exist (expected revision " +
                                              std::to_string(expected) + ")");
  }
  return sdk::Error(TRELLIS_E_CONFLICT, name + " is at revision " + current[0][0].c_str() +
                                            ", not " + std::to_string(expected));
}

}  // namespace

Txn::~Txn() {
  if (tx_ != nullptr && open_on_server_ && !lease_.discarded()) {
    try {
      tx_->exec("ROLLBACK");
    } catch (...) {
      lease_.discard();  // state unknown: do not hand this session to anyone else
    }
  }
  tx_.reset();
}

std::unique_ptr<Store> Store::create(const trellis_create_params &params) {
  Config config = parse_config(params.config_json, latest_schema_version());
  return std::make_unique<Store>(std::move(config), sdk::Logger(params.ctx));
}

Store::Store(Config config, sdk::Logger log)
    : config_(std::move(config)), log_(log), pool_(config_, log_) {
  migrate();
  log_.info("PostgreSQL " + version_text(server_version_) + ", schema " + config_.schema +
            " at version " + std::to_string(schema_version_));
}

Store::~Store() {
  if (const size_t open = pool_.leased(); open != 0) {
    log_.error("postgres store destroyed with " + std::to_string(open) +
               " transaction(s) still open; their connections are abandoned");
  }
}

void Store::sleep_backoff(int64_t attempt) const {
  static thread_local std::minstd_rand rng{std::random_device{}()};
  const int64_t base =
      std::min<int64_t>(config_.retry_backoff_ms << std::min<int64_t>(attempt - 1, 16), 5000);
  // +-25% jitter, so that instances that lost the server together do not
  // all come back in the same millisecond.
  std::uniform_int_distribution<int64_t> jitter(-base / 4, base / 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(base + jitter(rng)));
}

template <typename F>
auto Store::with_retry(F &&f) {
  for (int64_t attempt = 1;; ++attempt) {
    try {
      return f();
    } catch (const DbError &e) {
      if (!e.retryable()) throw;
      if (attempt >= config_.retry_attempts) {
        throw sdk::Error(e.status(), std::string(e.what()) + " (gave up after " +
                                         std::to_string(attempt) + " attempts)");
      }
      const std::string note = std::string(e.what()) + "; retrying (attempt " +
                               std::to_string(attempt + 1) + " of " +
                               std::to_string(config_.retry_attempts) + ")";
      if (attempt == 1) {
        log_.warn(note);
      } else {
        log_.debug(note);
      }
      sleep_backoff(attempt);
    }
  }
}

// One transaction under an advisory lock, so instances starting together
// migrate one after the other; DDL is transactional, so a failed step leaves
// the previous version intact.
void Store::migrate() {
  const std::string schema = quote_ident(config_.schema);
  with_retry([&] {
    Pool::Lease lease = pool_.acquire();
    guarded(lease, [&] {
      pqxx::nontransaction tx(lease.conn());
      server_version_ = lease.conn().server_version();
      tx.exec("BEGIN");
      try {
        tx.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))",
                       "trellis-migrate:" + config_.schema);
        const bool exists =
            !tx.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", config_.schema)
                 .empty();
        if (!exists) {
          tx.exec("CREATE SCHEMA " + schema);
        }
        tx.exec("SET LOCAL search_path TO " + schema);
        tx.exec(std::string(kSchemaVersionTable));
        const auto current =
            tx.exec("SELECT COALESCE(MAX(version), 0) FROM schema_version")[0][0].as<int64_t>();
        const int64_t latest = latest_schema_version();
        if (current > latest) {
          throw sdk::Error(TRELLIS_E_UNSUPPORTED, newer_schema_message(current, latest));
        }
        const int64_t target = config_.max_migration >= 0 ? config_.max_migration : latest;
        for (const Migration &m : migrations()) {
          if (m.version <= current || m.version > target) continue;
          tx.exec(std::string(m.sql));
          tx.exec_params("INSERT INTO schema_version (version, description) VALUES ($1, $2)",
                         m.version, std::string(m.description));
        }
        tx.exec("COMMIT");
        schema_version_ = std::max(current, target);
        if (schema_version_ != current) {
          log_.info("postgres schema " + config_.schema + " migrated from version " +
                    std::to_string(current) + " to " + std::to_string(schema_version_));
        }
      } catch (const pqxx::broken_connection &) {
        throw;
      } catch (...) {
        try {
          tx.exec("ROLLBACK");
        } catch (...) {
          lease.discard();
        }
        throw;
      }
    });
  });
}

// ---------------------------------------------------------------------------
// Transactions

std::unique_ptr<Txn> Store::open_txn(bool with_xid) {
  std::unique_ptr<Txn> t(new Txn(this));
  t->lease_ = pool_.acquire();
  guarded(t->lease_, [&] {
    t->tx_ = std::make_unique<pqxx::nontransaction>(t->lease_.conn());
    if (with_xid) {
      const pqxx::result r = t->tx_->exec("BEGIN; SELECT txid_current()");
      t->xid_ = r[0][0].as<int64_t>();
    } else {
      t->tx_->exec("BEGIN");
    }
    t->open_on_server_ = true;
  });
  return t;
}

Txn *Store::begin() {
  return with_retry([&] { return open_txn(false).release(); });
}

void Store::check_owned(const Txn *txn) const {
  if (txn == nullptr || txn->owner_ != this) {
    throw sdk::Error(TRELLIS_E_INVALID, "transaction does not belong to this storage instance");
  }
}

void Store::commit(Txn *txn) {
  check_owned(txn);
  std::unique_ptr<Txn> t(txn);
  if (t->state_ == Txn::State::kFailed) {
    throw sdk::Error(t->failed_status_,
                     "transaction was rolled back after an earlier error: " + t->failed_message_);
  }
  finish(*t);
}

void Store::rollback(Txn *txn) noexcept {
  if (txn == nullptr || txn->owner_ != this) {
    log_.error("rollback of a transaction that does not belong to this instance ignored");
    return;
  }
  delete txn;
}

void Store::finish(Txn &t) {
  try {
    guarded(t.lease_, [&] { t.tx_->exec("COMMIT"); });
    t.open_on_server_ = false;
    return;
  } catch (const DbError &) {
    t.open_on_server_ = false;
    if (!t.lease_.discarded()) throw;  // the server answered: it rolled back
    if (!t.xid_) return;               // nothing was written: nothing to lose
  }
  // The session died around COMMIT: ask the server what became of it. The
  // lost slot goes back first so a pool of one can reconnect.
  t.tx_.reset();
  t.lease_.release();
  resolve(*t.xid_);
}

void Store::resolve(int64_t xid) {
  const std::string name = "transaction " + std::to_string(xid);
  for (int64_t attempt = 1;; ++attempt) {
    std::string status;
    try {
      Pool::Lease lease = pool_.acquire();
      status = guarded(lease, [&] {
        pqxx::nontransaction tx(lease.conn());
        const pqxx::result r = tx.exec_params("SELECT txid_status($1)", xid);
        return r[0][0].is_null() ? std::string("unknown") : r[0][0].as<std::string>();
      });
    } catch (const DbError &e) {
      if (!e.retryable() || attempt >= config_.retry_attempts) {
        throw sdk::Error(TRELLIS_E_IO,
                         "connection to PostgreSQL lost during COMMIT and the "
                         "outcome could not be checked (" +
                             std::string(e.what()) + "); " + name +
                             " may or may not have committed");
      }
      sleep_backoff(attempt);
      continue;
    }
    if (status == "committed") {
      log_.warn("connection to PostgreSQL lost during COMMIT; " + name + " did commit");
      return;
    }
    if (status == "aborted") {
      throw DbError::unavailable("connection to PostgreSQL lost during COMMIT; " + name +
                                 " was rolled back; retry it");
    }
    if (status == "in progress" && attempt < config_.retry_attempts) {
      sleep_backoff(attempt);
      continue;
    }
    throw sdk::Error(TRELLIS_E_IO, "connection to PostgreSQL lost during COMMIT; " + name + " is " +
                                       status + ": outcome unknown");
  }
}

template <typename F>
auto Store::in_txn(Txn &t, F &&f) {
  if (t.state_ == Txn::State::kFailed) {
    throw sdk::Error(t.failed_status_, "transaction already failed: " + t.failed_message_);
  }
  try {
    return guarded(t.lease_, [&] { return f(t); });
  } catch (const DbError &e) {
    t.state_ = Txn::State::kFailed;
    t.failed_status_ = e.status();
    t.failed_message_ = e.what();
    throw;
  }
}

template <typename F>
auto Store::write(Txn *txn, F &&f) {
  auto with_xid = [&](Txn &t) {
    if (!t.xid_) t.xid_ = t.tx_->exec("SELECT txid_current()")[0][0].template as<int64_t>();
    return f(t);
  };
  if (txn != nullptr) {
    check_owned(txn);
    return in_txn(*txn, with_xid);
  }
  return with_retry([&] {
    std::unique_ptr<Txn> t = open_txn(true);
    auto result = in_txn(*t, f);
    finish(*t);
    return result;
  });
}

template <typename F>
auto Store::read(Txn *txn, F &&f) {
  if (txn != nullptr) {
    check_owned(txn);
    return in_txn(*txn, [&](Txn &t) { return f(*t.tx_); });
  }
  return with_retry([&] {
    Pool::Lease lease = pool_.acquire();
    return guarded(lease, [&] {
      pqxx::nontransaction tx(lease.conn());
      return f(tx);
    });
  });
}

// ---------------------------------------------------------------------------
// Documents

DocRow Store::get(Txn *txn, const char *collection, const char *id) {
  validate_get(collection, id);
  const Table t = table_for(config_.schema, collection);
  return read(txn, [&](pqxx::transaction_base &tx) {
    const pqxx::result r = run(tx, q_get(t, collection, id));
    if (r.empty()) throw sdk::Error(TRELLIS_E_NOT_FOUND, doc_name(collection, id) + " not found");
    return DocRow{id, r[0][0].c_str(), r[0][1].as<uint64_t>(), r[0][2].c_str()};
  });
}

uint64_t Store::put(Txn *txn, const char *collection, const char *account, const char *id,
                    const char *json, uint64_t expected_revision) {
  validate_put(collection, account, id, json, expected_revision);
  const Table t = table_for(config_.schema, collection);
  const PutMode mode = put_mode(expected_revision);
  return write(txn, [&](Txn &x) -> uint64_t {
    const Query q = mode == PutMode::kInsert ? q_insert(t, collection, id, account, json)
                    : mode == PutMode::kOverwrite
                        ? q_upsert(t, collection, id, account, json)
                        : q_update(t, collection, id, account, json, expected_revision);
    const pqxx::result r = run(*x.tx_, q);
    if (!r.empty()) return r[0][0].as<uint64_t>();
    if (mode == PutMode::kInsert) {
      throw sdk::Error(TRELLIS_E_EXISTS, doc_name(collection, id) + " already exists");
    }
    if (mode == PutMode::kReplace) {
      throw conflict(collection, id, run(*x.tx_, q_revision(t, collection, id)), expected_revision);
    }
    throw sdk::Error(TRELLIS_E_INTERNAL, "upsert returned no revision");
  });
}

void Store::remove(Txn *txn, const char *collection, const char *id, uint64_t expected_revision) {
  validate_remove(collection, id, expected_revision);
  const Table t = table_for(config_.schema, collection);
  write(txn, [&](Txn &x) {
    if (run(*x.tx_, q_remove(t, collection, id, expected_revision)).affected_rows() > 0) return 0;
    if (expected_revision != TRELLIS_REV_ANY) {
      const pqxx::result current = run(*x.tx_, q_revision(t, collection, id));
      if (!current.empty()) throw conflict(collection, id, current, expected_revision);
    }
    throw sdk::Error(TRELLIS_E_NOT_FOUND, doc_name(collection, id) + " not found");
  });
}

std::vector<DocRow> Store::scan(Txn *txn, const char *collection, const char *account,
                                const char *field, const char *value) {
  validate_scan(collection, account, field, value);
  const Table t = table_for(config_.schema, collection);
  return read(txn, [&](pqxx::transaction_base &tx) {
    const pqxx::result r = run(tx, q_scan(t, collection, account, field, value));
    std::vector<DocRow> rows;
    rows.reserve(r.size());
    for (const auto &row : r) {
      rows.push_back(DocRow{row[0].c_str(), row[1].c_str(), row[2].as<uint64_t>(), row[3].c_str()});
    }
    return rows;
  });
}

// ---------------------------------------------------------------------------
// Events

uint64_t Store::append_event(Txn *txn, const char *account, const char *json) {
  validate_event(account, json);
  return write(txn, [&](Txn &x) {
    if (!x.events_locked_) {
      x.tx_->exec(sql_lock_events(config_.schema));
      x.events_locked_ = true;
    }
    return run(*x.tx_, q_append_event(config_.schema, account, json))[0][0].as<uint64_t>();
  });
}

std::vector<EventRow> Store::page_events(const char *account, uint64_t after_seq, uint32_t limit) {
  if (account != nullptr) require(check_account(account));
  if (limit == 0 || after_seq >= static_cast<uint64_t>(INT64_MAX)) return {};
  return read(nullptr, [&](pqxx::transaction_base &tx) {
    const pqxx::result r = run(tx, q_page_events(config_.schema, account, after_seq, limit));
    std::vector<EventRow> rows;
    rows.reserve(r.size());
    for (const auto &row : r) {
      rows.push_back(
          EventRow{row[0].as<uint64_t>(), row[1].as<int64_t>(), row[2].c_str(), row[3].c_str()});
    }
    return rows;
  });
}

std::string Store::describe() const {
  return "postgres " + version_text(server_version_) + " schema " +
         std::to_string(schema_version_) + " (schema " + config_.schema + ", pool " +
         std::to_string(config_.pool_size) + ")";
}

}  // namespace trellis::storage::postgres
