// SPDX-License-Identifier: Apache-2.0
// Storage conformance: hostile and malformed input. SQL-injection-looking ids,
// accounts, documents and scan values are stored and found like any other
// text; field and collection names that could reach SQL text are refused;
// malformed arguments and NULL pointers are TRELLIS_E_INVALID with a message,
// never a crash; a transaction cannot be used with another instance.
#include "conformance.hpp"

using namespace trellis::storage_test;

TEST_CASE("input: SQL-injection-looking values are inert", "[security]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  const std::vector<std::string> nasty = {
      "'; DROP TABLE peers; --",
      "\" OR 1=1 --",
      "x' OR '1'='1",
      "Robert'); DROP TABLE documents;--",
      "$1",
      ":id",
      "?",
      "\\'; SELECT pg_sleep(10); --",
      "doc->>'key'",
      "%s%n%x",
  };
  for (const std::string &v : nasty) {
    const nlohmann::json doc = {{"key", v}, {v, v}};
    REQUIRE_OK(
        s->put(nullptr, "peers", v.c_str(), v.c_str(), doc.dump().c_str(), TRELLIS_REV_NONE));
    REQUIRE_OK(
        s->put(nullptr, "widgets", v.c_str(), v.c_str(), doc.dump().c_str(), TRELLIS_REV_NONE));
    REQUIRE_OK(s->append_event(nullptr, v.c_str(), doc.dump().c_str()));
  }
  for (const std::string &v : nasty) {
    INFO("value " << v);
    Doc d;
    REQUIRE_OK(s->get(nullptr, "peers", v.c_str(), d));
    CHECK(d.account == v);
    CHECK(nlohmann::json::parse(d.json)[v] == v);
    std::vector<Doc> out;
    REQUIRE_OK(s->scan(nullptr, "peers", v.c_str(), "key", v.c_str(), out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].id == v);
    REQUIRE_OK(s->scan(nullptr, "widgets", nullptr, "key", v.c_str(), out));
    CHECK(out.size() == 1);
    std::vector<Event> events;
    REQUIRE_OK(s->page_events(v.c_str(), 0, 10, events));
    CHECK(events.size() == 1);
  }
  std::vector<Doc> out;
  REQUIRE_OK(s->scan(nullptr, "peers", nullptr, "key", "' OR '1'='1", out));
  CHECK(out.empty());
  REQUIRE_OK(s->scan(nullptr, "peers", nullptr, nullptr, nullptr, out));
  CHECK(out.size() == nasty.size());
  for (const std::string &v : nasty) REQUIRE_OK(s->remove(nullptr, "peers", v.c_str(), 1));
  CHECK(db.query("SELECT count(*) FROM peers") == "0");
  CHECK(db.query("SELECT count(*) FROM documents") == std::to_string(nasty.size()));
}

TEST_CASE("input: field and collection names that could reach SQL are refused", "[security]") {
  Fresh db;
  std::unique_ptr<Store> s;
  REQUIRE_OK(db.open(s));
  REQUIRE_OK(s->put(nullptr, "peers", "a", "p", R"({"key":"k"})", TRELLIS_REV_NONE));
  std::vector<Doc> out;
  for (const char *field : {"key'", "key; DROP TABLE peers", "a.b", "$.key", "key--", "key)", "",
                            "k ey", "ключ", "key\"",
                            "0123456789012345678901234567890123456789"
                            "0123456789012345678901234567890"}) {
    INFO("field " << field);
    const Status st = s->scan(nullptr, "peers", nullptr, field, "k", out);
    CHECK(st.code == TRELLIS_E_INVALID);
    CHECK(st.message.find("field") != std::string::npos);
  }
  for (const char *collection :
       {"peers'", "peers; DROP TABLE peers", "pe ers", "", "\"peers\"", "peers)", "a/b"}) {
    INFO("collection " << collection);
    Doc d;
    const Status st = s->get(nullptr, collection, "p", d);
    CHECK(st.code == TRELLIS_E_INVALID);
    CHECK(st.message.find("collection") != std::string::npos);
    CHECK_STATUS(s->put(nullptr, collection, "a", "p", "{}", TRELLIS_REV_ANY), TRELLIS_E_INVALID);
    CHECK_STATUS(s->scan(nullptr, collection, nullptr, nullptr, nullptr, out), TRELLIS_E_INVALID);
  }
  REQUIRE_OK(s->scan(nullptr, "peers", nullptr, "key", "k", out));
  CHECK(out.size() == 1);
}

