// SPDX-License-Identifier: Apache-2.0
// SQL text for the sqlite plugin's operations (see sql.hpp). Every write sets
// updated_at and moves the revision by exactly one; RETURNING hands back the
// new revision in the same statement.
#include "sql.hpp"

#include "contract.hpp"

namespace trellis::storage::sqlite {

namespace {

std::string key(const Table &t) {
  return t.generic ? "collection = :coll AND id = :id" : "id = :id";
}

std::string insert_head(const Table &t) {
  return "INSERT INTO " + t.name + (t.generic ? " (collection, " : " (") +
         "id, account, revision, doc, updated_at) VALUES (" + (t.generic ? ":coll, " : "") +
         ":id, :account, 1, :doc, :now)";
}

}  // namespace

Table table_for(std::string_view collection) {
  if (const KnownCollection *known = find_known_collection(collection)) {
    return Table{std::string(known->name), false};
  }
  return Table{"documents", true};
}

std::string sql_get(const Table &t) {
  return "SELECT account, revision, doc FROM " + t.name + " WHERE " + key(t);
}

std::string sql_insert(const Table &t) {
  return insert_head(t) + " ON CONFLICT DO NOTHING RETURNING revision";
}

std::string sql_upsert(const Table &t) {
  return insert_head(t) + " ON CONFLICT (" + (t.generic ? "collection, id" : "id") +
         ") DO UPDATE SET account = excluded.account, revision = revision + 1, "
         "doc = excluded.doc, updated_at = excluded.updated_at RETURNING revision";
}

std::string sql_update(const Table &t) {
  return "UPDATE " + t.name +
         " SET account = :account, revision = revision + 1, doc = :doc, updated_at = :now"
         " WHERE " +
         key(t) + " AND revision = :rev RETURNING revision";
}

std::string sql_revision(const Table &t) {
  return "SELECT revision FROM " + t.name + " WHERE " + key(t);
}

std::string sql_remove(const Table &t, bool exact) {
  return "DELETE FROM " + t.name + " WHERE " + key(t) + (exact ? " AND revision = :rev" : "");
}

std::string sql_scan(const Table &t, bool by_account, std::string_view field) {
  std::string where;
  auto add = [&](const std::string &cond) {
    where += (where.empty() ? " WHERE " : " AND ") + cond;
  };
  if (t.generic) add("collection = :coll");
  if (by_account) add("account = :account");
  if (!field.empty()) {
    const std::string path = "'$." + std::string(field) + "'";
    add("json_extract(doc, " + path + ") = :value");
    add("json_type(doc, " + path + ") = 'text'");
  }
  return "SELECT id, account, revision, doc FROM " + t.name + where + " ORDER BY id";
}

std::string sql_append_event() {
  return "INSERT INTO events (account, created_at, doc) VALUES (:account, :now, :doc) "
         "RETURNING seq";
}

std::string sql_page_events(bool by_account) {
  return std::string("SELECT seq, created_at, account, doc FROM events WHERE seq > :after") +
         (by_account ? " AND account = :account" : "") + " ORDER BY seq LIMIT :limit";
}

}  // namespace trellis::storage::sqlite
