// SPDX-License-Identifier: Apache-2.0
// The trellis_host_api table: C entry points the plugins call, each forwarding
// to the HostCtx behind the opaque pointer inside an exception barrier (no C++
// exception ever unwinds into plugin code). Strings handed to the plugin are
// allocated with this table's alloc (malloc), as plugin.h requires.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "core/host_ctx.hpp"

namespace trellis::core {
namespace {

char *dup(const std::string &s) {
  auto *p = static_cast<char *>(std::malloc(s.size() + 1));
  if (p == nullptr) return nullptr;
  std::memcpy(p, s.data(), s.size());
  p[s.size()] = '\0';
  return p;
}

HostCtx *ctx_of(trellis_host_ctx *ctx) { return ctx == nullptr ? nullptr : HostCtx::from_abi(ctx); }
HostTimer *timer_of(trellis_timer *t) { return reinterpret_cast<HostTimer *>(t); }
MetricSeries *series_of(trellis_metric *m) { return reinterpret_cast<MetricSeries *>(m); }

void *api_alloc(size_t size) { return std::malloc(size == 0 ? 1 : size); }
void api_free(void *p) { std::free(p); }

void api_log(trellis_host_ctx *ctx, trellis_log_level level, const char *msg) {
  try {
    if (HostCtx *c = ctx_of(ctx)) c->log(level, msg);
  } catch (...) {
  }
}

uint64_t api_now_ns(trellis_host_ctx *) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

trellis_status api_post(trellis_host_ctx *ctx, trellis_task_fn fn, void *user) {
  try {
    HostCtx *c = ctx_of(ctx);
    return c == nullptr ? TRELLIS_E_INVALID : c->post(fn, user);
  } catch (const std::bad_alloc &) {
    return TRELLIS_E_NOMEM;
  } catch (...) {
    return TRELLIS_E_INTERNAL;
  }
}

trellis_timer *api_timer_new(trellis_host_ctx *ctx, trellis_task_fn fn, void *user) {
  try {
    HostCtx *c = ctx_of(ctx);
    return c == nullptr ? nullptr : reinterpret_cast<trellis_timer *>(c->timer_new(fn, user));
  } catch (...) {
    return nullptr;
  }
}

void api_timer_arm(trellis_timer *timer, uint64_t delay_ns) {
  try {
    if (HostTimer *t = timer_of(timer)) t->owner->timer_arm(t, delay_ns);
  } catch (...) {
  }
}

void api_timer_cancel(trellis_timer *timer) {
  try {
    if (HostTimer *t = timer_of(timer)) t->owner->timer_cancel(t);
  } catch (...) {
  }
}

void api_timer_free(trellis_timer *timer) {
  try {
    if (HostTimer *t = timer_of(timer)) t->owner->timer_free(t);
  } catch (...) {
  }
}

trellis_status api_submit_work(trellis_host_ctx *ctx, trellis_status (*work)(void *),
                               void (*done)(void *, trellis_status), void *user) {
  try {
    HostCtx *c = ctx_of(ctx);
    return c == nullptr ? TRELLIS_E_INVALID : c->submit_work(work, done, user);
  } catch (const std::bad_alloc &) {
    return TRELLIS_E_NOMEM;
  } catch (...) {
    return TRELLIS_E_INTERNAL;
  }
}

trellis_metric *api_metric_new(trellis_host_ctx *ctx, trellis_metric_type type, const char *name,
                               const char *help, const char *labels) {
  try {
    HostCtx *c = ctx_of(ctx);
    return c == nullptr ? nullptr
                        : reinterpret_cast<trellis_metric *>(c->metric_new(type, name, help, labels));
  } catch (...) {
    return nullptr;
  }
}

void api_counter_add(trellis_metric *metric, uint64_t delta) {
  MetricSeries *s = series_of(metric);
  if (s != nullptr && s->type() == MetricType::counter) s->add(delta);
}

void api_gauge_set(trellis_metric *metric, double value) {
  MetricSeries *s = series_of(metric);
  if (s != nullptr && s->type() == MetricType::gauge) s->set(value);
}

trellis_status finish_kv(const KvResult &r, char **error) {
  if (r.status != TRELLIS_OK && error != nullptr) *error = dup(r.error);
  return r.status;
}

trellis_status api_kv_get(trellis_host_ctx *ctx, const char *collection, const char *id,
                          char **value_out, uint64_t *revision_out, char **error) {
  try {
    HostCtx *c = ctx_of(ctx);
    if (c == nullptr || value_out == nullptr) return TRELLIS_E_INVALID;
    *value_out = nullptr;
    KvResult r = c->kv_get(collection, id);
    if (r.status == TRELLIS_OK) {
      *value_out = dup(r.value);
      if (*value_out == nullptr) return TRELLIS_E_NOMEM;
      if (revision_out != nullptr) *revision_out = r.revision;
    }
    return finish_kv(r, error);
  } catch (const std::bad_alloc &) {
    return TRELLIS_E_NOMEM;
  } catch (...) {
    return TRELLIS_E_INTERNAL;
  }
}

trellis_status api_kv_put(trellis_host_ctx *ctx, const char *collection, const char *id,
                          const char *value_json, uint64_t expected_revision,
                          uint64_t *new_revision_out, char **error) {
  try {
    HostCtx *c = ctx_of(ctx);
    if (c == nullptr) return TRELLIS_E_INVALID;
    KvResult r = c->kv_put(collection, id, value_json, expected_revision);
    if (r.status == TRELLIS_OK && new_revision_out != nullptr) *new_revision_out = r.revision;
    return finish_kv(r, error);
  } catch (const std::bad_alloc &) {
    return TRELLIS_E_NOMEM;
  } catch (...) {
    return TRELLIS_E_INTERNAL;
  }
}

const trellis_host_api kHostApi = {
    .struct_size = static_cast<uint32_t>(sizeof(trellis_host_api)),
    .abi_major = TRELLIS_ABI_MAJOR,
    .abi_minor = TRELLIS_ABI_MINOR,
    .host_version = TRELLIS_VERSION,
    .alloc = api_alloc,
    .free = api_free,
    .log = api_log,
    .now_ns = api_now_ns,
    .post = api_post,
    .timer_new = api_timer_new,
    .timer_arm = api_timer_arm,
    .timer_cancel = api_timer_cancel,
    .timer_free = api_timer_free,
    .submit_work = api_submit_work,
    .metric_new = api_metric_new,
    .counter_add = api_counter_add,
    .gauge_set = api_gauge_set,
    .kv_get = api_kv_get,
    .kv_put = api_kv_put,
};

}  // namespace

const trellis_host_api *host_api() { return &kHostApi; }

}  // namespace trellis::core