TEST_CASE("input: malformed arguments are refused with a message", "[args]") {
  const int64_t baseline = HostStats::live_allocations();
  {
    Fresh db;
    std::unique_ptr<Store> s;
    REQUIRE_OK(db.open(s));
    std::vector<Doc> out;
    auto invalid = [](const Status &st) {
      INFO(st.code << " \"" << st.message << "\"");
      CHECK(st.code == TRELLIS_E_INVALID);
      CHECK_FALSE(st.message.empty());
    };
    const std::string long_id(1025, 'x');
    const std::string bad_utf8 = "id-\xc3\x28";
    std::string deep;
    for (int i = 0; i < 300; ++i) deep += "[";
    for (int i = 0; i < 300; ++i) deep += "]";

    invalid(s->put(nullptr, nullptr, "a", "id", "{}", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", nullptr, "id", "{}", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", nullptr, "{}", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", "id", nullptr, TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", "", "{}", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", long_id.c_str(), "{}", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", bad_utf8.c_str(), "{}", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", bad_utf8.c_str(), "id", "{}", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", "id", "{", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", "id", "", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", "id", "{} {}", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", "id", R"({"a":"\u0000"})", TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", "id", ("{\"a\":\"" + std::string("\xff") + "\"}").c_str(),
                   TRELLIS_REV_ANY));
    invalid(s->put(nullptr, "peers", "a", "id", deep.c_str(), TRELLIS_REV_ANY));
    invalid(s->scan(nullptr, "peers", nullptr, "key", nullptr, out));
    invalid(s->scan(nullptr, "peers", nullptr, nullptr, "v", out));
    invalid(s->scan(nullptr, "peers", bad_utf8.c_str(), nullptr, nullptr, out));
    invalid(s->append_event(nullptr, "a", deep.c_str()));
    std::vector<Event> events;
    invalid(s->page_events(bad_utf8.c_str(), 0, 1, events));
    // The document stays valid JSON text with a 256-deep nesting, the limit.
    std::string ok_deep;
    for (int i = 0; i < 256; ++i) ok_deep += "[";
    for (int i = 0; i < 256; ++i) ok_deep += "]";
    REQUIRE_OK(s->put(nullptr, "peers", "a", "deep", ok_deep.c_str(), TRELLIS_REV_NONE));
    REQUIRE(db.query("SELECT count(*) FROM peers") == "1");

    const trellis_storage_vtable &vt = s->vtable();
    // Calls the raw entry with an error out-parameter, then collects it.
    auto call = [](auto &&fn) {
      char *error = nullptr;
      const trellis_status rc = fn(&error);
      return take_status(rc, error);
    };
    void *inst = s->instance();
    trellis_doc doc{};
    doc.struct_size = sizeof(doc);
    invalid(call([&](char **e) { return vt.get(nullptr, nullptr, "peers", "deep", &doc, e); }));
    invalid(call([&](char **e) { return vt.get(inst, nullptr, "peers", "deep", nullptr, e); }));
    trellis_doc small{};
    small.struct_size = 8;
    CHECK(call([&](char **e) { return vt.get(inst, nullptr, "peers", "deep", &small, e); }).code ==
          TRELLIS_E_ABI);
    trellis_doc unsized{};  // struct_size 0: the plugin fills in its own
    REQUIRE(
        call([&](char **e) { return vt.get(inst, nullptr, "peers", "deep", &unsized, e); }).ok());
    CHECK(unsized.struct_size == sizeof(trellis_doc));
    CHECK(unsized.revision == 1);
    free_doc(&unsized);
    invalid(call([&](char **e) { return vt.begin(inst, nullptr, e); }));
    invalid(call([&](char **e) { return vt.commit(nullptr, e); }));
    vt.rollback(nullptr);
    invalid(call([&](char **e) { return vt.describe(inst, nullptr, e); }));
    // Errors may be requested or not: a NULL error pointer is fine.
    CHECK(vt.put(inst, nullptr, "peers", "a", "", "{}", TRELLIS_REV_ANY, nullptr, nullptr) ==
          TRELLIS_E_INVALID);
    trellis_create_params params{};
    params.struct_size = sizeof(params);
    invalid(call([&](char **e) { return vt.create(&params, nullptr, e); }));
  }
  CHECK(HostStats::live_allocations() == baseline);
}

TEST_CASE("input: a transaction is refused by another instance", "[args][txn]") {
  Fresh db1;
  Fresh db2;
  std::unique_ptr<Store> s1;
  std::unique_ptr<Store> s2;
  REQUIRE_OK(db1.open(s1));
  REQUIRE_OK(db2.open(s2));
  Txn t;
  REQUIRE_OK(s1->begin(t));
  REQUIRE_OK(s1->put(&t, "peers", "a", "p", "{}", TRELLIS_REV_NONE));
  const Status st = s2->put(&t, "peers", "a", "q", "{}", TRELLIS_REV_NONE);
  CHECK(st.code == TRELLIS_E_INVALID);
  CHECK(st.message.find("transaction") != std::string::npos);
  REQUIRE_OK(t.commit());
  Doc d;
  REQUIRE_OK(s1->get(nullptr, "peers", "p", d));
  REQUIRE_STATUS(s2->get(nullptr, "peers", "q", d), TRELLIS_E_NOT_FOUND);
}
