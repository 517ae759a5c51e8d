// SPDX-License-Identifier: Apache-2.0
// HostCtx and CallbackGate (see host_ctx.hpp). Callbacks into the plugin run
// inside gate enter()/exit() and behind an exception barrier: a C++ plugin that
// lets an exception escape is logged, not allowed to unwind through the host.
#include "core/host_ctx.hpp"

#include <algorithm>
#include <chrono>

#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "core/logging.hpp"

namespace trellis::core {
namespace {

// Gates entered by the current thread, innermost last.
thread_local std::vector<const CallbackGate *> tls_entered;

// Runs a plugin callback inside the gate; false when the gate is closed.
template <typename F>
void run_gated(const std::shared_ptr<CallbackGate> &gate, const std::shared_ptr<spdlog::logger> &log,
               F &&f) {
  if (!gate->enter()) return;
  try {
    f();
  } catch (const std::exception &e) {
    log->error("plugin callback threw across the ABI: {}", e.what());
  } catch (...) {
    log->error("plugin callback threw across the ABI");
  }
  gate->exit();
}

spdlog::level::level_enum to_spdlog(trellis_log_level level) {
  switch (level) {
    case TRELLIS_LOG_TRACE: return spdlog::level::trace;
    case TRELLIS_LOG_DEBUG: return spdlog::level::debug;
    case TRELLIS_LOG_INFO: return spdlog::level::info;
    case TRELLIS_LOG_WARN: return spdlog::level::warn;
    case TRELLIS_LOG_ERROR: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace

bool CallbackGate::enter() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return false;
    ++active_;
  }
  tls_entered.push_back(this);
  return true;
}

void CallbackGate::exit() {
  auto it = std::find(tls_entered.rbegin(), tls_entered.rend(), this);
  if (it != tls_entered.rend()) tls_entered.erase(std::next(it).base());
  std::lock_guard lock(mu_);
  --active_;
  cv_.notify_all();
}

void CallbackGate::close_and_wait() {
  const auto own = static_cast<int>(std::count(tls_entered.begin(), tls_entered.end(), this));
  std::unique_lock lock(mu_);
  closed_ = true;
  cv_.wait(lock, [&] { return active_ <= own; });
}

bool CallbackGate::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

HostCtx::HostCtx(HostServices services, std::shared_ptr<spdlog::logger> log, std::string kv_scope,
                 std::vector<Label> labels)
    : services_(std::move(services)),
      log_(std::move(log)),
      kv_scope_(std::move(kv_scope)),
      labels_(std::move(labels)) {}

HostCtx::~HostCtx() {
  close();
  release();
}

void HostCtx::log(trellis_log_level level, const char *msg) {
  if (msg == nullptr) return;
  log_->log(to_spdlog(level), "{}", logging::sanitize(msg));
}

trellis_status HostCtx::post(trellis_task_fn fn, void *user) {
  if (fn == nullptr) return TRELLIS_E_INVALID;
  if (gate_->closed()) return TRELLIS_E_CLOSED;
  boost::asio::post(services_.io, [gate = gate_, log = log_, fn, user] {
    run_gated(gate, log, [&] { fn(user); });
  });
  return TRELLIS_OK;
}

HostTimer *HostCtx::timer_new(trellis_task_fn fn, void *user) {
  if (fn == nullptr || gate_->closed()) return nullptr;
  auto t = std::make_shared<HostTimer>(services_.io, this, fn, user);
  std::lock_guard lock(mu_);
  timers_.emplace(t.get(), t);
  return t.get();
}

void HostCtx::timer_arm(HostTimer *t, uint64_t delay_ns) {
  std::lock_guard lock(mu_);
  auto it = timers_.find(t);
  if (it == timers_.end() || gate_->closed()) return;
  std::shared_ptr<HostTimer> timer = it->second;
  const uint64_t gen = ++timer->generation;
  // Clamp to something asio's clock arithmetic cannot overflow (~292 years).
  const auto delay = std::chrono::nanoseconds(
      static_cast<int64_t>(std::min<uint64_t>(delay_ns, uint64_t{1} << 62)));
  timer->timer.expires_after(delay);  // cancels a pending wait
  timer->timer.async_wait([timer, gen, gate = gate_, log = log_](boost::system::error_code ec) {
    if (ec) return;
    run_gated(gate, log, [&] {
      if (timer->generation.load() != gen) return;  // re-armed, cancelled or freed meanwhile
      timer->fn(timer->user);
    });
  });
}

void HostCtx::timer_cancel(HostTimer *t) {
  std::lock_guard lock(mu_);
  auto it = timers_.find(t);
  if (it == timers_.end()) return;
  ++it->second->generation;
  it->second->timer.cancel();
}

void HostCtx::timer_free(HostTimer *t) {
  std::lock_guard lock(mu_);
  auto it = timers_.find(t);
  if (it == timers_.end()) return;
  ++it->second->generation;
  it->second->timer.cancel();
  timers_.erase(it);  // a queued completion keeps the object alive and finds it stale
}

size_t HostCtx::timer_count() const {
  std::lock_guard lock(mu_);
  return timers_.size();
}

trellis_status HostCtx::submit_work(trellis_status (*work)(void *),
                                    void (*done)(void *, trellis_status), void *user) {
  if (work == nullptr) return TRELLIS_E_INVALID;
  if (gate_->closed()) return TRELLIS_E_CLOSED;
  boost::asio::io_context &io = services_.io;
  boost::asio::post(services_.pool, [&io, gate = gate_, log = log_, work, done, user] {
    trellis_status status = TRELLIS_E_CLOSED;
    bool ran = false;
    run_gated(gate, log, [&] {
      status = TRELLIS_E_INTERNAL;  // stays so if work throws
      ran = true;
      status = work(user);
    });
    if (!ran || done == nullptr) return;
    boost::asio::post(io, [gate, log, done, user, status] {
      run_gated(gate, log, [&] { done(user, status); });
    });
  });
  return TRELLIS_OK;
}

MetricSeries *HostCtx::metric_new(trellis_metric_type type, const char *name, const char *help,
                                  const char *labels) {
  if (name == nullptr || gate_->closed()) return nullptr;
  if (type != TRELLIS_METRIC_COUNTER && type != TRELLIS_METRIC_GAUGE) return nullptr;
  auto own = Metrics::parse_labels(labels != nullptr ? labels : "");
  if (!own) return nullptr;
  std::vector<Label> all = labels_;
  for (auto &l : *own) {
    for (const auto &h : labels_)
      if (h.first == l.first) return nullptr;  // host labels are reserved
    all.push_back(std::move(l));
  }
  try {
    auto series = services_.metrics.add(
        type == TRELLIS_METRIC_COUNTER ? MetricType::counter : MetricType::gauge, name,
        help != nullptr ? help : "", Metrics::format_labels(all));
    std::lock_guard lock(mu_);
    metrics_.push_back(series);
    return series.get();
  } catch (const std::exception &e) {
    log_->warn("metric_new('{}') refused: {}", logging::sanitize(name, 200), e.what());
    return nullptr;
  }
}

KvResult HostCtx::kv_get(const char *collection, const char *id) {
  if (collection == nullptr || id == nullptr) return {TRELLIS_E_INVALID, {}, 0, "NULL argument"};
  if (services_.kv == nullptr || kv_scope_.empty())
    return {TRELLIS_E_UNSUPPORTED, {}, 0, "no key/value store for this context"};
  if (services_.io.get_executor().running_in_this_thread())
    return {TRELLIS_E_INVALID, {}, 0, "kv_get blocks: call it from the work pool, not the loop"};
  return services_.kv->get(kv_scope_, collection, id);
}

KvResult HostCtx::kv_put(const char *collection, const char *id, const char *value_json,
                         uint64_t expected_revision) {
  if (collection == nullptr || id == nullptr || value_json == nullptr)
    return {TRELLIS_E_INVALID, {}, 0, "NULL argument"};
  if (services_.kv == nullptr || kv_scope_.empty())
    return {TRELLIS_E_UNSUPPORTED, {}, 0, "no key/value store for this context"};
  if (services_.io.get_executor().running_in_this_thread())
    return {TRELLIS_E_INVALID, {}, 0, "kv_put blocks: call it from the work pool, not the loop"};
  return services_.kv->put(kv_scope_, collection, id, value_json, expected_revision);
}

void HostCtx::close() {
  State expected = State::open;
  if (!state_.compare_exchange_strong(expected, State::closing)) return;
  gate_->close_and_wait();
  std::lock_guard lock(mu_);
  for (auto &[raw, t] : timers_) {
    ++t->generation;
    t->timer.cancel();
  }
}

void HostCtx::release() {
  if (state_.exchange(State::closed) == State::closed) return;
  std::vector<std::shared_ptr<MetricSeries>> metrics;
  {
    std::lock_guard lock(mu_);
    for (auto &[raw, t] : timers_) {
      ++t->generation;
      t->timer.cancel();
    }
    timers_.clear();
    metrics.swap(metrics_);
  }
  for (const auto &m : metrics) services_.metrics.remove(m);
}

}  // namespace trellis::core
