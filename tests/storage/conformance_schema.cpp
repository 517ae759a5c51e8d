// SPDX-License-Identifier: Apache-2.0
// Storage conformance: events, schema and configuration. Appending and paging
// events by account, events rolled back with their transaction, migrations
// from every older schema version, refusal of a newer schema, lookup indexes,
// refusal of bad configuration, describe, and sqlite's file settings.
#include <sys/stat.h>

#include <chrono>
#include <regex>

#include "conformance.hpp"

using namespace trellis::storage_test;

namespace {

int64_t schema_of(Store &s) {
  std::string text;
  REQUIRE_OK(s.describe(text));
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex("schema ([0-9]+)")));
  return std::stoll(m[1]);
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("events: append and page by account with after_seq and limit", "[events]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  std::vector<uint64_t> a1_seqs;
  uint64_t last = 0;
  for (int i = 0; i < 8; ++i) {
    const char *account = i % 3 == 2 ? "a2" : "a1";
    const nlohmann::json ev = {{"actor", "u"}, {"action", "peer.add"}, {"n", i}};
    uint64_t seq = 0;
    if (i % 2 == 0) {
      REQUIRE_OK(s->append_event(nullptr, account, ev.dump().c_str(), &seq));
    } else {
      Txn t;
      REQUIRE_OK(s->begin(t));
      REQUIRE_OK(s->append_event(&t, account, ev.dump().c_str(), &seq));
      REQUIRE_OK(t.commit());
    }
    CHECK(seq > last);
    last = seq;
    if (std::string(account) == "a1") a1_seqs.push_back(seq);
  }
  std::vector<Event> events;
  REQUIRE_OK(s->page_events(nullptr, 0, 100, events));
  REQUIRE(events.size() == 8);
  for (size_t i = 0; i < events.size(); ++i) {
    CHECK(nlohmann::json::parse(events[i].json)["n"] == i);
    CHECK(std::llabs(events[i].time_unix_ms - now_ms()) < 60000);
    if (i > 0) CHECK(events[i].seq > events[i - 1].seq);
  }

  REQUIRE_OK(s->page_events("a2", 0, 100, events));
  CHECK(events.size() == 2);
  for (const Event &e : events) CHECK(e.account == "a2");

  // Paging through a1 two at a time returns every event once, in order.
  std::vector<uint64_t> paged;
  uint64_t after = 0;
  for (int page = 0; page < 10; ++page) {
    REQUIRE_OK(s->page_events("a1", after, 2, events));
    if (events.empty()) break;
    CHECK(events.size() <= 2);
    for (const Event &e : events) paged.push_back(e.seq);
    after = events.back().seq;
  }
  CHECK(paged == a1_seqs);

  REQUIRE_OK(s->page_events("a1", 0, 0, events));
  CHECK(events.empty());
  REQUIRE_OK(s->page_events(nullptr, last, 100, events));
  CHECK(events.empty());
  REQUIRE_OK(s->page_events(nullptr, UINT64_MAX, 100, events));
  CHECK(events.empty());
  REQUIRE_OK(s->page_events("nobody", 0, 100, events));
  CHECK(events.empty());
  REQUIRE_STATUS(s->append_event(nullptr, "a1", "{not json"), TRELLIS_E_INVALID);
  REQUIRE_STATUS(s->append_event(nullptr, nullptr, "{}"), TRELLIS_E_INVALID);
  char *error = nullptr;
  const trellis_status rc =
      s->vtable().page_events(s->instance(), nullptr, 0, 10, nullptr, nullptr, &error);
  const Status no_visitor = take_status(rc, error);
  CHECK(no_visitor.code == TRELLIS_E_INVALID);
  CHECK_FALSE(no_visitor.message.empty());
}

TEST_CASE("events: an event rolls back with the change it records", "[events][txn]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  uint64_t seq_rolled_back = 0;
  {
    Txn t;
    REQUIRE_OK(s->begin(t));
    REQUIRE_OK(s->put(&t, "peers", "a", "p", "{}", TRELLIS_REV_NONE));
    REQUIRE_OK(s->append_event(&t, "a", R"({"action":"peer.add","target":"p"})", &seq_rolled_back));
    t.rollback();
  }
  std::vector<Event> events;
  REQUIRE_OK(s->page_events(nullptr, 0, 100, events));
  CHECK(events.empty());
  Doc d;
  REQUIRE_STATUS(s->get(nullptr, "peers", "p", d), TRELLIS_E_NOT_FOUND);

  Txn t;
  REQUIRE_OK(s->begin(t));
  REQUIRE_OK(s->put(&t, "peers", "a", "p", "{}", TRELLIS_REV_NONE));
  uint64_t seq = 0;
  REQUIRE_OK(s->append_event(&t, "a", R"({"action":"peer.add","target":"p"})", &seq));
  REQUIRE_OK(t.commit());
  REQUIRE_OK(s->page_events("a", 0, 100, events));
  REQUIRE(events.size() == 1);
  CHECK(events[0].seq == seq);
  CHECK(seq >= seq_rolled_back);
  REQUIRE_OK(s->get(nullptr, "peers", "p", d));
}

