// SPDX-License-Identifier: Apache-2.0
// Plugin loader conformance against the fixtures of tests/fixtures: every
// refusal names the path, the plugin's ABI version (when known), the host's and
// the reason, on one line; an older, shorter vtable loads with its missing
// optional members NULL; a failing create reports the plugin's error text;
// nothing an instance scheduled fires after its destroy.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <thread>

#include <trellis/plugin.hpp>

#include "core/logging.hpp"
#include "core/plugin_instance.hpp"
#include "core/plugin_loader.hpp"
#include "test_support.hpp"

namespace core = trellis::core;
using trellis::test::fixture;
using namespace std::chrono_literals;

namespace {

struct Env {
  std::shared_ptr<trellis::test::CaptureSink> logs = trellis::test::capture_logs();
  trellis::test::TempDir state;
  boost::asio::io_context io;
  boost::asio::thread_pool pool{2};
  core::Metrics metrics;
  core::FileKvBackend kv{state.path() / "kv"};
  core::PluginLoader loader{core::HostServices{io, pool, metrics, &kv, state.path().string()},
                            {trellis::test::fixtures_dir()}};
  ~Env() { pool.join(); }
};

std::string refusal(core::PluginLoader &loader, const std::string &path,
                    trellis_plugin_kind kind = TRELLIS_KIND_AUTH) {
  try {
    loader.load(path, kind);
  } catch (const core::PluginError &e) {
    std::string what = e.what();
    CHECK(what.find('\n') == std::string::npos);
    return what;
  }
  return "<loaded>";
}

std::string host_abi() { return "host is ABI " + core::host_abi_text(); }

double metric_value(const core::Metrics &m, const std::string &series) {
  std::string text = m.render();
  size_t at = text.find(series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 1));
}

}  // namespace

TEST_CASE("loader: a good plugin by name and by path", "[loader]") {
  Env env;
  auto p = env.loader.load("fixture-good", TRELLIS_KIND_AUTH);
  const auto &info = p->info();
  CHECK(info.kind == TRELLIS_KIND_AUTH);
  CHECK(info.name == "fixture-good");
  CHECK(info.version == "1.2.3");
  CHECK(info.description == "Loader test fixture");
  CHECK(info.abi_major == TRELLIS_ABI_MAJOR);
  CHECK(info.abi_minor == TRELLIS_ABI_MINOR);
  CHECK(info.path == fixture("trellis-auth-fixture-good.so"));
  CHECK(std::string(p->auth().credential_type) == "fixture-token");
  CHECK(env.loader.load(fixture("trellis-auth-fixture-good.so"), TRELLIS_KIND_AUTH) == p);
  CHECK(env.loader.load("fixture-good", TRELLIS_KIND_AUTH) == p);
  CHECK_THROWS_AS(p->tunnel(), std::logic_error);
}

TEST_CASE("loader: refusals are one line with path, both ABI versions and the reason", "[loader]") {
  Env env;
  struct Case {
    const char *file;
    std::string abi;
    std::string reason;
    trellis_plugin_kind kind = TRELLIS_KIND_AUTH;
  };
  const size_t small_size = offsetof(trellis_tunnel_vtable, get_stats);
  const size_t stats_end = offsetof(trellis_tunnel_vtable, get_stats) + sizeof(void *);
  const Case cases[] = {
      {"fixture-abi2-descriptor.so", "built for ABI 2.0", "ABI major version 2 differs from the host's 1"},
      {"fixture-newer-minor.so", "built for ABI 1.1", "it needs a newer host (ABI 1.1 or later)"},
      {"fixture-entry-v2.so", "built for ABI 2",
       "it exports trellis_plugin_entry_v2 instead of trellis_plugin_entry_v1 (another ABI major version)"},
      {"fixture-no-entry.so", "ABI unknown", "no trellis_plugin_entry_v1 symbol: not a Trellis plugin"},
      {"fixture-null-descriptor.so", "ABI unknown",
       "its entry returned no descriptor (the plugin declined to load; see its log)"},
      {"fixture-null-member.so", "built for ABI 1.0", "required vtable member 'destroy' is NULL"},
      {"fixture-tunnel-too-small.so", "built for ABI 1.0",
       "vtable struct_size " + std::to_string(small_size) +
           " is too small: required member 'get_stats' needs " + std::to_string(stats_end) + " bytes",
       TRELLIS_KIND_TUNNEL},
      {"fixture-missing-dep.so", "ABI unknown",
       "cannot load: libtrellis_fixture_dep.so: cannot open shared object file: No such file or directory"},
      {"trellis-auth-fixture-good.so", "built for ABI 1.0",
       "wrong kind: 'fixture-good' is of kind auth, expected kind tunnel", TRELLIS_KIND_TUNNEL},
  };
  for (const auto &c : cases) {
    INFO("fixture: " << c.file);
    const std::string path = fixture(c.file);
    CHECK(refusal(env.loader, path, c.kind) ==
          "plugin " + path + ": " + c.abi + ", " + host_abi() + ": refused: " + c.reason);
  }
  // The plugin's own explanation reached the log, tagged with its file.
  CHECK(env.logs->contains("[plugin:fixture-null-descriptor] fixture-null-descriptor: declining to load"));
}

