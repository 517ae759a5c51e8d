// SPDX-License-Identifier: Apache-2.0
// The storage kind's ABI glue, written once for both storage plugins: a
// trellis_storage_vtable whose every entry checks its pointers, runs the
// backend's Store inside the SDK's exception barrier, and converts results into
// ABI structs (strings the host keeps are copied with the host's allocator,
// visitors get borrowed views). A plugin.cpp instantiates it with its Store:
//
//   static trellis_storage_vtable vt = trellis::storage::Glue<Store>::vtable();
//   TRELLIS_DECLARE_PLUGIN(TRELLIS_KIND_STORAGE, "sqlite", "0.1.0", "...", vt)
//
// Store provides: static std::unique_ptr<Store> create(const trellis_create_params &);
// a Txn type with Store *store(); begin/commit/rollback; get/put/remove/scan;
// append_event/page_events; describe (see plugins/storage/sqlite/io/store.hpp).
#pragma once

#include <trellis/plugin.h>

#include <cstddef>
#include <memory>
#include <string>
#include <trellis/plugin.hpp>
#include <vector>

#include "contract.hpp"

namespace trellis::storage {

template <typename Store>
class Glue {
  using Txn = typename Store::Txn;

 public:
  static trellis_storage_vtable vtable() {
    trellis_storage_vtable vt = sdk::sized<trellis_storage_vtable>();
    vt.create = &create;
    vt.destroy = &destroy;
    vt.begin = &begin;
    vt.commit = &commit;
    vt.rollback = &rollback;
    vt.get = &get;
    vt.put = &put;
    vt.remove = &remove;
    vt.scan = &scan;
    vt.append_event = &append_event;
    vt.page_events = &page_events;
    vt.describe = &describe;
    return vt;
  }

 private:
  static Store *self(void *instance) {
    if (instance == nullptr) throw sdk::Error(TRELLIS_E_INVALID, "storage instance is NULL");
    return static_cast<Store *>(instance);
  }
  static Txn *txn_of(trellis_txn *txn) { return reinterpret_cast<Txn *>(txn); }

