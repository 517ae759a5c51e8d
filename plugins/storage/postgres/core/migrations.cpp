// SPDX-License-Identifier: Apache-2.0
// The postgres migrations (see migrations.hpp). Documents and events are
// jsonb; ids and accounts use the "C" collation so that id order is byte
// order, whatever the database's locale, as it is for sqlite.
#include "migrations.hpp"

#include <array>

namespace trellis::storage::postgres {

namespace {

#define TRELLIS_DOC_TABLE(T)                           \
  "CREATE TABLE " T                                    \
  " (\n"                                               \
  "  id text COLLATE \"C\" PRIMARY KEY,\n"             \
  "  account text COLLATE \"C\" NOT NULL,\n"           \
  "  revision bigint NOT NULL CHECK (revision > 0),\n" \
  "  doc jsonb NOT NULL,\n"                            \
  "  updated_at timestamptz NOT NULL DEFAULT now()\n"  \
  ");\n"                                               \
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
    "  collection text COLLATE \"C\" NOT NULL,\n"
    "  id text COLLATE \"C\" NOT NULL,\n"
    "  account text COLLATE \"C\" NOT NULL,\n"
    "  revision bigint NOT NULL CHECK (revision > 0),\n"
    "  doc jsonb NOT NULL,\n"
    "  updated_at timestamptz NOT NULL DEFAULT now(),\n"
    "  PRIMARY KEY (collection, id)\n"
    ");\n"
    "CREATE INDEX documents_by_account ON documents (collection, account, id);\n";

#undef TRELLIS_DOC_TABLE

constexpr std::string_view kEvents =
    "CREATE TABLE events (\n"
    "  seq bigserial PRIMARY KEY,\n"
    "  account text COLLATE \"C\" NOT NULL,\n"
    "  created_at timestamptz NOT NULL DEFAULT now(),\n"
    "  doc jsonb NOT NULL\n"
    ");\n"
    "CREATE INDEX events_by_account ON events (account, seq);\n";

// scan filters on exactly these expressions (doc->>'FIELD').
constexpr std::string_view kLookups =
    "CREATE INDEX peers_by_key ON peers ((doc->>'key'));\n"
    "CREATE INDEX peers_by_ip ON peers ((doc->>'ip'));\n"
    "CREATE INDEX setup_keys_by_hash ON setup_keys ((doc->>'hash'));\n"
    "CREATE INDEX users_by_subject ON users ((doc->>'subject'));\n"
    "CREATE INDEX tokens_by_hash ON tokens ((doc->>'hash'));\n";

constexpr std::array<Migration, 3> kMigrations{{
    {1, "collections", kCollections},
    {2, "events", kEvents},
    {3, "lookup indexes", kLookups},
}};

}  // namespace

const std::string_view kSchemaVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version (\n"
    "  version integer PRIMARY KEY,\n"
    "  description text NOT NULL,\n"
    "  applied_at timestamptz NOT NULL DEFAULT now()\n"
    ");\n";

std::span<const Migration> migrations() { return kMigrations; }

int64_t latest_schema_version() { return kMigrations.back().version; }

}  // namespace trellis::storage::postgres
