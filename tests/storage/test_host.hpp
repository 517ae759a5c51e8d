// SPDX-License-Identifier: Apache-2.0
// A minimal host for storage plugins under test, kept apart so the real
// PluginLoader (host/core) can replace it: StoragePlugin dlopens a plugin,
// hands its entry a host API with counting alloc/free, a logger that keeps
// what it is told, a monotonic clock, and TRELLIS_E_UNSUPPORTED/NULL for the
// services storage does not use (post, timers, work, metrics, kv). Store and
// Txn wrap an instance and a transaction in RAII with C++ types, turning every
// status and error text into a Status and freeing every host-allocated string.
#pragma once

#include <trellis/plugin.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace trellis::storage_test {

struct Status {
  trellis_status code = TRELLIS_OK;
  std::string message;
  bool ok() const { return code == TRELLIS_OK; }
};

struct Doc {
  std::string collection;
  std::string id;
  std::string account;
  std::string json;
  uint64_t revision = 0;
};

struct Event {
  uint64_t seq = 0;
  int64_t time_unix_ms = 0;
  std::string account;
  std::string json;
};

// Host-side counters and the log, shared by every plugin the test loads.
struct HostStats {
  static int64_t live_allocations();  // alloc() minus free() of non-NULL pointers
  static std::vector<std::string> log_lines();
  static void clear_log();
};

class StoragePlugin {
 public:
  // Throws std::runtime_error naming the path and the reason.
  explicit StoragePlugin(const std::string &path);
  ~StoragePlugin();
  StoragePlugin(const StoragePlugin &) = delete;
  StoragePlugin &operator=(const StoragePlugin &) = delete;

  const trellis_plugin_descriptor &descriptor() const { return *descriptor_; }
  const trellis_storage_vtable &vtable() const { return *vtable_; }

 private:
  void *handle_ = nullptr;
  const trellis_plugin_descriptor *descriptor_ = nullptr;
  const trellis_storage_vtable *vtable_ = nullptr;
};

class Store;

// A transaction; rolled back on destruction unless committed or rolled back.
class Txn {
 public:
  Txn() = default;
  Txn(Txn &&o) noexcept;
  Txn &operator=(Txn &&o) noexcept;
  Txn(const Txn &) = delete;
  Txn &operator=(const Txn &) = delete;
  ~Txn() { rollback(); }

  Status commit();
  void rollback();
  trellis_txn *get() const { return txn_; }
  explicit operator bool() const { return txn_ != nullptr; }

 private:
  friend class Store;
  const trellis_storage_vtable *vt_ = nullptr;
  trellis_txn *txn_ = nullptr;
};

class Store {
 public:
  // state_dir may be empty (passed as NULL).
  static Status open(const StoragePlugin &plugin, const std::string &config_json,
                     const std::string &state_dir, std::unique_ptr<Store> &out);
  ~Store();
  Store(const Store &) = delete;
  Store &operator=(const Store &) = delete;

  Status begin(Txn &out);
  // txn nullptr: autocommit. Pointer arguments may be NULL to test refusals.
  Status get(Txn *txn, const char *collection, const char *id, Doc &out);
  Status put(Txn *txn, const char *collection, const char *account, const char *id,
             const char *json, uint64_t expected, uint64_t *new_revision = nullptr);
  Status remove(Txn *txn, const char *collection, const char *id, uint64_t expected);
  // stop_after: the visitor returns non-zero after this many documents.
  Status scan(Txn *txn, const char *collection, const char *account, const char *field,
              const char *value, std::vector<Doc> &out, size_t stop_after = SIZE_MAX);
  Status append_event(Txn *txn, const char *account, const char *json, uint64_t *seq = nullptr);
  Status page_events(const char *account, uint64_t after_seq, uint32_t limit,
                     std::vector<Event> &out);
  Status describe(std::string &out);

  const trellis_storage_vtable &vtable() const { return *vt_; }
  void *instance() const { return instance_; }

 private:
  Store(const trellis_storage_vtable *vt, void *instance) : vt_(vt), instance_(instance) {}
  const trellis_storage_vtable *vt_;
  void *instance_;
};

// Status of a call plus its error text, freeing the text.
Status take_status(trellis_status code, char *error);
// Frees the host-allocated strings a raw vtable get() filled in.
void free_doc(trellis_doc *doc);

}  // namespace trellis::storage_test
