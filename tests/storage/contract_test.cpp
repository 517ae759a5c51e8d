// SPDX-License-Identifier: Apache-2.0
// Unit tests of the storage plugins' pure parts, table-driven: the contract's
// name, UTF-8 and JSON checks; the expected-revision modes; the catalog; both
// backends' configuration parsing, SQL text (placeholders, and scan filters
// that match the lookup indexes' expressions), migration lists and the
// PostgreSQL error classification.
#define CATCH_CONFIG_MAIN
#include "sqlite/core/contract.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "postgres/core/config.hpp"
#include "postgres/core/errors.hpp"
#include "postgres/core/migrations.hpp"
#include "postgres/core/sql.hpp"
#include "sqlite/core/config.hpp"
#include "sqlite/core/json_config.hpp"
#include "sqlite/core/migrations.hpp"
#include "sqlite/core/sql.hpp"

namespace st = trellis::storage;
namespace sq = trellis::storage::sqlite;
namespace pg = trellis::storage::postgres;

TEST_CASE("contract: strict UTF-8", "[unit]") {
  struct Case {
    const char *text;
    bool valid;
  };
  const Case cases[] = {
      {"", true},
      {"plain ascii", true},
      {"\xc3\xa9", true},           // é
      {"\xe2\x82\xac", true},       // €
      {"\xf0\x9f\x98\x80", true},   // 😀
      {"\xf4\x8f\xbf\xbf", true},   // U+10FFFF
      {"\xc0\xaf", false},          // overlong '/'
      {"\xe0\x80\xaf", false},      // overlong
      {"\xed\xa0\x80", false},      // surrogate U+D800
      {"\xf4\x90\x80\x80", false},  // above U+10FFFF
      {"\xe2\x82", false},          // truncated
      {"\x80", false},              // lone continuation
      {"\xff", false},
      {"ok\xc3", false},
  };
  for (const Case &c : cases) {
    INFO(c.text);
    CHECK(st::valid_utf8(c.text) == c.valid);
  }
}

TEST_CASE("contract: names", "[unit]") {
  CHECK(st::check_collection("peers").empty());
  CHECK(st::check_collection("kv:tunnel.state-1_A").empty());
  for (const char *bad : {"", "pe ers", "peers'", "a/b", "p\"", "ключ"}) {
    INFO(bad);
    CHECK_FALSE(st::check_collection(bad).empty());
  }
  CHECK_FALSE(st::check_collection(nullptr).empty());
  CHECK_FALSE(st::check_collection(std::string(129, 'c').c_str()).empty());
  CHECK(st::check_collection(std::string(128, 'c').c_str()).empty());

  CHECK(st::check_id("'; DROP TABLE x; --").empty());
  CHECK(st::check_id(std::string(1024, 'i').c_str()).empty());
  CHECK_FALSE(st::check_id(std::string(1025, 'i').c_str()).empty());
  CHECK_FALSE(st::check_id("").empty());
  CHECK_FALSE(st::check_id(nullptr).empty());
  CHECK_FALSE(st::check_id("\xc3").empty());

  CHECK(st::check_account("").empty());
  CHECK_FALSE(st::check_account(nullptr).empty());

  for (const char *good : {"key", "ip", "subject", "A_b_9", "9lives"})
    CHECK(st::check_field(good).empty());
  for (const char *bad : {"", "a.b", "a'", "a-b", "$.a", "a b", "é"}) {
    INFO(bad);
    CHECK_FALSE(st::check_field(bad).empty());
  }
  CHECK_FALSE(st::check_field(std::string(65, 'f').c_str()).empty());
  CHECK(st::check_value("").empty());
  CHECK_FALSE(st::check_value(nullptr).empty());
}

