// SPDX-License-Identifier: Apache-2.0
// Storage conformance: documents. The descriptor, CRUD with revisions, the
// REV_NONE / REV_ANY / exact-revision rules of put and remove, transaction
// visibility and rollback, scans by account and field in id order, known and
// unknown collections, UTF-8 and 1 MB documents, persistence across reopen.
#include <algorithm>
#include <random>
#include <thread>

#include "conformance.hpp"

using namespace trellis::storage_test;

namespace {

std::vector<std::string> ids_of(const std::vector<Doc> &docs) {
  std::vector<std::string> ids;
  for (const Doc &d : docs) ids.push_back(d.id);
  return ids;
}

}  // namespace

TEST_CASE("the plugin describes itself as a storage plugin", "[abi]") {
  const trellis_plugin_descriptor &d = plugin().descriptor();
  CHECK(d.kind == TRELLIS_KIND_STORAGE);
  CHECK(d.abi_major == TRELLIS_ABI_MAJOR);
  CHECK(std::string(d.name) == options().backend);
  CHECK(std::string(d.version).size() > 0);
  CHECK(std::string(d.description).size() > 0);
  const trellis_storage_vtable &vt = plugin().vtable();
  CHECK(vt.struct_size == sizeof(trellis_storage_vtable));
  for (const void *fn :
       {(const void *)vt.create, (const void *)vt.destroy, (const void *)vt.begin,
        (const void *)vt.commit, (const void *)vt.rollback, (const void *)vt.get,
        (const void *)vt.put, (const void *)vt.remove, (const void *)vt.scan,
        (const void *)vt.append_event, (const void *)vt.page_events, (const void *)vt.describe}) {
    CHECK(fn != nullptr);
  }
}

TEST_CASE("documents: create, read, update, delete with revisions", "[docs]") {
  const int64_t baseline = HostStats::live_allocations();
  {
    Fresh db;
    std::unique_ptr<Store> s;
    REQUIRE_OK(db.open(s));
    uint64_t rev = 0;
    REQUIRE_OK(s->put(nullptr, "peers", "acct-1", "p1", R"({"key":"K1","ip":"100.64.0.1"})",
                      TRELLIS_REV_NONE, &rev));
    CHECK(rev == 1);

    Doc d;
    REQUIRE_OK(s->get(nullptr, "peers", "p1", d));
    CHECK(d.collection == "peers");
    CHECK(d.id == "p1");
    CHECK(d.account == "acct-1");
    CHECK(d.revision == 1);
    CHECK(same_json(d.json, R"({"key":"K1","ip":"100.64.0.1"})"));

    REQUIRE_OK(
        s->put(nullptr, "peers", "acct-1", "p1", R"({"key":"K1","ip":"100.64.0.2"})", 1, &rev));
    CHECK(rev == 2);
    REQUIRE_OK(s->put(nullptr, "peers", "acct-2", "p1", R"({"key":"K1","ip":"100.64.0.3"})",
                      TRELLIS_REV_ANY, &rev));
    CHECK(rev == 3);
    REQUIRE_OK(s->get(nullptr, "peers", "p1", d));
    CHECK(d.revision == 3);
    CHECK(d.account == "acct-2");
    CHECK(same_json(d.json, R"({"key":"K1","ip":"100.64.0.3"})"));

    REQUIRE_OK(s->remove(nullptr, "peers", "p1", 3));
    REQUIRE_STATUS(s->get(nullptr, "peers", "p1", d), TRELLIS_E_NOT_FOUND);

    // REV_ANY creates a missing document at revision 1; new_revision may be NULL.
    REQUIRE_OK(s->put(nullptr, "peers", "", "p1", "{}", TRELLIS_REV_ANY, &rev));
    CHECK(rev == 1);
    REQUIRE_OK(s->put(nullptr, "peers", "", "p1", "[1,2]", 1, nullptr));
    REQUIRE_OK(s->get(nullptr, "peers", "p1", d));
    CHECK(d.revision == 2);
    CHECK(d.account.empty());
    CHECK(same_json(d.json, "[1,2]"));
  }
  CHECK(HostStats::live_allocations() == baseline);
}

