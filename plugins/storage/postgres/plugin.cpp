// SPDX-License-Identifier: Apache-2.0
// trellis-storage-postgres: storage for larger deployments and several
// management instances. ABI glue only: the vtable comes from the storage
// glue shared with the sqlite plugin, around io/store.hpp's Store.
#include <trellis/plugin.hpp>

#include "../sqlite/core/abi_glue.hpp"
#include "io/store.hpp"

namespace {
trellis_storage_vtable vtable = trellis::storage::Glue<trellis::storage::postgres::Store>::vtable();
}  // namespace

TRELLIS_DECLARE_PLUGIN(TRELLIS_KIND_STORAGE, "postgres", "0.1.0",
                       "Management records in PostgreSQL (libpqxx, pooled, retried on loss)",
                       vtable)
