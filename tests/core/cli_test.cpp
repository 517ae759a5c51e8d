// SPDX-License-Identifier: Apache-2.0
// The trellis executable as a process: version, check (ok, errors, exit
// status), run refusing what this build cannot run, and plugins listing the
// fixtures with refusals on stderr. No role is linked into the product yet, so
// the example configs under config/ must fail check with "not available".
#include <catch2/catch.hpp>

#include "test_support.hpp"

using trellis::test::run_process;

namespace {
const std::string kBin = TRELLIS_BIN;
}

TEST_CASE("cli: version", "[cli]") {
  auto r = run_process({kBin, "version"});
  CHECK(r.status == 0);
  CHECK(r.out == "trellis " TRELLIS_VERSION " (plugin ABI 1.0)\n");
}

TEST_CASE("cli: usage errors", "[cli]") {
  auto none = run_process({kBin});
  CHECK(none.status != 0);
  auto bad = run_process({kBin, "frobnicate"});
  CHECK(bad.status != 0);
  auto missing = run_process({kBin, "check"});
  CHECK(missing.status != 0);
  CHECK_THAT(missing.err, Catch::Contains("--config is required"));
}

TEST_CASE("cli: check and run report config errors with file:line:col and exit 1", "[cli]") {
  trellis::test::TempDir dir;
  auto typo = dir.write("typo.yaml", "log: {level: info}\nlgo: x\n");
  auto r = run_process({kBin, "check", "-c", typo.string()});
  CHECK(r.status == 1);
  CHECK(r.err == typo.string() + ":2:1: unknown key 'lgo' (expected one of: log, metrics, plugin_dirs, "
                                 "roles, shutdown_timeout, state_dir, workers)\n");
  auto none = dir.write("none.yaml", "state_dir: state\n");
  auto run = run_process({kBin, "run", "-c", none.string()});
  CHECK(run.status == 1);
  CHECK(run.err == none.string() + ":1:1: no roles configured\n");
  auto check = run_process({kBin, "check", "-c", none.string()});
  CHECK(check.status == 1);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "state"));
}

TEST_CASE("cli: roles that are not linked in are refused by name", "[cli]") {
  for (const char *role : {"signal", "management", "agent"}) {
    INFO("role " << role);
    const std::string file = std::string(TRELLIS_CONFIG_DIR) + "/" + role + ".yaml";
    auto r = run_process({kBin, "check", "-c", file});
    if (r.status == 0) {
      CHECK(r.out == file + ": ok\n");  // the role exists in this build
      continue;
    }
    CHECK(r.status == 1);
    CHECK_THAT(r.err, Catch::StartsWith(file + ":") &&
                          Catch::Contains(std::string("role '") + role +
                                          "' is not available in this build (available: "));
  }
}

TEST_CASE("cli: plugins lists accepted fixtures and refuses the rest on stderr", "[cli]") {
  auto r = run_process({kBin, "plugins", "--plugin-dir", trellis::test::fixtures_dir().string()});
  CHECK(r.status == 0);
  CHECK_THAT(r.out, Catch::StartsWith("KIND"));
  CHECK_THAT(r.out, Catch::Contains("auth    ") && Catch::Contains("fixture-good") &&
                        Catch::Contains("1.2.3") && Catch::Contains(trellis::test::fixture("trellis-auth-fixture-good.so")));
  CHECK_THAT(r.out, Catch::Contains("tunnel") && Catch::Contains("fixture-old"));
  CHECK_THAT(r.err, Catch::Contains("plugin " + trellis::test::fixture("fixture-entry-v2.so") +
                                    ": built for ABI 2, host is ABI 1.0: refused: "));
  CHECK_THAT(r.err, Catch::Contains("fixture-missing-dep.so: ABI unknown, host is ABI 1.0: refused: "
                                    "cannot load: libtrellis_fixture_dep.so"));
  CHECK(r.out.find("fixture-entry-v2") == std::string::npos);
}

TEST_CASE("cli: a build-tree trellis also searches the build tree's plugin dir", "[cli]") {
  auto r = run_process({kBin, "plugins"});
  CHECK(r.status == 0);
  // Listed as the path of an accepted plugin, of a refused one, or among the
  // searched directories when there is none.
  CHECK_THAT(r.out + r.err, Catch::Contains(TRELLIS_BUILD_PLUGIN_DIR));
}
