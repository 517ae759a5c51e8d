// SPDX-License-Identifier: Apache-2.0
// The sqlite migrations (see migrations.hpp for the list). Tables are STRICT;
// documents and events are JSON text checked with json_valid; times are unix
// milliseconds; ids and accounts compare bytewise (BINARY), which is code-point
// order for UTF-8, the order scan promises.
#include "migrations.hpp"

#include <array>

namespace trellis::storage::sqlite {

namespace {

#define TRELLIS_DOC_TABLE(T)                            \
  "CREATE TABLE " T                                     \
  " (\n"                                                \
  "  id TEXT PRIMARY KEY NOT NULL,\n"                   \
  "  account TEXT NOT NULL,\n"                          \
  "  revision INTEGER NOT NULL CHECK (revision > 0),\n" \
  "  doc TEXT NOT NULL CHECK (json_valid(doc)),\n"      \
  "  updated_at INTEGER NOT NULL\n"                     \
  ") STRICT;\n"                                         \
  "CREATE INDEX " T "_by_account ON " T " (account, id);\n"

constexpr std::string_view kCollections =
    TRELLIS_DOC_TABLE("accounts")
    TRELLIS_DOC_TABLE("users")
    TRELLIS_DOC_TABLE("peers")
    TRELLIS_DOC_TABLE("groups")
    TRELLIS_DOC_TABLE("policies")
    TRELLIS_DOC_TABLE("setup_keys")
    TRELLIS_DOC_TABLE("routes")
    TRELLIS_DOC_TABLE("dns")
    TRELLIS_DOC_TABLE("tokens")
    "CREATE TABLE documents (\n"
    "  collection TEXT NOT NULL,\n"
    "  id TEXT NOT NULL,\n"
    "  account TEXT NOT NULL,\n"
    "  revision INTEGER NOT NULL CHECK (revision > 0),\n"
    "  doc TEXT NOT NULL CHECK (json_valid(doc)),\n"
    "  updated_at INTEGER NOT NULL,\n"
    "  PRIMARY KEY (collection, id)\n"
    ") STRICT;\n"
    "CREATE INDEX documents_by_account ON documents (collection, account, id);\n";

#undef TRELLIS_DOC_TABLE

constexpr std::string_view kEvents =
    "CREATE TABLE events (\n"
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  account TEXT NOT NULL,\n"
    "  created_at INTEGER NOT NULL,\n"
    "  doc TEXT NOT NULL CHECK (json_valid(doc))\n"
    ") STRICT;\n"
    "CREATE INDEX events_by_account ON events (account, seq);\n";

// The expressions must stay textually identical to those scan generates
// (json_extract(doc, '$.FIELD')) for the planner to use these indexes.
constexpr std::string_view kLookups =
    "CREATE INDEX peers_by_key ON peers (json_extract(doc, '$.key'));\n"
    "CREATE INDEX peers_by_ip ON peers (json_extract(doc, '$.ip'));\n"
    "CREATE INDEX setup_keys_by_hash ON setup_keys (json_extract(doc, '$.hash'));\n"
    "CREATE INDEX users_by_subject ON users (json_extract(doc, '$.subject'));\n"
    "CREATE INDEX tokens_by_hash ON tokens (json_extract(doc, '$.hash'));\n";

constexpr std::array<Migration, 3> kMigrations{{
    {1, "collections", kCollections},
    {2, "events", kEvents},
    {3, "lookup indexes", kLookups},
}};

}  // namespace

const std::string_view kSchemaVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (\n"
    "  version INTEGER PRIMARY KEY NOT NULL,\n"
    "  description TEXT NOT NULL,\n"
    "  applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP\n"
    ") STRICT;\n";

std::span<const Migration> migrations() { return kMigrations; }

int64_t latest_schema_version() { return kMigrations.back().version; }

}  // namespace trellis::storage::sqlite
