// SPDX-License-Identifier: Apache-2.0
// The postgres schema as an ordered list of migrations, run inside one
// transaction with search_path set to the configured schema. Version N is the
// schema after steps 1..N; schema_version records each applied step. Steps are
// history: once released a step never changes; a new schema is a new step.
//
//   1  one table per known collection (core/contract.hpp) + generic documents
//   2  the events table, indexed by (account, seq)
//   3  expression indexes for the management's lookups (peer key and ip,
//      setup-key hash, user subject, token hash)
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace trellis::storage::postgres {

struct Migration {
  int64_t version;
  std::string_view description;
  std::string_view sql;  // one or more statements
};

std::span<const Migration> migrations();
int64_t latest_schema_version();

extern const std::string_view kSchemaVersionTable;

}  // namespace trellis::storage::postgres
