// SPDX-License-Identifier: Apache-2.0
// HostCtx: the host side of one trellis_host_ctx — for a plugin library (handed
// to its entry) or for one plugin instance. It implements the services of
// trellis_host_api (host_api.cpp forwards to it) and the teardown guarantee of
// plugin.h: once close() returns, no post, timer or work callback of this
// context is running or will ever run.
//
// Lifecycle (State): open -> closing (close(): new posts/work refused with
// TRELLIS_E_CLOSED, timers cancelled, queued callbacks dropped, running ones
// waited for) -> closed (release(), after the plugin's destroy: leftover timers
// freed, metrics unregistered).
//
// Every callback into the plugin goes through a CallbackGate: handlers queued
// on the loop or the pool hold the gate (shared), not the context, so they can
// outlive it and simply find it closed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <spdlog/logger.h>
#include <trellis/plugin.h>

#include "core/kv_store.hpp"
#include "core/metrics.hpp"

namespace trellis::core {

// What the host lends every plugin context.
struct HostServices {
  boost::asio::io_context &io;
  boost::asio::thread_pool &pool;
  Metrics &metrics;
  KvBackend *kv = nullptr;  // nullptr: kv_get/kv_put answer TRELLIS_E_UNSUPPORTED
  std::string state_dir;    // "" when there is none (no per-instance directories)
};

// Admission of callbacks into one context. close_and_wait() refuses new entries
// and waits until none is running, except ones on the calling thread's own
// stack (a context closed from inside one of its callbacks does not deadlock).
class CallbackGate {
 public:
  bool enter();
  void exit();
  void close_and_wait();
  bool closed() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool closed_ = false;
  int active_ = 0;
};

class HostCtx;

// A trellis_timer: one steady_timer on the loop. `generation` increases on every
// arm/cancel, so a completion that was already queued when the timer was
// re-armed or cancelled recognises itself as stale and does nothing.
struct HostTimer {
  HostTimer(boost::asio::io_context &io, HostCtx *owner, trellis_task_fn fn, void *user)
      : timer(io), owner(owner), fn(fn), user(user) {}
  boost::asio::steady_timer timer;
  HostCtx *owner;
  trellis_task_fn fn;
  void *user;
  std::atomic<uint64_t> generation{0};
};

class HostCtx {
 public:
  enum class State { open, closing, closed };

  // kv_scope "" means this context has no key/value records (library contexts).
  // labels: host labels put in front of the plugin's metric labels, e.g.
  // {{"plugin","setup-key"},{"instance","default"}}.
  HostCtx(HostServices services, std::shared_ptr<spdlog::logger> log, std::string kv_scope,
          std::vector<Label> labels);
  ~HostCtx();
  HostCtx(const HostCtx &) = delete;
  HostCtx &operator=(const HostCtx &) = delete;

  trellis_host_ctx *abi() { return reinterpret_cast<trellis_host_ctx *>(this); }
  static HostCtx *from_abi(trellis_host_ctx *ctx) { return reinterpret_cast<HostCtx *>(ctx); }

  // The services (THREAD as in plugin.h).
  void log(trellis_log_level level, const char *msg);
  trellis_status post(trellis_task_fn fn, void *user);
  HostTimer *timer_new(trellis_task_fn fn, void *user);
  void timer_arm(HostTimer *t, uint64_t delay_ns);
  void timer_cancel(HostTimer *t);
  void timer_free(HostTimer *t);
  trellis_status submit_work(trellis_status (*work)(void *), void (*done)(void *, trellis_status),
                             void *user);
  MetricSeries *metric_new(trellis_metric_type type, const char *name, const char *help,
                           const char *labels);
  KvResult kv_get(const char *collection, const char *id);
  KvResult kv_put(const char *collection, const char *id, const char *value_json,
                  uint64_t expected_revision);

  // Teardown, in this order: close(), the plugin's destroy, release().
  void close();
  void release();

  State state() const { return state_.load(); }
  const std::shared_ptr<spdlog::logger> &logger() const { return log_; }
  size_t timer_count() const;

 private:
  HostServices services_;
  std::shared_ptr<spdlog::logger> log_;
  std::string kv_scope_;
  std::vector<Label> labels_;
  std::shared_ptr<CallbackGate> gate_ = std::make_shared<CallbackGate>();
  std::atomic<State> state_{State::open};

  mutable std::mutex mu_;  // timers_, metrics_
  std::map<HostTimer *, std::shared_ptr<HostTimer>> timers_;
  std::vector<std::shared_ptr<MetricSeries>> metrics_;
};

// The one host service table, valid for the life of the process.
const trellis_host_api *host_api();

}  // namespace trellis::core
