// SPDX-License-Identifier: Apache-2.0
// The test driver's minimal host: plugin loading and a host API table.
#include "driver_host.hpp"

#include <dlfcn.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <stdexcept>
#include <utility>

// The host defines the context type; the plugin only passes pointers back.
struct trellis_host_ctx {
  std::string name;
};

namespace trellis::vmtest {
namespace {

std::deque<std::pair<trellis_task_fn, void *>> &posted() {
  static std::deque<std::pair<trellis_task_fn, void *>> q;
  return q;
}

void *host_alloc(size_t size) { return std::malloc(size); }
void host_free(void *p) { std::free(p); }

void host_log(trellis_host_ctx *ctx, trellis_log_level level, const char *msg) {
  static const char *names[] = {"trace", "debug", "info", "warn", "error"};
  const char *lv = level >= TRELLIS_LOG_TRACE && level <= TRELLIS_LOG_ERROR ? names[level] : "?";
  std::fprintf(stderr, "  [plugin %s %s] %s\n", ctx != nullptr ? ctx->name.c_str() : "-", lv, msg);
}

uint64_t host_now_ns(trellis_host_ctx *) {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

trellis_status host_post(trellis_host_ctx *, trellis_task_fn fn, void *user) {
  posted().emplace_back(fn, user);
  return TRELLIS_OK;
}

trellis_timer *host_timer_new(trellis_host_ctx *, trellis_task_fn, void *) { return nullptr; }
void host_timer_noop(trellis_timer *) {}
void host_timer_arm(trellis_timer *, uint64_t) {}

trellis_status host_submit_work(trellis_host_ctx *, trellis_status (*)(void *),
                                void (*)(void *, trellis_status), void *) {
  return TRELLIS_E_UNSUPPORTED;
}

trellis_metric *host_metric_new(trellis_host_ctx *, trellis_metric_type, const char *, const char *,
                                const char *) {
  return nullptr;
}
void host_counter_add(trellis_metric *, uint64_t) {}
void host_gauge_set(trellis_metric *, double) {}

trellis_status host_kv_get(trellis_host_ctx *, const char *, const char *, char **, uint64_t *,
                           char **) {
  return TRELLIS_E_UNSUPPORTED;
}
trellis_status host_kv_put(trellis_host_ctx *, const char *, const char *, const char *, uint64_t,
                           uint64_t *, char **) {
  return TRELLIS_E_UNSUPPORTED;
}

const trellis_host_api kApi = {
    .struct_size = sizeof(trellis_host_api),
    .abi_major = TRELLIS_ABI_MAJOR,
    .abi_minor = TRELLIS_ABI_MINOR,
    .host_version = "vm-driver",
    .alloc = host_alloc,
    .free = host_free,
    .log = host_log,
    .now_ns = host_now_ns,
    .post = host_post,
    .timer_new = host_timer_new,
    .timer_arm = host_timer_arm,
    .timer_cancel = host_timer_noop,
    .timer_free = host_timer_noop,
    .submit_work = host_submit_work,
    .metric_new = host_metric_new,
    .counter_add = host_counter_add,
    .gauge_set = host_gauge_set,
    .kv_get = host_kv_get,
    .kv_put = host_kv_put,
};

}  // namespace

DriverHost::DriverHost(const std::string &plugin_path) {
  library_ = dlopen(plugin_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library_ == nullptr) throw std::runtime_error(std::string("dlopen: ") + dlerror());
  auto entry = reinterpret_cast<trellis_plugin_entry_fn>(dlsym(library_, TRELLIS_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) {
    throw std::runtime_error(plugin_path + " does not export " TRELLIS_PLUGIN_ENTRY_SYMBOL);
  }
  trellis_host_ctx *library_ctx = new_context("library");
  descriptor_ = entry(&kApi, library_ctx);
  if (descriptor_ == nullptr) throw std::runtime_error(plugin_path + " refused to load");
  if (descriptor_->abi_major != TRELLIS_ABI_MAJOR) {
    throw std::runtime_error(plugin_path + " is ABI " + std::to_string(descriptor_->abi_major) +
                             ", this host " + std::to_string(TRELLIS_ABI_MAJOR));
  }
  if (descriptor_->kind != TRELLIS_KIND_TUNNEL || descriptor_->vtable == nullptr) {
    throw std::runtime_error(plugin_path + " is not a tunnel plugin");
  }
  tunnel_ = static_cast<const trellis_tunnel_vtable *>(descriptor_->vtable);
  if (tunnel_->struct_size < sizeof(trellis_tunnel_vtable)) {
    throw std::runtime_error(plugin_path + " has an older tunnel vtable than this driver knows");
  }
}

DriverHost::~DriverHost() {
  // Plugins are never unloaded while instances live; the driver exits right
  // after, so the library stays mapped (as the real host does).
  for (trellis_host_ctx *c : contexts_) delete c;
}

trellis_host_ctx *DriverHost::new_context(const std::string &name) {
  contexts_.push_back(new trellis_host_ctx{name});
  return contexts_.back();
}

size_t DriverHost::run_posted() {
  size_t n = 0;
  for (; !posted().empty() && n < 10000; ++n) {
    auto [fn, user] = posted().front();
    posted().pop_front();
    fn(user);
  }
  return n;
}

std::string DriverHost::take_error(char *error) {
  if (error == nullptr) return {};
  std::string s(error);
  host_free(error);
  return s;
}

}  // namespace trellis::vmtest