  static trellis_status create(const trellis_create_params *params, void **instance, char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      if (params == nullptr || instance == nullptr) {
        return sdk::fail(error, TRELLIS_E_INVALID, "create: params and instance must not be NULL");
      }
      *instance = nullptr;
      const trellis_create_params p = sdk::read_sized(params);
      *instance = Store::create(p).release();
      return TRELLIS_OK;
    });
  }

  static void destroy(void *instance) {
    sdk::barrier_void([&] { delete static_cast<Store *>(instance); });
  }

  static trellis_status begin(void *instance, trellis_txn **txn, char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      if (txn == nullptr) return sdk::fail(error, TRELLIS_E_INVALID, "begin: txn is NULL");
      *txn = reinterpret_cast<trellis_txn *>(self(instance)->begin());
      return TRELLIS_OK;
    });
  }

  static trellis_status commit(trellis_txn *txn, char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      if (txn == nullptr) return sdk::fail(error, TRELLIS_E_INVALID, "commit: txn is NULL");
      Txn *t = txn_of(txn);
      t->store()->commit(t);
      return TRELLIS_OK;
    });
  }

  static void rollback(trellis_txn *txn) {
    if (txn == nullptr) return;
    sdk::barrier_void([&] {
      Txn *t = txn_of(txn);
      t->store()->rollback(t);
    });
  }

  // The host frees every string of *out with its free (sdk::doc_free).
  static void fill_doc(trellis_doc *out, const char *collection, const DocRow &row) {
    char *c = sdk::host_strdup(collection);
    char *i = sdk::host_strdup(row.id);
    char *a = sdk::host_strdup(row.account);
    char *j = sdk::host_strdup(row.json);
    if (c == nullptr || i == nullptr || a == nullptr || j == nullptr) {
      for (char *p : {c, i, a, j}) {
        if (p != nullptr) sdk::host().api->free(p);
      }
      throw sdk::Error(TRELLIS_E_NOMEM, "out of memory copying a document");
    }
    out->collection = c;
    out->id = i;
    out->account = a;
    out->json = j;
    out->revision = row.revision;
  }

  static trellis_status get(void *instance, trellis_txn *txn, const char *collection,
                            const char *id, trellis_doc *doc_out, char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      if (doc_out == nullptr) return sdk::fail(error, TRELLIS_E_INVALID, "get: doc_out is NULL");
      // A caller that left struct_size 0 gets ours; a smaller non-zero size
      // cannot hold the 1.0 fields.
      if (doc_out->struct_size == 0) doc_out->struct_size = sizeof(trellis_doc);
      if (doc_out->struct_size < sizeof(trellis_doc)) {
        return sdk::fail(error, TRELLIS_E_ABI, "get: doc_out->struct_size is too small");
      }
      const DocRow row = self(instance)->get(txn_of(txn), collection, id);
      fill_doc(doc_out, collection, row);
      return TRELLIS_OK;
    });
  }

  static trellis_status put(void *instance, trellis_txn *txn, const char *collection,
                            const char *account, const char *id, const char *json,
                            uint64_t expected_revision, uint64_t *new_revision, char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      const uint64_t rev =
          self(instance)->put(txn_of(txn), collection, account, id, json, expected_revision);
      if (new_revision != nullptr) *new_revision = rev;
      return TRELLIS_OK;
    });
  }

  static trellis_status remove(void *instance, trellis_txn *txn, const char *collection,
                               const char *id, uint64_t expected_revision, char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      self(instance)->remove(txn_of(txn), collection, id, expected_revision);
      return TRELLIS_OK;
    });
  }

  static trellis_status scan(void *instance, trellis_txn *txn, const char *collection,
                             const char *account, const char *field, const char *value,
                             trellis_doc_visitor visit, void *user, char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      if (visit == nullptr) return sdk::fail(error, TRELLIS_E_INVALID, "scan: visit is NULL");
      const std::vector<DocRow> rows =
          self(instance)->scan(txn_of(txn), collection, account, field, value);
      for (const DocRow &row : rows) {
        trellis_doc doc = sdk::sized<trellis_doc>();
        doc.collection = collection;
        doc.id = row.id.c_str();
        doc.account = row.account.c_str();
        doc.json = row.json.c_str();
        doc.revision = row.revision;
        if (visit(user, &doc) != 0) break;
      }
      return TRELLIS_OK;
    });
  }

  static trellis_status append_event(void *instance, trellis_txn *txn, const char *account,
                                     const char *json, uint64_t *seq_out, char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      const uint64_t seq = self(instance)->append_event(txn_of(txn), account, json);
      if (seq_out != nullptr) *seq_out = seq;
      return TRELLIS_OK;
    });
  }

  static trellis_status page_events(void *instance, const char *account, uint64_t after_seq,
                                    uint32_t limit, trellis_event_visitor visit, void *user,
                                    char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      if (visit == nullptr)
        return sdk::fail(error, TRELLIS_E_INVALID, "page_events: visit is NULL");
      const std::vector<EventRow> rows = self(instance)->page_events(account, after_seq, limit);
      for (const EventRow &row : rows) {
        trellis_event_record ev = sdk::sized<trellis_event_record>();
        ev.seq = row.seq;
        ev.time_unix_ms = row.time_unix_ms;
        ev.account = row.account.c_str();
        ev.json = row.json.c_str();
        if (visit(user, &ev) != 0) break;
      }
      return TRELLIS_OK;
    });
  }

  static trellis_status describe(void *instance, char **text_out, char **error) {
    return sdk::barrier(error, [&]() -> trellis_status {
      if (text_out == nullptr)
        return sdk::fail(error, TRELLIS_E_INVALID, "describe: text_out is NULL");
      *text_out = sdk::host_strdup(self(instance)->describe());
      if (*text_out == nullptr) return sdk::fail(error, TRELLIS_E_NOMEM, "out of memory");
      return TRELLIS_OK;
    });
  }
};

}  // namespace trellis::storage
