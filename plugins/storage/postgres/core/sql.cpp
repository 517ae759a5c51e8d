// SPDX-License-Identifier: Apache-2.0
// SQL for the postgres plugin's operations (see sql.hpp). Every write sets
// updated_at and moves the revision by exactly one, returning the new one.
#include "sql.hpp"

#include <trellis/plugin.h>

#include "../../sqlite/core/contract.hpp"
#include "config.hpp"

namespace trellis::storage::postgres {

namespace {

// Appends a value and returns its placeholder.
std::string param(Query &q, std::string value) {
  q.params.push_back(std::move(value));
  return "$" + std::to_string(q.params.size());
}

std::string key(Query &q, const Table &t, const char *collection, const char *id) {
  std::string k;
  if (t.generic) k = "collection = " + param(q, collection) + " AND ";
  return k + "id = " + param(q, id);
}

Query insert_head(const Table &t, const char *collection, const char *id, const char *account,
                  const char *json) {
  Query q;
  std::string values;
  if (t.generic) values = param(q, collection) + ", ";
  values += param(q, id) + ", " + param(q, account) + ", 1, " + param(q, json) + "::jsonb";
  q.sql = "INSERT INTO " + t.qualified + " AS t (" + (t.generic ? "collection, " : "") +
          "id, account, revision, doc) VALUES (" + values + ")";
  return q;
}

}  // namespace

Table table_for(const std::string &schema, std::string_view collection) {
  if (const KnownCollection *known = find_known_collection(collection)) {
    return Table{quote_ident(schema) + "." + std::string(known->name), false};
  }
  return Table{quote_ident(schema) + ".documents", true};
}

Query q_get(const Table &t, const char *collection, const char *id) {
  Query q;
  q.sql = "SELECT account, revision, doc::text FROM " + t.qualified + " WHERE " +
          key(q, t, collection, id);
  return q;
}

Query q_insert(const Table &t, const char *collection, const char *id, const char *account,
               const char *json) {
  Query q = insert_head(t, collection, id, account, json);
  q.sql += " ON CONFLICT DO NOTHING RETURNING revision";
  return q;
}

Query q_upsert(const Table &t, const char *collection, const char *id, const char *account,
               const char *json) {
  Query q = insert_head(t, collection, id, account, json);
  q.sql += std::string(" ON CONFLICT (") + (t.generic ? "collection, id" : "id") +
           ") DO UPDATE SET account = EXCLUDED.account, revision = t.revision + 1, "
           "doc = EXCLUDED.doc, updated_at = now() RETURNING revision";
  return q;
}

Query q_update(const Table &t, const char *collection, const char *id, const char *account,
               const char *json, uint64_t expected) {
  Query q;
  const std::string set = "account = " + param(q, account) +
                          ", revision = revision + 1, doc = " + param(q, json) +
                          "::jsonb, updated_at = now()";
  const std::string where = key(q, t, collection, id);
  q.sql = "UPDATE " + t.qualified + " SET " + set + " WHERE " + where +
          " AND revision = " + param(q, std::to_string(expected)) + " RETURNING revision";
  return q;
}

Query q_revision(const Table &t, const char *collection, const char *id) {
  Query q;
  q.sql = "SELECT revision FROM " + t.qualified + " WHERE " + key(q, t, collection, id);
  return q;
}

Query q_remove(const Table &t, const char *collection, const char *id, uint64_t expected) {
  Query q;
  q.sql = "DELETE FROM " + t.qualified + " WHERE " + key(q, t, collection, id);
  if (expected != TRELLIS_REV_ANY) q.sql += " AND revision = " + param(q, std::to_string(expected));
  return q;
}

Query q_scan(const Table &t, const char *collection, const char *account, const char *field,
             const char *value) {
  Query q;
  std::string where;
  auto add = [&](const std::string &cond) {
    where += (where.empty() ? " WHERE " : " AND ") + cond;
  };
  if (t.generic) add("collection = " + param(q, collection));
  if (account != nullptr) add("account = " + param(q, account));
  if (field != nullptr && value != nullptr) {
    const std::string f(field);
    add("doc->>'" + f + "' = " + param(q, value));
    add("jsonb_typeof(doc->'" + f + "') = 'string'");
  }
  q.sql = "SELECT id, account, revision, doc::text FROM " + t.qualified + where + " ORDER BY id";
  return q;
}

// Event appenders queue on this lock until commit, so seq order is commit
// order and a reader paging with after_seq can never skip an event that
// commits late with a smaller seq. Readers are not blocked (EXCLUSIVE allows
// ACCESS SHARE).
std::string sql_lock_events(const std::string &schema) {
  return "LOCK TABLE " + quote_ident(schema) + ".events IN EXCLUSIVE MODE";
}

Query q_append_event(const std::string &schema, const char *account, const char *json) {
  Query q;
  const std::string values = param(q, account) + ", " + param(q, json) + "::jsonb";
  q.sql = "INSERT INTO " + quote_ident(schema) + ".events (account, doc) VALUES (" + values +
          ") RETURNING seq";
  return q;
}

Query q_page_events(const std::string &schema, const char *account, uint64_t after_seq,
                    uint32_t limit) {
  Query q;
  std::string where = "seq > " + param(q, std::to_string(after_seq));
  if (account != nullptr) where += " AND account = " + param(q, account);
  q.sql =
      "SELECT seq, floor(extract(epoch FROM created_at) * 1000)::bigint, account, doc::text "
      "FROM " +
      quote_ident(schema) + ".events WHERE " + where + " ORDER BY seq LIMIT " +
      param(q, std::to_string(limit));
  return q;
}

}  // namespace trellis::storage::postgres
