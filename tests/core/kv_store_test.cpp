// SPDX-License-Identifier: Apache-2.0
// FileKvBackend: revisions, persistence across instances (the file is the
// truth), atomic replacement (no temp file left behind), file permissions,
// corrupt files, name checks, concurrent writers on one record.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "core/kv_store.hpp"
#include "test_support.hpp"

namespace core = trellis::core;

TEST_CASE("kv store persists records with revisions", "[kv]") {
  trellis::test::TempDir dir;
  {
    core::FileKvBackend kv(dir.path() / "kv");
    CHECK(kv.put("auth/x/default", "keys", "k1", "{\"v\":1}", TRELLIS_REV_NONE).revision == 1);
    CHECK(kv.put("auth/x/default", "keys", "k1", "{\"v\":2}", TRELLIS_REV_ANY).revision == 2);
    auto stale = kv.put("auth/x/default", "keys", "k1", "{\"v\":3}", 1);
    CHECK(stale.status == TRELLIS_E_CONFLICT);
    CHECK(stale.error == "revision is 2, not 1");
    CHECK(kv.put("auth/x/default", "keys", "k2", "[1,2]", 0).status == TRELLIS_OK);
    CHECK(kv.put("auth/x/default", "keys", "k3", "{}", 5).status == TRELLIS_E_CONFLICT);
  }
  const auto file = dir.path() / "kv/auth/x/default/keys.json";
  REQUIRE(std::filesystem::exists(file));
  CHECK_FALSE(std::filesystem::exists(file.string() + ".tmp"));
  struct stat st {};
  REQUIRE(stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(stat(file.parent_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  core::FileKvBackend again(dir.path() / "kv");
  auto r = again.get("auth/x/default", "keys", "k1");
  CHECK(r.status == TRELLIS_OK);
  CHECK(r.value == "{\"v\":2}");
  CHECK(r.revision == 2);
  CHECK(again.get("auth/x/default", "keys", "k2").value == "[1,2]");
  CHECK(again.get("auth/x/default", "other", "k1").status == TRELLIS_E_NOT_FOUND);
}

TEST_CASE("kv store refuses bad names and corrupt files", "[kv]") {
  trellis::test::TempDir dir;
  core::FileKvBackend kv(dir.path() / "kv");
  CHECK(kv.get("auth/../x", "c", "id").status == TRELLIS_E_INVALID);
  CHECK(kv.get("auth/x/y", "C", "id").status == TRELLIS_E_INVALID);
  CHECK(kv.get("auth/x/y", "c/d", "id").status == TRELLIS_E_INVALID);
  CHECK(kv.get("auth/x/y", "c", "").status == TRELLIS_E_INVALID);
  CHECK(kv.get("", "c", "id").status == TRELLIS_E_INVALID);
  dir.write("kv/auth/x/y/broken.json", "{\"format\": 1, \"records\": [");
  auto r = kv.get("auth/x/y", "broken", "id");
  CHECK(r.status == TRELLIS_E_IO);
  CHECK_THAT(r.error, Catch::Contains("is corrupt"));
}

TEST_CASE("kv store: concurrent writers with expected revisions never lose an update", "[kv]") {
  trellis::test::TempDir dir;
  core::FileKvBackend kv(dir.path() / "kv");
  REQUIRE(kv.put("s/a/b", "c", "counter", "0", TRELLIS_REV_NONE).status == TRELLIS_OK);
  std::atomic<int> conflicts{0};
  std::atomic<int> unexpected{0};
  auto worker = [&] {
    for (int done = 0; done < 20;) {
      auto cur = kv.get("s/a/b", "c", "counter");
      int n = std::stoi(cur.value);
      auto w = kv.put("s/a/b", "c", "counter", std::to_string(n + 1), cur.revision);
      if (w.status == TRELLIS_OK) ++done;
      else if (w.status == TRELLIS_E_CONFLICT) ++conflicts;
      else {
        ++unexpected;
        return;
      }
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  REQUIRE(unexpected == 0);
  auto end = kv.get("s/a/b", "c", "counter");
  CHECK(end.value == "40");
  CHECK(end.revision == 41);
}
