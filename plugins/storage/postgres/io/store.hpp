// SPDX-License-Identifier: Apache-2.0
// Store: the postgres storage plugin's instance. It connects, migrates the
// configured schema (core/migrations.hpp) and implements the storage contract
// of plugin.h over a connection pool.
//
// Transactions run at READ COMMITTED. Revision checks are part of each write
// statement (UPDATE ... WHERE revision = $n, INSERT ... ON CONFLICT), so a
// concurrent writer of the same row waits for the first to finish and then
// finds the revision moved: TRELLIS_E_CONFLICT, never a lost update.
//
// Failures (DbError): a lost session or an aborted transaction (serialization
// failure, deadlock) is TRELLIS_E_UNAVAILABLE. A call made without a
// transaction is retried on a fresh connection, with exponential backoff, up
// to retry.attempts times, because nothing of it was committed. Inside a
// caller's transaction nothing can be replayed: the transaction fails and the
// caller retries it whole. A session lost during COMMIT is resolved by asking
// the server for the transaction's status (txid_status): committed is success,
// aborted is TRELLIS_E_UNAVAILABLE, undecidable is TRELLIS_E_IO.
//
// Transaction states (Txn::State):
//   kOpen    BEGIN sent; calls run inside it
//   kFailed  a statement failed or the session was lost: the server has rolled
//            it back; every later call repeats the error; commit reports it
// Txn objects end (are freed) in commit or rollback.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <pqxx/nontransaction>
#include <string>
#include <trellis/plugin.hpp>
#include <vector>

#include "../../sqlite/core/contract.hpp"
#include "../core/config.hpp"
#include "pool.hpp"

namespace trellis::storage::postgres {

class Store;

class Txn {
 public:
  enum class State { kOpen, kFailed };
  Store *store() const { return owner_; }
  ~Txn();  // rolls back whatever is still open on the server

 private:
  friend class Store;
  explicit Txn(Store *owner) : owner_(owner) {}
  Store *owner_;
  Pool::Lease lease_;
  std::unique_ptr<pqxx::nontransaction> tx_;  // destroyed before lease_ is returned
  bool open_on_server_ = false;               // BEGIN done, no COMMIT/ROLLBACK yet
  State state_ = State::kOpen;
  trellis_status failed_status_ = TRELLIS_OK;
  std::string failed_message_;
  std::optional<int64_t> xid_;  // assigned at the first write
  bool events_locked_ = false;
};

class Store {
 public:
  using Txn = postgres::Txn;
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
  void migrate();
  // acquire + BEGIN (+ txid_current() when with_xid); throws DbError.
  std::unique_ptr<Txn> open_txn(bool with_xid);
  // COMMIT, resolving a lost session through txid_status.
  void finish(Txn &t);
  void resolve(int64_t xid);
  void check_owned(const Txn *txn) const;
  void sleep_backoff(int64_t attempt) const;

  template <typename F>
  auto with_retry(F &&f);
  template <typename F>
  auto in_txn(Txn &t, F &&f);
  // f(Txn &) inside txn (assigning its xid) or inside a retried transaction of its own.
  template <typename F>
  auto write(Txn *txn, F &&f);
  // f(pqxx::transaction_base &) inside txn or, retried, on any connection.
  template <typename F>
  auto read(Txn *txn, F &&f);

  const Config config_;
  const sdk::Logger log_;
  Pool pool_;
  int64_t schema_version_ = 0;
  int server_version_ = 0;
};

}  // namespace trellis::storage::postgres