TEST_CASE("documents: REV_NONE, REV_ANY and exact revisions", "[docs]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  REQUIRE_OK(s->put(nullptr, "groups", "a", "g1", R"({"v":1})", TRELLIS_REV_NONE));
  Doc d;

  SECTION("REV_NONE on an existing document is EXISTS and changes nothing") {
    REQUIRE_STATUS(s->put(nullptr, "groups", "a", "g1", R"({"v":2})", TRELLIS_REV_NONE),
                   TRELLIS_E_EXISTS);
    REQUIRE_OK(s->get(nullptr, "groups", "g1", d));
    CHECK(d.revision == 1);
    CHECK(same_json(d.json, R"({"v":1})"));
  }
  SECTION("a stale or future revision is CONFLICT and changes nothing") {
    for (uint64_t wrong : {uint64_t{2}, uint64_t{7}, uint64_t{INT64_MAX}}) {
      const Status st = s->put(nullptr, "groups", "a", "g1", R"({"v":3})", wrong);
      CHECK(st.code == TRELLIS_E_CONFLICT);
      CHECK(st.message.find("revision") != std::string::npos);
    }
    REQUIRE_OK(s->get(nullptr, "groups", "g1", d));
    CHECK(d.revision == 1);
  }
  SECTION("an exact revision on a missing document is CONFLICT") {
    REQUIRE_STATUS(s->put(nullptr, "groups", "a", "missing", "{}", 1), TRELLIS_E_CONFLICT);
    REQUIRE_STATUS(s->get(nullptr, "groups", "missing", d), TRELLIS_E_NOT_FOUND);
  }
  SECTION("remove: REV_NONE is invalid, a wrong revision conflicts, a missing id is NOT_FOUND") {
    REQUIRE_STATUS(s->remove(nullptr, "groups", "g1", TRELLIS_REV_NONE), TRELLIS_E_INVALID);
    REQUIRE_STATUS(s->remove(nullptr, "groups", "g1", 2), TRELLIS_E_CONFLICT);
    REQUIRE_OK(s->get(nullptr, "groups", "g1", d));
    REQUIRE_STATUS(s->remove(nullptr, "groups", "nope", TRELLIS_REV_ANY), TRELLIS_E_NOT_FOUND);
    REQUIRE_STATUS(s->remove(nullptr, "groups", "nope", 1), TRELLIS_E_NOT_FOUND);
    REQUIRE_OK(s->remove(nullptr, "groups", "g1", TRELLIS_REV_ANY));
    REQUIRE_STATUS(s->remove(nullptr, "groups", "g1", TRELLIS_REV_ANY), TRELLIS_E_NOT_FOUND);
  }
  SECTION("a revision above INT64_MAX (other than REV_ANY) is invalid") {
    REQUIRE_STATUS(s->put(nullptr, "groups", "a", "g1", "{}", uint64_t{INT64_MAX} + 1),
                   TRELLIS_E_INVALID);
  }
  SECTION("a refused write inside a transaction leaves the transaction usable") {
    Txn t;
    REQUIRE_OK(s->begin(t));
    REQUIRE_STATUS(s->put(&t, "groups", "a", "g1", "{}", TRELLIS_REV_NONE), TRELLIS_E_EXISTS);
    REQUIRE_STATUS(s->put(&t, "groups", "a", "g1", "{}", 9), TRELLIS_E_CONFLICT);
    REQUIRE_STATUS(s->remove(&t, "groups", "zz", TRELLIS_REV_ANY), TRELLIS_E_NOT_FOUND);
    REQUIRE_OK(s->put(&t, "groups", "a", "g2", R"({"v":2})", TRELLIS_REV_NONE));
    REQUIRE_OK(t.commit());
    REQUIRE_OK(s->get(nullptr, "groups", "g2", d));
    CHECK(d.revision == 1);
  }
}