TEST_CASE("contract: JSON documents", "[unit]") {
  for (const char *good :
       {"{}", "[]", "1", "\"s\"", "null", R"({"a":[1,{"b":"\u00e9"}]})", " { \"x\" : true } "}) {
    INFO(good);
    CHECK(st::check_json(good, "document").empty());
  }
  for (const char *bad : {"", "{", "{} {}", "{'a':1}", "{\"a\":}", "nan", "\"\xff\""}) {
    INFO(bad);
    const std::string why = st::check_json(bad, "document");
    CHECK(why.find("not valid JSON") != std::string::npos);
  }
  CHECK(st::check_json(R"({"a":"x\u0000y"})", "event").find("\\u0000") != std::string::npos);
  CHECK(st::check_json(R"({"a\u0000":1})", "event").find("\\u0000") != std::string::npos);
  CHECK_FALSE(st::check_json(nullptr, "document").empty());
  const std::string at_limit = std::string(256, '[') + std::string(256, ']');
  const std::string too_deep = std::string(257, '[') + std::string(257, ']');
  CHECK(st::check_json(at_limit.c_str(), "document").empty());
  CHECK(st::check_json(too_deep.c_str(), "document").find("deeper") != std::string::npos);
  const std::string huge = "\"" + std::string(st::kMaxJsonLen, 'x') + "\"";
  CHECK(st::check_json(huge.c_str(), "document").find("16 MiB") != std::string::npos);
  // Error text gives a position, never the document's content.
  CHECK(st::check_json(R"({"secret":"hunter2",})", "document").find("hunter2") ==
        std::string::npos);
}

TEST_CASE("contract: expected revisions and messages", "[unit]") {
  CHECK(st::put_mode(TRELLIS_REV_NONE) == st::PutMode::kInsert);
  CHECK(st::put_mode(TRELLIS_REV_ANY) == st::PutMode::kOverwrite);
  CHECK(st::put_mode(1) == st::PutMode::kReplace);
  CHECK(st::put_mode(uint64_t{INT64_MAX}) == st::PutMode::kReplace);
  CHECK(st::revision_in_range(uint64_t{INT64_MAX}));
  CHECK_FALSE(st::revision_in_range(uint64_t{INT64_MAX} + 1));
  CHECK(st::revision_in_range(TRELLIS_REV_ANY));
  CHECK_THROWS_AS(st::validate_remove("peers", "p", TRELLIS_REV_NONE), trellis::sdk::Error);
  CHECK_THROWS_AS(st::validate_scan("peers", nullptr, "key", nullptr), trellis::sdk::Error);
  CHECK_NOTHROW(st::validate_scan("peers", nullptr, nullptr, nullptr));
  CHECK(st::newer_schema_message(7, 3) ==
        "database schema version 7 is newer than this plugin supports (3); upgrade trellis");
  const std::string long_id = std::string(76, 'a') + "\xf0\x9f\x98\x80" + std::string(20, 'b');
  const std::string name = st::doc_name("peers", long_id);
  CHECK(st::valid_utf8(name));
  CHECK(name.size() < 100);
  CHECK(name.substr(name.size() - 3) == "...");
}

TEST_CASE("contract: catalog of known collections", "[unit]") {
  std::set<std::string> names;
  for (const st::KnownCollection &c : st::known_collections()) names.insert(std::string(c.name));
  CHECK(names == std::set<std::string>{"accounts", "users", "peers", "groups", "policies",
                                       "setup_keys", "routes", "dns", "tokens"});
  const st::KnownCollection *peers = st::find_known_collection("peers");
  REQUIRE(peers != nullptr);
  CHECK(std::vector<std::string_view>(peers->lookups.begin(), peers->lookups.end()) ==
        std::vector<std::string_view>{"key", "ip"});
  CHECK(st::find_known_collection("widgets") == nullptr);
}

TEST_CASE("sqlite: configuration", "[unit]") {
  sq::Config c = sq::parse_config("{}", "/var/lib/trellis", 3);
  CHECK(c.path == "/var/lib/trellis/management.db");
  CHECK(c.busy_timeout_ms == 5000);
  CHECK(c.max_migration == -1);
  c = sq::parse_config(R"({"path":"db/m.db","busy_timeout_ms":0,"pool_size":2})", "/s/", 3);
  CHECK(c.path == "/s/db/m.db");
  CHECK(c.busy_timeout_ms == 0);
  CHECK(c.pool_size == 2);
  CHECK(sq::parse_config(R"({"path":"/abs.db"})", nullptr, 3).path == "/abs.db");
  CHECK(sq::parse_config(R"({"_max_migration":2})", "/s", 3).max_migration == 2);
  CHECK_THROWS_WITH(sq::parse_config(R"({"paht":"x"})", "/s", 3), Catch::Contains("paht"));
  CHECK_THROWS_WITH(sq::parse_config(R"({"path":"x"})", nullptr, 3), Catch::Contains("state_dir"));
  CHECK_THROWS_WITH(sq::parse_config(R"({"_max_migration":4})", "/s", 3),
                    Catch::Contains("_max_migration"));
}

