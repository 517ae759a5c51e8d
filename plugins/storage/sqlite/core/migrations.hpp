// SPDX-License-Identifier: Apache-2.0
// The sqlite schema as an ordered list of migrations. Version N is the schema
// after steps 1..N; a database records each applied step in schema_version.
// Steps are history: once released, a step's SQL never changes; a new schema
// is a new step appended at the end.
//
//   1  one table per known collection (core/contract.hpp) + generic documents
//   2  the events table, indexed by (account, seq)
//   3  expression indexes for the management's lookups (peer key and ip,
//      setup-key hash, user subject, token hash)
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace trellis::storage::sqlite {

struct Migration {
  int64_t version;
  std::string_view description;
  std::string_view sql;  // one or more statements
};

std::span<const Migration> migrations();
int64_t latest_schema_version();

// Creates schema_version if absent; safe to run on every open.
extern const std::string_view kSchemaVersionTable;

}  // namespace trellis::storage::sqlite
