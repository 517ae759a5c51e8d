// SPDX-License-Identifier: Apache-2.0
// The minimal test host for storage plugins (see test_host.hpp).
#include "test_host.hpp"

#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace trellis::storage_test {

namespace {

std::atomic<int64_t> g_live{0};
std::mutex g_log_mu;
std::vector<std::string> g_log;

void *host_alloc(size_t size) {
  void *p = std::malloc(size == 0 ? 1 : size);
  if (p != nullptr) g_live.fetch_add(1, std::memory_order_relaxed);
  return p;
}

void host_free(void *p) {
  if (p == nullptr) return;
  g_live.fetch_sub(1, std::memory_order_relaxed);
  std::free(p);
}

void host_log(trellis_host_ctx *, trellis_log_level level, const char *msg) {
  static const char *const names[] = {"trace", "debug", "info", "warn", "error"};
  const char *name = level >= 0 && level <= 4 ? names[level] : "?";
  std::string line = std::string(name) + ": " + (msg != nullptr ? msg : "(null)");
  if (std::getenv("TRELLIS_TEST_VERBOSE") != nullptr) std::fprintf(stderr, "%s\n", line.c_str());
  std::lock_guard lock(g_log_mu);
  if (g_log.size() < 10000) g_log.push_back(std::move(line));
}

uint64_t host_now_ns(trellis_host_ctx *) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

trellis_status host_post(trellis_host_ctx *, trellis_task_fn, void *) {
  return TRELLIS_E_UNSUPPORTED;
}
trellis_timer *host_timer_new(trellis_host_ctx *, trellis_task_fn, void *) { return nullptr; }
void host_timer_arm(trellis_timer *, uint64_t) {}
void host_timer_cancel(trellis_timer *) {}
void host_timer_free(trellis_timer *) {}
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

const trellis_host_api g_api = {
    static_cast<uint32_t>(sizeof(trellis_host_api)),
    TRELLIS_ABI_MAJOR,
    TRELLIS_ABI_MINOR,
    "0.1.0-test",
    host_alloc,
    host_free,
    host_log,
    host_now_ns,
    host_post,
    host_timer_new,
    host_timer_arm,
    host_timer_cancel,
    host_timer_free,
    host_submit_work,
    host_metric_new,
    host_counter_add,
    host_gauge_set,
    host_kv_get,
    host_kv_put,
};

// Stand-in contexts: the plugins only pass them back to the host.
struct trellis_host_ctx_stub {
  int unused = 0;
} g_library_ctx, g_instance_ctx;

trellis_host_ctx *library_ctx() { return reinterpret_cast<trellis_host_ctx *>(&g_library_ctx); }
trellis_host_ctx *instance_ctx() { return reinterpret_cast<trellis_host_ctx *>(&g_instance_ctx); }

std::string take_string(char *s) {
  std::string out = s != nullptr ? s : "";
  host_free(s);
  return out;
}

}  // namespace

int64_t HostStats::live_allocations() { return g_live.load(); }

std::vector<std::string> HostStats::log_lines() {
  std::lock_guard lock(g_log_mu);
  return g_log;
}

void HostStats::clear_log() {
  std::lock_guard lock(g_log_mu);
  g_log.clear();
}

Status take_status(trellis_status code, char *error) {
  Status s;
  s.code = code;
  s.message = take_string(error);
  return s;
}

void free_doc(trellis_doc *doc) {
  for (const char *p : {doc->collection, doc->id, doc->account, doc->json}) {
    host_free(const_cast<char *>(p));
  }
  doc->collection = doc->id = doc->account = doc->json = nullptr;
}

// ---------------------------------------------------------------------------

StoragePlugin::StoragePlugin(const std::string &path) {
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle_ == nullptr) throw std::runtime_error("dlopen " + path + ": " + dlerror());
  auto entry =
      reinterpret_cast<trellis_plugin_entry_fn>(dlsym(handle_, TRELLIS_PLUGIN_ENTRY_SYMBOL));
  if (entry == nullptr) throw std::runtime_error(path + " has no " TRELLIS_PLUGIN_ENTRY_SYMBOL);
  descriptor_ = entry(&g_api, library_ctx());
  if (descriptor_ == nullptr) throw std::runtime_error(path + ": the entry refused to load");
  if (descriptor_->abi_major != TRELLIS_ABI_MAJOR || descriptor_->kind != TRELLIS_KIND_STORAGE ||
      descriptor_->vtable == nullptr) {
    throw std::runtime_error(path + ": not a storage plugin of ABI major 1");
  }
  vtable_ = static_cast<const trellis_storage_vtable *>(descriptor_->vtable);
  if (vtable_->struct_size < sizeof(trellis_storage_vtable)) {
    throw std::runtime_error(path + ": storage vtable is smaller than ABI 1.0's");
  }
}

// Plugins are never unloaded while the process runs (the ABI rule for live
// instances; it also keeps thread-local destructors of the plugin valid).
StoragePlugin::~StoragePlugin() = default;

// ---------------------------------------------------------------------------

Txn::Txn(Txn &&o) noexcept : vt_(o.vt_), txn_(std::exchange(o.txn_, nullptr)) {}