TEST_CASE("migrations: every older schema is upgraded in place", "[migration]") {
  int64_t latest = 0;
  {
    Fresh db;
    std::unique_ptr<Store> s;
    REQUIRE_OK(db.open(s));
    latest = schema_of(*s);
    CHECK(db.query("SELECT count(*) FROM schema_version") == std::to_string(latest));
    const std::string lookups =
        "SELECT count(*) FROM " +
        std::string(is_postgres() ? "pg_indexes WHERE schemaname = current_schema() AND indexname"
                                  : "sqlite_master WHERE type = 'index' AND name") +
        " IN ('peers_by_key', 'peers_by_ip', 'setup_keys_by_hash', 'users_by_subject', "
        "'tokens_by_hash')";
    CHECK(db.query(lookups) == "5");
    // The scan filter's expression is the indexed one.
    const std::string plan = is_postgres()
                                 ? db.query(
                                       "SET enable_seqscan = off; EXPLAIN SELECT id FROM peers "
                                       "WHERE doc->>'key' = 'K' ORDER BY id")
                                 : db.query(
                                       "EXPLAIN QUERY PLAN SELECT id FROM peers "
                                       "WHERE json_extract(doc, '$.key') = 'K' ORDER BY id");
    INFO(plan);
    CHECK(plan.find("peers_by_key") != std::string::npos);
  }
  REQUIRE(latest >= 2);
  for (int64_t from = 1; from < latest; ++from) {
    INFO("upgrading from schema " << from << " to " << latest);
    Fresh db;
    {
      std::unique_ptr<Store> s;
      REQUIRE_OK(db.open(s, {{"_max_migration", from}}));
      CHECK(schema_of(*s) == from);
      REQUIRE_OK(s->put(nullptr, "peers", "a", "p1", R"({"key":"K1","ip":"100.64.0.1"})",
                        TRELLIS_REV_NONE));
      REQUIRE_OK(s->put(nullptr, "gizmos", "a", "g1", R"({"v":1})", TRELLIS_REV_NONE));
    }
    CHECK(db.query("SELECT MAX(version) FROM schema_version") == std::to_string(from));
    std::unique_ptr<Store> s;
    REQUIRE_OK(db.open(s));
    CHECK(schema_of(*s) == latest);
    CHECK(db.query("SELECT count(*) FROM schema_version") == std::to_string(latest));
    Doc d;
    REQUIRE_OK(s->get(nullptr, "peers", "p1", d));
    CHECK(d.revision == 1);
    CHECK(same_json(d.json, R"({"key":"K1","ip":"100.64.0.1"})"));
    REQUIRE_OK(s->get(nullptr, "gizmos", "g1", d));
    std::vector<Doc> out;
    REQUIRE_OK(s->scan(nullptr, "peers", nullptr, "key", "K1", out));
    CHECK(out.size() == 1);
    REQUIRE_OK(s->append_event(nullptr, "a", R"({"action":"upgraded"})"));
    s.reset();
    REQUIRE_OK(db.open(s));  // a second open has nothing left to do
    CHECK(schema_of(*s) == latest);
  }
}

TEST_CASE("migrations: a newer schema is refused, untouched", "[migration]") {
  Fresh db;
  int64_t latest = 0;
  {
    std::unique_ptr<Store> s;
    REQUIRE_OK(db.open(s));
    latest = schema_of(*s);
    REQUIRE_OK(s->put(nullptr, "peers", "a", "p1", "{}", TRELLIS_REV_NONE));
  }
  const int64_t future = latest + 4;
  db.exec_sql("INSERT INTO schema_version (version, description) VALUES (" +
              std::to_string(future) + ", 'from the future')");
  std::unique_ptr<Store> s;
  const Status st = db.open(s);
  CHECK(st.code == TRELLIS_E_UNSUPPORTED);
  CHECK(st.message == "database schema version " + std::to_string(future) +
                          " is newer than this plugin supports (" + std::to_string(latest) +
                          "); upgrade trellis");
  CHECK(s == nullptr);
  CHECK(db.query("SELECT MAX(version) FROM schema_version") == std::to_string(future));
  CHECK(db.query("SELECT count(*) FROM peers") == "1");
}

