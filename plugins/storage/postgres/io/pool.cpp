// SPDX-License-Identifier: Apache-2.0
// PostgreSQL connections and their pool (see pool.hpp).
#include "pool.hpp"

#include <poll.h>

#include <chrono>
#include <cstring>
#include <pqxx/except>
#include <pqxx/nontransaction>

#include "../core/errors.hpp"

namespace trellis::storage::postgres {

namespace {

// libpq messages end in newlines and may start with a severity.
std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (const char *prefix : {"ERROR:  ", "FATAL:  "}) {
    if (s.rfind(prefix, 0) == 0) s.erase(0, std::strlen(prefix));
  }
  std::string out;
  for (char c : s) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

}  // namespace

void rethrow_as_db_error(Pool::Lease &lease) {
  try {
    throw;
  } catch (const sdk::Error &) {
    throw;
  } catch (const pqxx::broken_connection &e) {
    lease.discard();
    throw DbError::unavailable("connection to PostgreSQL lost: " + trim(e.what()));
  } catch (const pqxx::sql_error &e) {
    const ErrorClass c = classify_sqlstate(e.sqlstate());
    std::string msg = "PostgreSQL: " + trim(e.what());
    if (!e.sqlstate().empty()) msg += " (SQLSTATE " + e.sqlstate() + ")";
    switch (c.kind) {
      case ErrorKind::kConnectionLost:
        lease.discard();
        throw DbError::unavailable(msg);
      case ErrorKind::kRetryable:
        throw DbError::unavailable(msg + "; retry");
      case ErrorKind::kFatal:
        break;
    }
    throw DbError(c.status, msg, false);
  } catch (const pqxx::usage_error &e) {
    lease.discard();
    throw DbError(TRELLIS_E_INTERNAL, std::string("libpqxx usage error: ") + e.what(), false);
  } catch (const pqxx::failure &e) {
    lease.discard();
    throw DbError(TRELLIS_E_IO, "PostgreSQL: " + trim(e.what()), false);
  }
}

// Server notices ("schema already exists, skipping") and libpqxx's own
// warnings go to the host log at debug level instead of stderr.
class Connection::NoticeSink : public pqxx::errorhandler {
 public:
  NoticeSink(pqxx::connection_base &conn, const sdk::Logger &log)
      : pqxx::errorhandler(conn), log_(log) {}
  bool operator()(const char msg[]) noexcept override {
    log_.debug(std::string("postgres: ") + trim(msg));
    return false;
  }

 private:
  sdk::Logger log_;
};

Connection::Connection(const Config &config, const std::string &conninfo, const sdk::Logger &log) {
  try {
    conn_ = std::make_unique<pqxx::connection>(conninfo);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    // A session that breaks must stay broken: a silently reopened one would
    // lose the transaction and the session settings without anyone noticing.
    conn_->inhibit_reactivation(true);
#pragma GCC diagnostic pop
    sink_ = std::make_unique<NoticeSink>(*conn_, log);
    pqxx::nontransaction setup(*conn_);
    setup.exec("SET statement_timeout = " + std::to_string(config.statement_timeout_ms));
  } catch (const pqxx::broken_connection &e) {
    sink_.reset();
    throw DbError::unavailable("cannot connect to PostgreSQL: " + trim(e.what()));
  } catch (const pqxx::sql_error &e) {
    sink_.reset();
    throw DbError::unavailable("cannot set up a PostgreSQL session: " + trim(e.what()));
  }
}

Connection::~Connection() { sink_.reset(); }

// An idle session receives nothing unless the server is ending it (a FATAL
// message, then EOF): anything readable means it is gone or going.
bool Connection::idle_and_alive() const {
  pollfd p{conn_->sock(), POLLIN, 0};
  if (p.fd < 0) return false;
  return ::poll(&p, 1, 0) == 0;
}

// ---------------------------------------------------------------------------

Pool::Lease::Lease(Lease &&o) noexcept
    : pool_(std::exchange(o.pool_, nullptr)), slot_(o.slot_), discard_(o.discard_) {}

Pool::Lease &Pool::Lease::operator=(Lease &&o) noexcept {
  if (this != &o) {
    release();
    pool_ = std::exchange(o.pool_, nullptr);
    slot_ = o.slot_;
    discard_ = o.discard_;
  }
  return *this;
}

pqxx::connection &Pool::Lease::conn() const { return pool_->slots_[slot_].conn->get(); }

void Pool::Lease::release() {
  if (pool_ != nullptr) std::exchange(pool_, nullptr)->give_back(slot_, discard_);
}

Pool::Pool(const Config &config, sdk::Logger log)
    : config_(config),
      conninfo_(connection_string(config)),
      log_(log),
      slots_(static_cast<size_t>(config.pool_size)) {}

Pool::~Pool() = default;

Pool::Lease Pool::acquire() {
  size_t slot = 0;
  bool empty = false;
  {
    std::unique_lock lock(mu_);
    auto free_slot = [&] {
      for (size_t i = 0; i < slots_.size(); ++i) {
        if (!slots_[i].busy) {
          slot = i;
          return true;
        }
      }
      return false;
    };
    if (!cv_.wait_for(lock, std::chrono::milliseconds(config_.acquire_timeout_ms), free_slot)) {
      throw sdk::Error(TRELLIS_E_UNAVAILABLE,
                       "all " + std::to_string(slots_.size()) +
                           " PostgreSQL connections stayed busy for acquire_timeout_ms; raise "
                           "pool_size or retry");
    }
    slots_[slot].busy = true;
    empty = slots_[slot].conn == nullptr;
  }
  Lease lease(this, slot);
  if (!empty && !slots_[slot].conn->idle_and_alive()) {
    // The server closed it while it sat in the pool (a restart, an idle
    // timeout, pg_terminate_backend): replace it rather than fail a call.
    slots_[slot].conn.reset();
    empty = true;
  }
  if (empty) {
    // Connecting happens outside the lock; the slot is ours meanwhile. On
    // failure the lease gives the still-empty slot back.
    slots_[slot].conn = std::make_unique<Connection>(config_, conninfo_, log_);
  }
  return lease;
}

size_t Pool::leased() const {
  std::lock_guard lock(mu_);
  size_t n = 0;
  for (const Slot &s : slots_) n += s.busy ? 1 : 0;
  return n;
}

void Pool::give_back(size_t slot, bool discard) {
  std::unique_ptr<Connection> closing;
  {
    std::lock_guard lock(mu_);
    if (discard) closing = std::move(slots_[slot].conn);
    slots_[slot].busy = false;
  }
  cv_.notify_one();
}

}  // namespace trellis::storage::postgres