TEST_CASE("loader: a second file with the same kind and name is refused", "[loader]") {
  Env env;
  auto a = env.loader.load(fixture("fixture-dup-a.so"), TRELLIS_KIND_AUTH);
  CHECK(a->info().name == "fixture-dup");
  CHECK(refusal(env.loader, fixture("fixture-dup-b.so")) ==
        "plugin " + fixture("fixture-dup-b.so") + ": built for ABI 1.0, " + host_abi() +
            ": refused: duplicate auth plugin 'fixture-dup': already loaded from " +
            fixture("fixture-dup-a.so"));
}

TEST_CASE("loader: unknown names and missing files", "[loader]") {
  Env env;
  CHECK(refusal(env.loader, "no-such-plugin") ==
        "plugin no-such-plugin: no auth plugin named 'no-such-plugin' (looked for "
        "trellis-auth-no-such-plugin.so in: " + trellis::test::fixtures_dir().string() + ")");
  CHECK(refusal(env.loader, "/nonexistent/x.so") ==
        "plugin /nonexistent/x.so: ABI unknown, " + host_abi() + ": refused: no such file");
  CHECK_THAT(refusal(env.loader, "Bad_Name"), Catch::Contains("invalid plugin name"));
}

TEST_CASE("loader: an older, shorter tunnel vtable loads with missing members NULL", "[loader]") {
  Env env;
  auto p = env.loader.load("fixture-old", TRELLIS_KIND_TUNNEL);
  const auto &vt = p->tunnel();
  CHECK(vt.struct_size == sizeof(trellis_tunnel_vtable));  // the host's zero-extended copy
  CHECK(vt.capabilities == TRELLIS_TUNNEL_CAP_FIREWALL);
  CHECK(vt.set_firewall != nullptr);
  CHECK(vt.set_peer_path == nullptr);
  CHECK(vt.set_routes == nullptr);  // beyond the plugin's struct_size
  int events = 0;
  core::InstanceOptions opts;
  opts.tunnel_event = [](void *u, const trellis_tunnel_event *) { ++*static_cast<int *>(u); };
  opts.tunnel_event_user = &events;
  auto inst = env.loader.create(p, "wg0", nlohmann::json::object(), opts);
  auto peer = trellis::sdk::sized<trellis_tunnel_peer>();
  REQUIRE(vt.set_peer(inst->handle(), &peer, nullptr) == TRELLIS_OK);
  size_t count = 0;
  REQUIRE(vt.get_stats(inst->handle(), nullptr, 0, &count) == TRELLIS_OK);
  CHECK(count == 1);
  inst.reset();
}

TEST_CASE("instance: services work end to end through a real plugin", "[loader][instance]") {
  Env env;
  auto p = env.loader.load("fixture-good", TRELLIS_KIND_AUTH);
  auto inst = env.loader.create(p, "main", nlohmann::json{{"greeting", "hi"}, {"n", 3}});
  CHECK(env.logs->contains("[auth:fixture-good/main] fixture-good config: {\"greeting\":\"hi\",\"n\":3}"));
  CHECK(std::filesystem::is_directory(env.state.path() / "plugins/auth-fixture-good/main"));
  const std::string labels = "plugin=\"fixture-good\",instance=\"main\",event=";
  auto ev = [&](const char *e) {
    return metric_value(env.metrics, "trellis_fixture_events_total{" + labels + "\"" + e + "\"}");
  };
  REQUIRE(trellis::test::run_until(env.io, [&] {
    return ev("timer") == 1 && ev("post") == 1 && ev("work") == 1 && ev("done_ok") == 1;
  }));
  CHECK(ev("done_error") == 0);
  CHECK(env.logs->contains("work done, kv read back {\"hello\":\"world\"}"));
  CHECK(std::filesystem::exists(env.state.path() / "kv/auth/fixture-good/main/fixture.json"));

  // authenticate answers asynchronously; cancel suppresses the answer.
  struct Answer {
    int calls = 0;
    trellis_status status = 1;
    std::string identity, reason;
  } good, bad, cancelled;
  auto done = [](void *u, trellis_status st, const char *identity, const char *reason) {
    auto *a = static_cast<Answer *>(u);
    ++a->calls;
    a->status = st;
    a->identity = identity ? identity : "";
    a->reason = reason ? reason : "";
  };
  const auto &vt = inst->auth();
  auto req = trellis::sdk::sized<trellis_auth_request>();
  req.credential_type = "fixture-token";
  req.credential = "open-sesame";
  uint64_t id1 = 0, id2 = 0, id3 = 0;
  REQUIRE(vt.authenticate(inst->handle(), &req, done, &good, &id1) == TRELLIS_OK);
  req.credential = "wrong";
  REQUIRE(vt.authenticate(inst->handle(), &req, done, &bad, &id2) == TRELLIS_OK);
  REQUIRE(vt.authenticate(inst->handle(), &req, done, &cancelled, &id3) == TRELLIS_OK);
  vt.cancel(inst->handle(), id3);
  CHECK(good.calls == 0);  // never inline
  REQUIRE(trellis::test::run_until(env.io, [&] { return good.calls == 1 && bad.calls == 1; }));
  env.io.restart();
  env.io.run_for(20ms);
  CHECK(good.status == TRELLIS_OK);
  CHECK(nlohmann::json::parse(good.identity)["account"] == "acct-1");
  CHECK(bad.status == TRELLIS_E_DENIED);
  CHECK(bad.reason == "wrong credential");
  CHECK(cancelled.calls == 0);

  inst.reset();
  CHECK(env.metrics.render().find("fixture_events_total") == std::string::npos);
}