TEST_CASE("transactions: isolation, commit and rollback", "[txn]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  REQUIRE_OK(s->put(nullptr, "policies", "a", "keep", R"({"v":"original"})", TRELLIS_REV_NONE));
  Doc d;

  SECTION("changes are visible inside the transaction and to others only after commit") {
    Txn t;
    REQUIRE_OK(s->begin(t));
    REQUIRE_OK(s->put(&t, "policies", "a", "new", R"({"v":1})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->get(&t, "policies", "new", d));
    Status outside;
    std::thread([&] { outside = s->get(nullptr, "policies", "new", d); }).join();
    CHECK(outside.code == TRELLIS_E_NOT_FOUND);
    REQUIRE_OK(t.commit());
    CHECK_FALSE(t);
    std::thread([&] { outside = s->get(nullptr, "policies", "new", d); }).join();
    CHECK(outside.code == TRELLIS_OK);
  }
  SECTION("rollback leaves nothing: writes, removes and events all undone") {
    uint64_t seq_before = 0;
    REQUIRE_OK(s->append_event(nullptr, "a", R"({"action":"before"})", &seq_before));
    {
      Txn t;
      REQUIRE_OK(s->begin(t));
      REQUIRE_OK(s->put(&t, "policies", "a", "keep", R"({"v":"changed"})", 1));
      REQUIRE_OK(s->put(&t, "policies", "a", "other", "{}", TRELLIS_REV_NONE));
      REQUIRE_OK(s->put(&t, "widgets", "a", "w", "{}", TRELLIS_REV_NONE));
      REQUIRE_OK(s->append_event(&t, "a", R"({"action":"inside"})"));
      SECTION("explicit rollback") { t.rollback(); }
      SECTION("the transaction abandoned: destroyed without commit") {}
    }
    REQUIRE_OK(s->get(nullptr, "policies", "keep", d));
    CHECK(d.revision == 1);
    CHECK(same_json(d.json, R"({"v":"original"})"));
    REQUIRE_STATUS(s->get(nullptr, "policies", "other", d), TRELLIS_E_NOT_FOUND);
    REQUIRE_STATUS(s->get(nullptr, "widgets", "w", d), TRELLIS_E_NOT_FOUND);
    std::vector<Event> events;
    REQUIRE_OK(s->page_events(nullptr, 0, 100, events));
    REQUIRE(events.size() == 1);
    CHECK(events[0].seq == seq_before);
    // The store is fully usable afterwards.
    REQUIRE_OK(s->put(nullptr, "policies", "a", "keep", R"({"v":"next"})", 1));
  }
  SECTION("remove inside a transaction then rollback restores the document") {
    Txn t;
    REQUIRE_OK(s->begin(t));
    REQUIRE_OK(s->remove(&t, "policies", "keep", 1));
    REQUIRE_STATUS(s->get(&t, "policies", "keep", d), TRELLIS_E_NOT_FOUND);
    t.rollback();
    REQUIRE_OK(s->get(nullptr, "policies", "keep", d));
  }
}

TEST_CASE("scan: by account and by field, in id order", "[scan]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  std::vector<std::string> ids = {"b", "a", "B", "\xc3\xa9", "10", "9", "a b", "z", "a-", "_"};
  std::mt19937 rng(12345);
  std::shuffle(ids.begin(), ids.end(), rng);
  for (size_t i = 0; i < ids.size(); ++i) {
    const nlohmann::json doc = {
        {"key", "k-" + ids[i]}, {"ip", "100.64.0." + std::to_string(i)}, {"n", 5}};
    REQUIRE_OK(s->put(nullptr, "peers", i % 2 ? "a1" : "a2", ids[i].c_str(), doc.dump().c_str(),
                      TRELLIS_REV_NONE));
  }
  std::vector<std::string> sorted = ids;
  std::sort(sorted.begin(), sorted.end());  // bytewise, as the contract orders ids
  std::vector<Doc> out;

  REQUIRE_OK(s->scan(nullptr, "peers", nullptr, nullptr, nullptr, out));
  CHECK(ids_of(out) == sorted);
  for (const Doc &d : out) CHECK(d.collection == "peers");

  REQUIRE_OK(s->scan(nullptr, "peers", "a1", nullptr, nullptr, out));
  std::vector<std::string> a1;
  for (const std::string &id : sorted) {
    const size_t i = static_cast<size_t>(std::find(ids.begin(), ids.end(), id) - ids.begin());
    if (i % 2) a1.push_back(id);
  }
  CHECK(ids_of(out) == a1);
  for (const Doc &d : out) CHECK(d.account == "a1");

  REQUIRE_OK(s->scan(nullptr, "peers", nullptr, "key", "k-a b", out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == "a b");
  REQUIRE_OK(s->scan(nullptr, "peers", "a1", "ip", "100.64.0.1", out));
  CHECK(out.size() == 1);
  REQUIRE_OK(s->scan(nullptr, "peers", "a2", "ip", "100.64.0.1", out));
  CHECK(out.empty());
  REQUIRE_OK(s->scan(nullptr, "peers", "nobody", nullptr, nullptr, out));
  CHECK(out.empty());
  REQUIRE_OK(s->scan(nullptr, "empty_collection", nullptr, nullptr, nullptr, out));
  CHECK(out.empty());

  SECTION("only top-level string fields match") {
    REQUIRE_OK(s->put(nullptr, "peers", "a1", "num", R"({"key":5})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->put(nullptr, "peers", "a1", "obj", R"({"key":{"x":1}})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->put(nullptr, "peers", "a1", "bool", R"({"key":true})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->put(nullptr, "peers", "a1", "nul", R"({"key":null})", TRELLIS_REV_NONE));
    REQUIRE_OK(
        s->put(nullptr, "peers", "a1", "deep", R"({"inner":{"key":"5"}})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->put(nullptr, "peers", "a1", "arr", R"(["key","5"])", TRELLIS_REV_NONE));
    for (const char *v : {"5", R"({"x":1})", "true", "1", "null", ""}) {
      REQUIRE_OK(s->scan(nullptr, "peers", nullptr, "key", v, out));
      INFO("value " << v);
      CHECK(out.empty());
    }
    REQUIRE_OK(s->put(nullptr, "peers", "a1", "str5", R"({"key":"5"})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->scan(nullptr, "peers", nullptr, "key", "5", out));
    CHECK(ids_of(out) == std::vector<std::string>{"str5"});
  }
  SECTION("an unindexed field and an unknown collection filter the same way") {
    REQUIRE_OK(s->put(nullptr, "widgets", "a1", "w2", R"({"color":"red"})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->put(nullptr, "widgets", "a1", "w1", R"({"color":"red"})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->put(nullptr, "widgets", "a2", "w3", R"({"color":"blue"})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->scan(nullptr, "widgets", nullptr, "color", "red", out));
    CHECK(ids_of(out) == std::vector<std::string>{"w1", "w2"});
    REQUIRE_OK(s->scan(nullptr, "widgets", "a2", nullptr, nullptr, out));
    CHECK(ids_of(out) == std::vector<std::string>{"w3"});
    REQUIRE_OK(s->scan(nullptr, "peers", nullptr, "color", "red", out));
    CHECK(out.empty());
  }
  SECTION("the visitor can stop early") {
    REQUIRE_OK(s->scan(nullptr, "peers", nullptr, nullptr, nullptr, out, 3));
    CHECK(out.size() == 3);
    CHECK(ids_of(out) == std::vector<std::string>(sorted.begin(), sorted.begin() + 3));
  }
  SECTION("a scan inside a transaction sees the transaction's own writes") {
    Txn t;
    REQUIRE_OK(s->begin(t));
    REQUIRE_OK(s->put(&t, "peers", "a9", "new", R"({"key":"k-new"})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->remove(&t, "peers", "z", TRELLIS_REV_ANY));
    REQUIRE_OK(s->scan(&t, "peers", "a9", nullptr, nullptr, out));
    CHECK(ids_of(out) == std::vector<std::string>{"new"});
    REQUIRE_OK(s->scan(&t, "peers", nullptr, "key", "k-z", out));
    CHECK(out.empty());
  }
}

TEST_CASE("collections: known ones have tables, unknown ones share the generic table", "[docs]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  const std::vector<std::string> names = {"accounts", "users",      "peers",           "groups",
                                          "policies", "setup_keys", "routes",          "dns",
                                          "tokens",   "widgets",    "kv:tunnel.state", "A-b_c.d"};
  for (const std::string &c : names) {
    const nlohmann::json doc = {{"in", c}};
    REQUIRE_OK(s->put(nullptr, c.c_str(), "acct", "same-id", doc.dump().c_str(), TRELLIS_REV_NONE));
  }
  std::vector<Doc> out;
  for (const std::string &c : names) {
    INFO("collection " << c);
    Doc d;
    REQUIRE_OK(s->get(nullptr, c.c_str(), "same-id", d));
    CHECK(d.revision == 1);
    CHECK(d.collection == c);
    CHECK(nlohmann::json::parse(d.json)["in"] == c);
    REQUIRE_OK(s->scan(nullptr, c.c_str(), "acct", nullptr, nullptr, out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].collection == c);
  }
  CHECK(db.query("SELECT count(*) FROM peers") == "1");
  CHECK(db.query("SELECT count(*) FROM setup_keys") == "1");
  CHECK(db.query("SELECT count(*) FROM documents") == "3");
  CHECK(db.query("SELECT count(*) FROM documents WHERE collection = 'kv:tunnel.state'") == "1");
  for (const std::string &c : names) REQUIRE_OK(s->remove(nullptr, c.c_str(), "same-id", 1));
  CHECK(db.query("SELECT count(*) FROM documents") == "0");
}

TEST_CASE("documents: UTF-8 and 1 MB documents round-trip", "[docs]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  Doc d;

  const std::string id =
      "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87-\xf0\x9f\x94\x91-\xe9\x8d\xb5";  // ключ-🔑-鍵
  const std::string account = "\xe8\xb4\xa6\xe6\x88\xb7";                // 账户
  const std::string json = R"({"name":"caf\u00e9 café","emoji":"\ud83d\ude00 😀",)"
                           R"("rtl":"שלום","zh":"网络","esc":"tab\tquote\"slash\\"})";
  REQUIRE_OK(s->put(nullptr, "users", account.c_str(), id.c_str(), json.c_str(), TRELLIS_REV_NONE));
  REQUIRE_OK(s->get(nullptr, "users", id.c_str(), d));
  CHECK(d.id == id);
  CHECK(d.account == account);
  CHECK(same_json(d.json, json));
  std::vector<Doc> out;
  REQUIRE_OK(s->scan(nullptr, "users", account.c_str(), "zh", "网络", out));
  REQUIRE(out.size() == 1);
  CHECK(out[0].id == id);

  std::string blob;
  blob.reserve(1 << 20);
  std::mt19937 rng(7);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 ";
  while (blob.size() < (1u << 20)) blob += alphabet[rng() % alphabet.size()];
  blob += "\xc3\xa9";
  const nlohmann::json big = {{"blob", blob}, {"list", std::vector<int>(1000, 42)}};
  const std::string big_text = big.dump();
  REQUIRE(big_text.size() > (1u << 20));
  uint64_t rev = 0;
  REQUIRE_OK(s->put(nullptr, "routes", "acct", "big", big_text.c_str(), TRELLIS_REV_NONE, &rev));
  REQUIRE_OK(s->get(nullptr, "routes", "big", d));
  CHECK(nlohmann::json::parse(d.json) == big);
  REQUIRE_OK(s->put(nullptr, "routes", "acct", "big", big_text.c_str(), rev, &rev));
  CHECK(rev == 2);
  REQUIRE_OK(s->scan(nullptr, "routes", nullptr, nullptr, nullptr, out));
  REQUIRE(out.size() == 1);
  CHECK(nlohmann::json::parse(out[0].json) == big);
}

TEST_CASE("documents: data persists across close and reopen", "[docs]") {
  Fresh db;
  {
    std::unique_ptr<Store> s;
    REQUIRE_OK(db.open(s));
    REQUIRE_OK(
        s->put(nullptr, "dns", "a", "settings", R"({"zone":"mesh.example"})", TRELLIS_REV_NONE));
    REQUIRE_OK(s->put(nullptr, "dns", "a", "settings", R"({"zone":"mesh2.example"})", 1));
    REQUIRE_OK(s->append_event(nullptr, "a", R"({"action":"dns.update"})"));
  }
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  Doc d;
  REQUIRE_OK(s->get(nullptr, "dns", "settings", d));
  CHECK(d.revision == 2);
  CHECK(same_json(d.json, R"({"zone":"mesh2.example"})"));
  std::vector<Event> events;
  REQUIRE_OK(s->page_events("a", 0, 10, events));
  CHECK(events.size() == 1);
}
