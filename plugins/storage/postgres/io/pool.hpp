// SPDX-License-Identifier: Apache-2.0
// PostgreSQL connections for the postgres storage plugin: a Connection (one
// libpqxx session with automatic reactivation disabled, so a dropped session is
// never silently replaced mid-transaction, with statement_timeout set and
// server notices routed to the host log) and a fixed-size Pool of them.
//
// A pool slot is empty until first used and again after its connection was
// discarded (lost, or in an unknown state) or found closed by the server while
// idle; acquire() (re)connects an empty slot. Connect failures are retryable DbErrors: the Store
// decides how often to retry and how long to back off. Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <pqxx/connection>
#include <pqxx/errorhandler>
#include <string>
#include <trellis/plugin.hpp>
#include <vector>

#include "../core/config.hpp"

namespace trellis::storage::postgres {

// A failed database operation; the transaction it ran in is over. retryable():
// nothing of it was committed and the whole call may run again on a fresh
// connection (a lost session, a serialization failure or deadlock, a failed
// connect); those are TRELLIS_E_UNAVAILABLE.
class DbError : public sdk::Error {
 public:
  DbError(trellis_status status, std::string message, bool retryable)
      : sdk::Error(status, std::move(message)), retryable_(retryable) {}
  static DbError unavailable(std::string message) {
    return DbError(TRELLIS_E_UNAVAILABLE, std::move(message), true);
  }
  bool retryable() const { return retryable_; }

 private:
  bool retryable_;
};

class Connection {
 public:
  // Throws a retryable DbError when the server cannot be reached.
  Connection(const Config &config, const std::string &conninfo, const sdk::Logger &log);
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;
  ~Connection();

  pqxx::connection &get() { return *conn_; }
  // For a pooled session between uses: false once the server has closed it.
  bool idle_and_alive() const;
  int server_version() const { return conn_->server_version(); }

 private:
  class NoticeSink;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<NoticeSink> sink_;  // unregistered before conn_ closes
};

class Pool {
 public:
  // Exclusive use of one slot's live connection until destroyed.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease &&o) noexcept;
    Lease &operator=(Lease &&o) noexcept;
    Lease(const Lease &) = delete;
    Lease &operator=(const Lease &) = delete;
    ~Lease() { release(); }

    pqxx::connection &conn() const;
    // The connection is lost or in an unknown state: close it on release.
    void discard() { discard_ = true; }
    bool discarded() const { return discard_; }
    void release();

   private:
    friend class Pool;
    Lease(Pool *pool, size_t slot) : pool_(pool), slot_(slot) {}
    Pool *pool_ = nullptr;
    size_t slot_ = 0;
    bool discard_ = false;
  };

  Pool(const Config &config, sdk::Logger log);
  ~Pool();

  // Waits up to acquire_timeout_ms for a free slot (sdk::Error UNAVAILABLE),
  // then connects it if empty (retryable DbError on failure).
  Lease acquire();
  // Slots currently lent out.
  size_t leased() const;

 private:
  struct Slot {
    std::unique_ptr<Connection> conn;
    bool busy = false;
  };
  void give_back(size_t slot, bool discard);

  const Config config_;
  const std::string conninfo_;
  const sdk::Logger log_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;
};

// Call from a catch block: rethrows the libpqxx exception in flight as a
// DbError (sdk::Error passes unchanged), discarding lease's connection when the
// session is lost or in an unknown state.
[[noreturn]] void rethrow_as_db_error(Pool::Lease &lease);

// Runs f(), translating libpqxx exceptions as above.
template <typename F>
auto guarded(Pool::Lease &lease, F &&f) -> decltype(f()) {
  try {
    return f();
  } catch (...) {
    rethrow_as_db_error(lease);
  }
}

}  // namespace trellis::storage::postgres