Txn &Txn::operator=(Txn &&o) noexcept {
  if (this != &o) {
    rollback();
    vt_ = o.vt_;
    txn_ = std::exchange(o.txn_, nullptr);
  }
  return *this;
}

Status Txn::commit() {
  char *error = nullptr;
  const trellis_status rc = vt_->commit(std::exchange(txn_, nullptr), &error);
  return take_status(rc, error);
}

void Txn::rollback() {
  if (txn_ != nullptr) vt_->rollback(std::exchange(txn_, nullptr));
}

// ---------------------------------------------------------------------------

Status Store::open(const StoragePlugin &plugin, const std::string &config_json,
                   const std::string &state_dir, std::unique_ptr<Store> &out) {
  trellis_create_params params{};
  params.struct_size = sizeof(params);
  params.ctx = instance_ctx();
  params.instance_name = "default";
  params.config_json = config_json.c_str();
  params.state_dir = state_dir.empty() ? nullptr : state_dir.c_str();
  void *instance = nullptr;
  char *error = nullptr;
  const trellis_status rc = plugin.vtable().create(&params, &instance, &error);
  Status s = take_status(rc, error);
  if (s.ok()) out.reset(new Store(&plugin.vtable(), instance));
  return s;
}

Store::~Store() { vt_->destroy(instance_); }

Status Store::begin(Txn &out) {
  out.rollback();
  out.vt_ = vt_;
  char *error = nullptr;
  const trellis_status rc = vt_->begin(instance_, &out.txn_, &error);
  if (rc != TRELLIS_OK) out.txn_ = nullptr;
  return take_status(rc, error);
}

Status Store::get(Txn *txn, const char *collection, const char *id, Doc &out) {
  trellis_doc doc{};
  doc.struct_size = sizeof(doc);
  char *error = nullptr;
  const trellis_status rc =
      vt_->get(instance_, txn != nullptr ? txn->get() : nullptr, collection, id, &doc, &error);
  if (rc == TRELLIS_OK) {
    out.collection = take_string(const_cast<char *>(doc.collection));
    out.id = take_string(const_cast<char *>(doc.id));
    out.account = take_string(const_cast<char *>(doc.account));
    out.json = take_string(const_cast<char *>(doc.json));
    out.revision = doc.revision;
  }
  return take_status(rc, error);
}

Status Store::put(Txn *txn, const char *collection, const char *account, const char *id,
                  const char *json, uint64_t expected, uint64_t *new_revision) {
  char *error = nullptr;
  uint64_t rev = 0;
  const trellis_status rc = vt_->put(instance_, txn != nullptr ? txn->get() : nullptr, collection,
                                     account, id, json, expected, &rev, &error);
  if (rc == TRELLIS_OK && new_revision != nullptr) *new_revision = rev;
  return take_status(rc, error);
}

Status Store::remove(Txn *txn, const char *collection, const char *id, uint64_t expected) {
  char *error = nullptr;
  const trellis_status rc = vt_->remove(instance_, txn != nullptr ? txn->get() : nullptr,
                                        collection, id, expected, &error);
  return take_status(rc, error);
}

namespace {

struct ScanState {
  const char *collection;
  std::vector<Doc> *out;
  size_t stop_after;
};

int visit_doc(void *user, const trellis_doc *doc) {
  auto *s = static_cast<ScanState *>(user);
  s->out->push_back(Doc{doc->collection != nullptr ? doc->collection : "", doc->id, doc->account,
                        doc->json, doc->revision});
  return s->out->size() >= s->stop_after ? 1 : 0;
}

int visit_event(void *user, const trellis_event_record *ev) {
  static_cast<std::vector<Event> *>(user)->push_back(
      Event{ev->seq, ev->time_unix_ms, ev->account, ev->json});
  return 0;
}

}  // namespace

Status Store::scan(Txn *txn, const char *collection, const char *account, const char *field,
                   const char *value, std::vector<Doc> &out, size_t stop_after) {
  out.clear();
  ScanState state{collection, &out, stop_after};
  char *error = nullptr;
  const trellis_status rc = vt_->scan(instance_, txn != nullptr ? txn->get() : nullptr, collection,
                                      account, field, value, visit_doc, &state, &error);
  return take_status(rc, error);
}

Status Store::append_event(Txn *txn, const char *account, const char *json, uint64_t *seq) {
  char *error = nullptr;
  uint64_t s = 0;
  const trellis_status rc = vt_->append_event(instance_, txn != nullptr ? txn->get() : nullptr,
                                              account, json, &s, &error);
  if (rc == TRELLIS_OK && seq != nullptr) *seq = s;
  return take_status(rc, error);
}

Status Store::page_events(const char *account, uint64_t after_seq, uint32_t limit,
                          std::vector<Event> &out) {
  out.clear();
  char *error = nullptr;
  const trellis_status rc =
      vt_->page_events(instance_, account, after_seq, limit, visit_event, &out, &error);
  return take_status(rc, error);
}

Status Store::describe(std::string &out) {
  char *text = nullptr;
  char *error = nullptr;
  const trellis_status rc = vt_->describe(instance_, &text, &error);
  out = take_string(text);
  return take_status(rc, error);
}

}  // namespace trellis::storage_test