TEST_CASE("instance: a failing create reports the plugin's error text", "[loader][instance]") {
  Env env;
  auto p = env.loader.load("fixture-fails", TRELLIS_KIND_AUTH);
  const std::string expected = "auth plugin 'fixture-fails' (" + fixture("trellis-auth-fixture-fails.so") +
                               ") instance 'x': create failed: TRELLIS_E_INVALID: fixture-fails: "
                               "refusing config {\"mode\":\"lenient\"}";
  try {
    env.loader.create(p, "x", nlohmann::json{{"mode", "lenient"}});
    FAIL("create succeeded");
  } catch (const std::runtime_error &e) {
    CHECK(std::string(e.what()) == expected);
  }
  CHECK(env.logs->contains("[auth:fixture-fails/x] " + expected));
  // What create scheduled before failing never runs, and destroy is not called.
  env.io.run_for(30ms);
  CHECK_FALSE(env.logs->contains("VIOLATION"));
  CHECK_THROWS_WITH(env.loader.create(p, "bad/name", {}), Catch::Contains("invalid instance name"));
}

TEST_CASE("instance: nothing fires after destroy", "[loader][instance][teardown]") {
  Env env;
  auto p = env.loader.load("fixture-teardown", TRELLIS_KIND_AUTH);
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    env.logs->clear();
    auto inst = env.loader.create(p, "t", nlohmann::json{{"timer_ms", 20}, {"work_ms", 250}});
    // Without running the loop: the post and the timer stay pending. Wait until
    // the work is running on the pool, then destroy.
    const std::string running = "trellis_teardown_work_running{plugin=\"fixture-teardown\",instance=\"t\"}";
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (metric_value(env.metrics, running) != 1 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    REQUIRE(metric_value(env.metrics, running) == 1);
    std::this_thread::sleep_for(30ms);  // the timer's deadline has passed too
    const auto t0 = std::chrono::steady_clock::now();
    inst.reset();
    const auto waited = std::chrono::steady_clock::now() - t0;
    CHECK(waited >= 100ms);  // destroy waited for the running work
    env.io.restart();
    env.io.run_for(100ms);  // anything left queued would run now
    CHECK(env.logs->contains("teardown: destroy clean"));
    CHECK_FALSE(env.logs->contains("VIOLATION"));
  }
}

TEST_CASE("discovery lists every fixture, accepted or refused", "[loader]") {
  Env env;
  auto found = env.loader.discover();
  std::vector<std::string> accepted, refused;
  for (const auto &p : found.plugins)
    accepted.push_back(std::filesystem::path(p.path).filename().string());
  for (const auto &e : found.refused) refused.push_back(std::filesystem::path(e.path()).filename().string());
  std::sort(accepted.begin(), accepted.end());
  std::sort(refused.begin(), refused.end());
  CHECK(accepted == std::vector<std::string>{"fixture-dup-a.so", "trellis-auth-fixture-fails.so",
                                             "trellis-auth-fixture-good.so",
                                             "trellis-auth-fixture-teardown.so",
                                             "trellis-tunnel-fixture-old.so"});
  CHECK(refused == std::vector<std::string>{"fixture-abi2-descriptor.so", "fixture-dup-b.so",
                                            "fixture-entry-v2.so", "fixture-missing-dep.so",
                                            "fixture-newer-minor.so", "fixture-no-entry.so",
                                            "fixture-null-descriptor.so", "fixture-null-member.so",
                                            "fixture-tunnel-too-small.so"});
}