TEST_CASE("configuration: bad configuration is refused with a clear message", "[config]") {
  const int64_t baseline = HostStats::live_allocations();
  Fresh db;
  std::unique_ptr<Store> s;
  auto refused = [&](const std::string &config, const std::string &state_dir,
                     trellis_status expected, const std::string &needle) {
    const Status st = Store::open(plugin(), config, state_dir, s);
    INFO("config " << config << " -> " << st.code << " \"" << st.message << "\"");
    CHECK(st.code == expected);
    CHECK(st.message.find(needle) != std::string::npos);
    CHECK(s == nullptr);
  };
  const std::string dir = db.state_dir();
  refused("{not json", dir, TRELLIS_E_INVALID, "not valid JSON");
  refused("[1]", dir, TRELLIS_E_INVALID, "JSON object");
  refused(db.config({{"pool_sise", 2}}).dump(), dir, TRELLIS_E_INVALID, "pool_sise");
  refused(db.config({{"pool_size", 0}}).dump(), dir, TRELLIS_E_INVALID, "pool_size");
  refused(db.config({{"pool_size", "four"}}).dump(), dir, TRELLIS_E_INVALID, "pool_size");
  refused(db.config({{"_max_migration", 999}}).dump(), dir, TRELLIS_E_INVALID, "_max_migration");
  if (is_postgres()) {
    refused(R"({"schema":"x"})", dir, TRELLIS_E_INVALID, "dsn is required");
    refused(db.config({{"dsn", "host=127.0.0.1 port"}}).dump(), dir, TRELLIS_E_INVALID, "dsn");
    refused(db.config({{"dsn", "postgresql://[::1"}}).dump(), dir, TRELLIS_E_INVALID, "dsn");
    refused(db.config({{"schema", "Bad-Name"}}).dump(), dir, TRELLIS_E_INVALID, "schema");
    refused(db.config({{"schema", "pg_catalog"}}).dump(), dir, TRELLIS_E_INVALID, "schema");
    refused(db.config({{"retry", {{"attempts", 0}}}}).dump(), dir, TRELLIS_E_INVALID,
            "retry.attempts");
    refused(db.config({{"retry", {{"tries", 3}}}}).dump(), dir, TRELLIS_E_INVALID, "retry.tries");
    refused(db.config({{"connect_timeout_ms", -5}}).dump(), dir, TRELLIS_E_INVALID,
            "connect_timeout_ms");
    // Nothing listens on port 1 of the loopback: refused quickly, retried, then UNAVAILABLE.
    const auto start = std::chrono::steady_clock::now();
    refused(db.config({{"dsn", "postgresql://postgres@127.0.0.1:1/trellis"},
                       {"retry", {{"attempts", 2}, {"backoff_ms", 10}}}})
                .dump(),
            dir, TRELLIS_E_UNAVAILABLE, "PostgreSQL");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  } else {
    refused(R"({"path":"rel.db"})", "", TRELLIS_E_INVALID, "state_dir");
    refused(R"({"path":":memory:"})", dir, TRELLIS_E_INVALID, "path");
    refused(R"({"path":""})", dir, TRELLIS_E_INVALID, "path");
    refused(R"({"path":42})", dir, TRELLIS_E_INVALID, "path");
    refused(R"({"busy_timeout_ms":-1})", dir, TRELLIS_E_INVALID, "busy_timeout_ms");
    refused(nlohmann::json({{"path", dir + "/no/such/dir/x.db"}}).dump(), dir, TRELLIS_E_IO,
            "does not exist");
    refused(nlohmann::json({{"path", dir}}).dump(), dir, TRELLIS_E_IO, dir);
    // An absolute path ignores state_dir; the default path is state_dir/management.db.
    REQUIRE_OK(Store::open(plugin(), nlohmann::json({{"path", dir + "/abs.db"}}).dump(), "", s));
    s.reset();
    REQUIRE_OK(Store::open(plugin(), "{}", dir, s));
    s.reset();
    struct stat st {};
    REQUIRE(::stat((dir + "/management.db").c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  CHECK(HostStats::live_allocations() == baseline);
}

TEST_CASE("describe names the backend and the schema version", "[describe]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  std::string text;
  REQUIRE_OK(s->describe(text));
  CHECK(text.rfind(options().backend + " ", 0) == 0);
  CHECK(schema_of(*s) >= 3);
}

TEST_CASE("sqlite: WAL journal and a sound file after use", "[sqlite]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  for (int i = 0; i < 20; ++i) {
    REQUIRE_OK(
        s->put(nullptr, "peers", "a", ("p" + std::to_string(i)).c_str(), "{}", TRELLIS_REV_NONE));
  }
  CHECK(db.query("PRAGMA journal_mode") == "wal");
  CHECK(db.query("PRAGMA integrity_check") == "ok");
  CHECK(db.query("PRAGMA foreign_key_check") == "");
}
