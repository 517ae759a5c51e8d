// SPDX-License-Identifier: Apache-2.0
// trellis-storage-sqlite: the embedded default storage. ABI glue only: the
// vtable comes from core/abi_glue.hpp around io/store.hpp's Store.
#include <trellis/plugin.hpp>

#include "core/abi_glue.hpp"
#include "io/store.hpp"

namespace {
trellis_storage_vtable vtable = trellis::storage::Glue<trellis::storage::sqlite::Store>::vtable();
}  // namespace

TRELLIS_DECLARE_PLUGIN(TRELLIS_KIND_STORAGE, "sqlite", "0.1.0",
                       "Management records in an embedded SQLite database (WAL, synced commits)",
                       vtable)