TEST_CASE("postgres: configuration and connection string", "[unit]") {
  pg::Config c = pg::parse_config(R"({"dsn":"postgresql://u@db/trellis"})", 3);
  CHECK(c.schema == "public");
  CHECK(c.pool_size == 4);
  CHECK(c.retry_attempts == 5);
  CHECK(pg::connection_string(c) ==
        "postgresql://u@db/trellis?connect_timeout=5&application_name=trellis");
  c = pg::parse_config(R"({"dsn":"postgresql://u@db/t?sslmode=require","connect_timeout_ms":1500,)"
                       R"("retry":{"attempts":2,"backoff_ms":10},"schema":"mesh_1"})",
                       3);
  CHECK(pg::connection_string(c) ==
        "postgresql://u@db/t?sslmode=require&connect_timeout=2&application_name=trellis");
  CHECK(c.retry_attempts == 2);
  CHECK(c.schema == "mesh_1");
  c = pg::parse_config(R"({"dsn":"host=/run/postgresql dbname=trellis"})", 3);
  CHECK(pg::connection_string(c) ==
        "host=/run/postgresql dbname=trellis connect_timeout=5 application_name=trellis");
  CHECK_THROWS_WITH(pg::parse_config("{}", 3), Catch::Contains("dsn is required"));
  CHECK_THROWS_WITH(pg::parse_config(R"({"dsn":"host=x port"})", 3), Catch::Contains("dsn"));
  CHECK_THROWS_WITH(pg::parse_config(R"({"dsn":"host=x","schema":"Caps"})", 3),
                    Catch::Contains("schema"));
  CHECK_THROWS_WITH(pg::parse_config(R"({"dsn":"host=x","retry":{"atempts":1}})", 3),
                    Catch::Contains("retry.atempts"));
  CHECK_THROWS_WITH(pg::parse_config(R"({"dsn":"host=x","retry":[]})", 3),
                    Catch::Contains("retry must be a mapping"));
}

TEST_CASE("sqlite: SQL text", "[unit]") {
  const sq::Table peers = sq::table_for("peers");
  CHECK(peers.name == "peers");
  CHECK_FALSE(peers.generic);
  const sq::Table other = sq::table_for("widgets");
  CHECK(other.name == "documents");
  CHECK(other.generic);
  CHECK(sq::sql_get(other).find("collection = :coll") != std::string::npos);
  CHECK(sq::sql_get(peers).find(":coll") == std::string::npos);
  CHECK(sq::sql_scan(peers, true, "").find("ORDER BY id") != std::string::npos);
  // Every lookup the catalog promises is indexed on the very expression scan uses.
  const std::string migration3(sq::migrations()[2].sql);
  for (const st::KnownCollection &c : st::known_collections()) {
    for (std::string_view f : c.lookups) {
      const std::string expr = "json_extract(doc, '$." + std::string(f) + "')";
      INFO(c.name << "." << f);
      CHECK(sq::sql_scan(sq::table_for(c.name), false, f).find(expr + " = :value") !=
            std::string::npos);
      CHECK(migration3.find(std::string(c.name) + " (" + expr + ")") != std::string::npos);
    }
  }
}

TEST_CASE("postgres: SQL text and parameters", "[unit]") {
  const pg::Table peers = pg::table_for("s", "peers");
  const pg::Table other = pg::table_for("s", "widgets");
  CHECK(peers.qualified == "\"s\".peers");
  CHECK(other.qualified == "\"s\".documents");
  // Each placeholder $1..$n is used and matches the parameter count.
  const std::vector<pg::Query> queries = {
      pg::q_get(other, "w", "id"),
      pg::q_insert(other, "w", "id", "a", "{}"),
      pg::q_upsert(peers, "peers", "id", "a", "{}"),
      pg::q_update(other, "w", "id", "a", "{}", 7),
      pg::q_remove(other, "w", "id", 3),
      pg::q_remove(peers, "peers", "id", TRELLIS_REV_ANY),
      pg::q_scan(other, "w", "a", "color", "red"),
      pg::q_scan(peers, "peers", nullptr, nullptr, nullptr),
      pg::q_append_event("s", "a", "{}"),
      pg::q_page_events("s", "a", 5, 10),
  };
  for (const pg::Query &q : queries) {
    INFO(q.sql);
    std::set<int> seen;
    const std::regex placeholder("\\$([0-9]+)");
    for (auto it = std::sregex_iterator(q.sql.begin(), q.sql.end(), placeholder);
         it != std::sregex_iterator(); ++it) {
      seen.insert(std::stoi((*it)[1]));
    }
    CHECK(seen.size() == q.params.size());
    if (!seen.empty()) CHECK(*seen.rbegin() == static_cast<int>(q.params.size()));
  }
  CHECK(pg::q_update(other, "w", "id", "a", "{}", 7).params.back() == "7");
  const std::string migration3(pg::migrations()[2].sql);
  for (const st::KnownCollection &c : st::known_collections()) {
    for (std::string_view f : c.lookups) {
      const std::string expr = "doc->>'" + std::string(f) + "'";
      INFO(c.name << "." << f);
      const pg::Query q = pg::q_scan(pg::table_for("s", c.name), c.name.data(), nullptr,
                                     std::string(f).c_str(), "v");
      CHECK(q.sql.find(expr + " = $1") != std::string::npos);
      CHECK(migration3.find(std::string(c.name) + " ((" + expr + "))") != std::string::npos);
    }
  }
}

TEST_CASE("migrations: both backends list the same steps, numbered from 1", "[unit]") {
  REQUIRE(sq::migrations().size() == pg::migrations().size());
  for (size_t i = 0; i < sq::migrations().size(); ++i) {
    CHECK(sq::migrations()[i].version == static_cast<int64_t>(i + 1));
    CHECK(pg::migrations()[i].version == static_cast<int64_t>(i + 1));
    CHECK(sq::migrations()[i].description == pg::migrations()[i].description);
  }
  CHECK(sq::latest_schema_version() == static_cast<int64_t>(sq::migrations().size()));
  CHECK(pg::latest_schema_version() == sq::latest_schema_version());
  // Migration 1 creates a table for every known collection on both backends.
  for (const st::KnownCollection &c : st::known_collections()) {
    const std::string create = "CREATE TABLE " + std::string(c.name) + " (";
    CHECK(std::string(sq::migrations()[0].sql).find(create) != std::string::npos);
    CHECK(std::string(pg::migrations()[0].sql).find(create) != std::string::npos);
  }
}

TEST_CASE("postgres: SQLSTATE classification", "[unit]") {
  struct Case {
    const char *state;
    pg::ErrorKind kind;
    trellis_status status;
  };
  const Case cases[] = {
      {"08006", pg::ErrorKind::kConnectionLost, TRELLIS_E_UNAVAILABLE},
      {"57P01", pg::ErrorKind::kConnectionLost, TRELLIS_E_UNAVAILABLE},
      {"57P03", pg::ErrorKind::kConnectionLost, TRELLIS_E_UNAVAILABLE},
      {"40001", pg::ErrorKind::kRetryable, TRELLIS_E_UNAVAILABLE},
      {"40P01", pg::ErrorKind::kRetryable, TRELLIS_E_UNAVAILABLE},
      {"53300", pg::ErrorKind::kRetryable, TRELLIS_E_UNAVAILABLE},
      {"57014", pg::ErrorKind::kFatal, TRELLIS_E_TIMEOUT},
      {"23505", pg::ErrorKind::kFatal, TRELLIS_E_EXISTS},
      {"22P02", pg::ErrorKind::kFatal, TRELLIS_E_INVALID},
      {"28P01", pg::ErrorKind::kFatal, TRELLIS_E_DENIED},
      {"42P01", pg::ErrorKind::kFatal, TRELLIS_E_INTERNAL},
      {"58030", pg::ErrorKind::kFatal, TRELLIS_E_IO},
  };
  for (const Case &c : cases) {
    INFO(c.state);
    const pg::ErrorClass got = pg::classify_sqlstate(c.state);
    CHECK(got.kind == c.kind);
    CHECK(got.status == c.status);
  }
}
