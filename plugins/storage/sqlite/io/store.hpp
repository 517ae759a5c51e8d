// SPDX-License-Identifier: Apache-2.0
// Store: the sqlite storage plugin's instance. It opens the database file,
// brings its schema up to date (core/migrations.hpp), and implements the
// storage contract of plugin.h over a connection pool.
//
// Transactions: every transaction, and every write made without one, holds the
// process's write gate and one connection inside BEGIN IMMEDIATE, so writers
// are serialised and a revision read inside a transaction cannot change under
// it; reads made without a transaction run on any free connection against the
// last committed state (WAL: they never wait for the writer). Commits are
// synced (synchronous=FULL) before commit returns.
//
// Transaction states (Txn::State):
//   kOpen    BEGIN IMMEDIATE done; calls run inside it
//   kFailed  SQLite ended it on an error (disk full, I/O); every later call
//            repeats that error and commit reports it; rollback frees it
// Txn objects end (are freed) in commit or rollback.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <trellis/plugin.hpp>
#include <vector>

#include "../core/config.hpp"
#include "../core/contract.hpp"
#include "connection.hpp"

namespace trellis::storage::sqlite {

class Store;

class Txn {
 public:
  enum class State { kOpen, kFailed };
  Store *store() const { return owner_; }

 private:
  friend class Store;
  Txn(Store *owner, Lease conn) : owner_(owner), conn_(std::move(conn)) {}
  Store *owner_;
  Lease conn_;
  State state_ = State::kOpen;
  trellis_status failed_status_ = TRELLIS_OK;
  std::string failed_message_;
};

class Store {
 public:
  using Txn = sqlite::Txn;
  // Parses the configuration, opens the database and migrates it; throws
  // sdk::Error.
  static std::unique_ptr<Store> create(const trellis_create_params &params);
  Store(Config config, sdk::Logger log);
  Store(const Store &) = delete;
  Store &operator=(const Store &) = delete;
  ~Store();

  Txn *begin();
  // Frees txn, on success and on failure (then rolled back).
  void commit(Txn *txn);
  void rollback(Txn *txn) noexcept;

  // txn may be nullptr: the call is a transaction of its own.
  DocRow get(Txn *txn, const char *collection, const char *id);
  uint64_t put(Txn *txn, const char *collection, const char *account, const char *id,
               const char *json, uint64_t expected_revision);
  void remove(Txn *txn, const char *collection, const char *id, uint64_t expected_revision);
  std::vector<DocRow> scan(Txn *txn, const char *collection, const char *account, const char *field,
                           const char *value);
  uint64_t append_event(Txn *txn, const char *account, const char *json);
  std::vector<EventRow> page_events(const char *account, uint64_t after_seq, uint32_t limit);
  std::string describe() const;

 private:
  void create_file() const;
  void migrate();
  void check_owned(const Txn *txn) const;
  // Runs f(connection) inside the open transaction txn.
  template <typename F>
  auto in_txn(Txn *txn, F &&f);
  // Runs f(connection) inside txn, or inside a transaction of its own.
  template <typename F>
  auto write(Txn *txn, F &&f);
  // Runs f(connection) inside txn, or on a free connection.
  template <typename F>
  auto read(Txn *txn, F &&f);
  void end(Txn *txn) noexcept;
  std::chrono::milliseconds wait() const {
    return std::chrono::milliseconds(config_.busy_timeout_ms);
  }

  const Config config_;
  const sdk::Logger log_;
  ConnectionPool pool_;
  WriteGate gate_;
  int64_t schema_version_ = 0;
};

}  // namespace trellis::storage::sqlite
