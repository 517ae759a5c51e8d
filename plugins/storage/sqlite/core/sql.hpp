// SPDX-License-Identifier: Apache-2.0
// The SQL text of every sqlite storage operation, built from the collection's
// table. Values always travel as named parameters (:coll :id :account :doc
// :now :rev :value :after :limit); the only non-constant text spliced into SQL
// is a table name from the catalog in core/contract.hpp and a scan field name
// already checked against [A-Za-z0-9_]+ (so that the planner can match the
// expression indexes of migration 3).
#pragma once

#include <string>
#include <string_view>

namespace trellis::storage::sqlite {

struct Table {
  std::string name;      // the collection's own table, or "documents"
  bool generic = false;  // rows are keyed by (collection, id)
};

Table table_for(std::string_view collection);

std::string sql_get(const Table &t);       // -> account, revision, doc
std::string sql_insert(const Table &t);    // -> revision, no row if it exists
std::string sql_upsert(const Table &t);    // -> revision
std::string sql_update(const Table &t);    // -> revision, no row on mismatch
std::string sql_revision(const Table &t);  // -> revision
std::string sql_remove(const Table &t, bool exact);
// -> id, account, revision, doc in id order; field empty for no field filter.
std::string sql_scan(const Table &t, bool by_account, std::string_view field);
std::string sql_append_event();                // -> seq
std::string sql_page_events(bool by_account);  // -> seq, created_at, account, doc

}  // namespace trellis::storage::sqlite
