// SPDX-License-Identifier: Apache-2.0
// The SQL of every postgres storage operation, with its parameters: each
// builder returns a Query whose values travel as $n parameters. The only
// non-constant SQL text is the quoted schema name (a validated identifier),
// a table name from the catalog in core/contract.hpp, and a scan field name
// checked against [A-Za-z0-9_]+ (spliced so the planner can match the
// expression indexes of migration 3).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trellis::storage::postgres {

struct Query {
  std::string sql;
  std::vector<std::string> params;
};

struct Table {
  std::string qualified;  // "schema".peers or "schema".documents
  bool generic = false;   // rows keyed by (collection, id)
};

Table table_for(const std::string &schema, std::string_view collection);

// Each returns the columns named after "->".
Query q_get(const Table &t, const char *collection, const char *id);  // -> account, revision, doc
Query q_insert(const Table &t, const char *collection, const char *id, const char *account,
               const char *json);  // -> revision; no row if it exists
Query q_upsert(const Table &t, const char *collection, const char *id, const char *account,
               const char *json);  // -> revision
Query q_update(const Table &t, const char *collection, const char *id, const char *account,
               const char *json, uint64_t expected);  // -> revision; no row on mismatch
Query q_revision(const Table &t, const char *collection, const char *id);  // -> revision
Query q_remove(const Table &t, const char *collection, const char *id, uint64_t expected);
// -> id, account, revision, doc in id order. account, field and value may be NULL.
Query q_scan(const Table &t, const char *collection, const char *account, const char *field,
             const char *value);
std::string sql_lock_events(const std::string &schema);
Query q_append_event(const std::string &schema, const char *account, const char *json);  // -> seq
// -> seq, created_at (unix ms), account, doc
Query q_page_events(const std::string &schema, const char *account, uint64_t after_seq,
                    uint32_t limit);

}  // namespace trellis::storage::postgres
