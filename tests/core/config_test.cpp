// SPDX-License-Identifier: Apache-2.0
// Config: the table of bad files under bad-configs/ (each with the exact
// "file:line:column: message" it must produce, checked through the same path
// `trellis check` takes), environment substitution on the parsed tree, and the
// typed reads of ConfigReader.
#include <catch2/catch.hpp>

#include <map>

#include "core/config.hpp"
#include "core/config_reader.hpp"
#include "core/runtime.hpp"
#include "core/yaml_loader.hpp"
#include "test_support.hpp"

namespace core = trellis::core;
using trellis::test::source_file;

namespace {

struct BadConfig {
  const char *file;
  const char *expected;  // what follows "<path>:"
};

const BadConfig kBadConfigs[] = {
    {"unknown-key.yaml", "3:1: unknown key 'lgo' (expected one of: log, metrics, plugin_dirs, roles,"},
    {"wrong-type.yaml", "2:10: 'workers' must be an integer, got 'many'"},
    {"missing-required.yaml", "2:10: missing required key 'listen'"},
    {"bad-enum.yaml", "3:10: 'level' must be one of: trace, debug, info, warn, error; got 'loud'"},
    {"bad-duration.yaml",
     "2:19: 'shutdown_timeout' must be a duration like 250ms, 30s, 5m or 1h, got '5 minutes'"},
    {"malformed.yaml", "3:10: YAML syntax error: "},
    {"unset-env.yaml", "2:12: environment variable 'TRELLIS_TEST_UNSET_VARIABLE' is not set"},
    {"unknown-role.yaml", "3:3: role 'agent' is not available in this build (available: test-role)"},
    {"nested-unknown-key.yaml", "2:20: unknown key 'colour' (expected one of: format, level)"},
    {"duplicate-key.yaml", "3:1: duplicate key 'workers'"},
    {"bad-listen.yaml", "2:19: 'listen' must be \"IP:PORT\" or \"[IPv6]:PORT\", got 'localhost:9102'"},
    {"list-type.yaml", "2:14: 'plugin_dirs' must be a list of strings, got a scalar"},
    {"roles-list.yaml", "2:8: 'roles' must be a mapping, got a list"},
    {"multi-doc.yaml", "4:1: only one YAML document per config file"},
    {"out-of-range.yaml", "2:10: 'workers' must be between 1 and 256, got 0"},
    {"bad-env-syntax.yaml", "2:12: invalid environment reference: expected a variable name after '${'"},
    {"not-a-mapping.yaml", "2:1: expected a mapping, got a list"},
    {"role-section-scalar.yaml", "3:14: role 'test-role': its section must be a mapping"},
    {"bad-bool.yaml", "3:27: 'fail_start' must be true or false, got 'yes'"},
};

std::string check_error(const std::string &path) {
  core::RuntimeOptions o;
  o.config_path = path;
  o.check_only = true;
  o.setup_logging = false;
  core::Runtime rt(o);
  try {
    rt.assemble();
  } catch (const core::ConfigError &e) {
    return e.what();
  }
  return "<no ConfigError>";
}

std::optional<std::string> env_of(const std::map<std::string, std::string> &m, const std::string &k) {
  auto it = m.find(k);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

core::ConfigReader reader_of(const std::string &yaml,
                             const std::map<std::string, std::string> &env = {}) {
  auto doc = core::load_yaml_string(yaml, "t.yaml",
                                    [env](const std::string &k) { return env_of(env, k); });
  return core::ConfigReader(doc.root, doc.file);
}

}  // namespace

TEST_CASE("bad config files produce file:line:column errors", "[config]") {
  trellis::test::capture_logs();
  for (const auto &bad : kBadConfigs) {
    const std::string path = source_file(std::string("bad-configs/") + bad.file);
    const std::string expected = path + ":" + bad.expected;
    INFO("file: " << bad.file);
    std::string got = check_error(path);
    CHECK(got.substr(0, expected.size()) == expected);
  }
}

TEST_CASE("a missing config file is reported with its path", "[config]") {
  try {
    core::load_host_config("/nonexistent/trellis.yaml");
    FAIL("no error");
  } catch (const core::ConfigError &e) {
    CHECK(std::string(e.what()) == "/nonexistent/trellis.yaml: cannot read: No such file or directory");
    CHECK(e.line() == 0);
  }
}

TEST_CASE("ConfigError carries its parts", "[config]") {
  core::ConfigError e("a.yaml", 3, 7, "boom");
  CHECK(std::string(e.what()) == "a.yaml:3:7: boom");
  CHECK(e.file() == "a.yaml");
  CHECK(e.line() == 3);
  CHECK(e.column() == 7);
  CHECK(e.message() == "boom");
}

TEST_CASE("environment substitution happens on the tree, marks stay right", "[config][env]") {
  std::map<std::string, std::string> env = {{"PORT", "8080"}, {"EMPTY", ""}, {"BAD", "eighty"}};
  auto r = reader_of(
      "a: ${PORT}\n"
      "b: \"${UNSET:-fallback}\"\n"
      "c: ${EMPTY:-used-when-empty}\n"
      "d: literal $${PORT} and $HOME\n"
      "e: [\"x-${PORT}\", y]\n"  // inside [..] or {..} YAML needs quotes around ${}
      "f:\n"
      "  g: ${BAD}\n",
      env);
  CHECK(r.require_int("a") == 8080);
  CHECK(r.get_string("b", "") == "fallback");
  CHECK(r.get_string("c", "") == "used-when-empty");
  CHECK(r.get_string("d", "") == "literal ${PORT} and $HOME");
  CHECK(r.get_string_list("e") == std::vector<std::string>{"x-8080", "y"});
  auto f = r.require_map("f");
  try {
    f.require_int("g");
    FAIL("no error");
  } catch (const core::ConfigError &e) {
    CHECK(std::string(e.what()) == "t.yaml:7:6: 'g' must be an integer, got 'eighty'");
  }
}

TEST_CASE("an alias is substituted once", "[config][env]") {
  auto r = reader_of("base: &b \"$${x}\"\nuse: *b\n");
  CHECK(r.get_string("base", "") == "${x}");
  CHECK(r.get_string("use", "") == "${x}");
}

TEST_CASE("host config from a string with env", "[config]") {
  std::map<std::string, std::string> env = {{"STATE", "/srv/trellis"}};
  auto doc = core::load_yaml_string(
      "log: {level: debug, format: json}\n"
      "metrics: {listen: \"[::1]:9102\"}\n"
      "state_dir: ${STATE}\n"
      "plugin_dirs: [plugins, /abs]\n"
      "workers: 2\n"
      "shutdown_timeout: 1m30s\n"
      "roles:\n"
      "  test-role: {greeting: hi}\n",
      "/etc/trellis/x.yaml", [env](const std::string &k) { return env_of(env, k); });
  auto cfg = core::parse_host_config(doc.root, doc.file, core::registered_roles());
  CHECK(cfg.log_level == "debug");
  CHECK(cfg.log_format == core::LogFormat::json);
  CHECK(cfg.metrics_listen == std::optional<std::string>("[::1]:9102"));
  CHECK(cfg.state_dir == "/srv/trellis");
  CHECK(cfg.plugin_dirs == std::vector<std::string>{"/etc/trellis/plugins", "/abs"});
  CHECK(cfg.workers == 2);
  CHECK(cfg.shutdown_timeout_ms == 90'000);
  REQUIRE(cfg.roles.size() == 1);
  CHECK(cfg.roles[0].name == "test-role");
  CHECK(cfg.role_reader(cfg.roles[0]).get_string("greeting", "") == "hi");
}

TEST_CASE("ConfigReader typed reads", "[config]") {
  auto r = reader_of(
      "s: text\n"
      "n: -42\n"
      "big: 99999999999999999999\n"
      "t: true\n"
      "f: False\n"
      "y: yes\n"
      "d: 1.5\n"
      "dur1: 250ms\n"
      "dur2: 30\n"
      "dur3: 1h5m\n"
      "dur4: 10x\n"
      "e: json\n"
      "list: [a, b]\n"
      "maps: [{k: 1}, {k: 2}]\n"
      "empty:\n");
  CHECK(r.get_string("s", "") == "text");
  CHECK(r.get_int("n", 0) == -42);
  CHECK_THROWS_WITH(r.get_int("big", 0), Catch::Contains("'big' must be an integer"));
  CHECK(r.get_bool("t", false));
  CHECK_FALSE(r.get_bool("f", true));
  CHECK_THROWS_WITH(r.get_bool("y", false), "t.yaml:6:4: 'y' must be true or false, got 'yes'");
  CHECK(r.get_double("d", 0) == 1.5);
  CHECK(r.get_duration_ms("dur1", 0) == 250);
  CHECK(r.get_duration_ms("dur2", 0) == 30'000);
  CHECK(r.get_duration_ms("dur3", 0) == 3'900'000);
  CHECK_THROWS_WITH(r.get_duration_ms("dur4", 0), Catch::Contains("must be a duration"));
  CHECK(r.get_duration_ms("absent", 7) == 7);
  CHECK(r.get_enum("e", "text", {"text", "json"}) == "json");
  CHECK(r.get_string_list("list") == std::vector<std::string>{"a", "b"});
  auto maps = r.get_map_list("maps");
  REQUIRE(maps.size() == 2);
  CHECK(maps[0].require_int("k") == 1);
  CHECK(maps[1].require_int("k") == 2);
  CHECK(r.get_string("empty", "def") == "def");
  CHECK_THROWS_WITH(r.require_string("empty"), "t.yaml:15:1: 'empty' must have a value");
  CHECK_THROWS_WITH(r.require_string("nope"), "t.yaml:1:1: missing required key 'nope'");
  CHECK_THROWS_WITH(r.require_map("s"), "t.yaml:1:4: 's' must be a mapping, got a scalar");
  CHECK_THROWS_WITH(r.get_int("n", 0, 0, 10), "t.yaml:2:4: 'n' must be between 0 and 10, got -42");
  CHECK_NOTHROW(r.finish());
}

TEST_CASE("finish() refuses unread keys, also in nested readers", "[config]") {
  auto r = reader_of("a: 1\nnested: {x: 1, typo: 2}\n");
  r.get_int("a", 0);
  auto nested = r.require_map("nested");
  nested.get_int("x", 0);
  CHECK_THROWS_WITH(r.finish(), "t.yaml:2:16: unknown key 'typo' (expected one of: x)");
  auto fresh = reader_of("zzz: 1\n");
  CHECK_THROWS_WITH(fresh.finish(), "t.yaml:1:1: unknown key 'zzz'");
  auto skipped = reader_of("role: {anything: goes}\n");
  skipped.skip("role");
  CHECK_NOTHROW(skipped.finish());
}

TEST_CASE("get_json types plain scalars and keeps quoted ones as strings", "[config]") {
  auto r = reader_of(
      "plugin:\n"
      "  i: 12\n"
      "  q: \"12\"\n"
      "  f: 2.5\n"
      "  b: true\n"
      "  n: ~\n"
      "  s: hello\n"
      "  v: 1.2.3\n"
      "  l: [1, two, {k: false}]\n");
  nlohmann::json j = r.get_json("plugin");
  CHECK(j == nlohmann::json::parse(
                 R"({"i":12,"q":"12","f":2.5,"b":true,"n":null,"s":"hello","v":"1.2.3","l":[1,"two",{"k":false}]})"));
  CHECK(r.get_json("absent") == nlohmann::json::object());
}

TEST_CASE("fail() points at the value, or at the mapping when the key is absent", "[config]") {
  auto r = reader_of("x: 1\ny:   value\n");
  CHECK_THROWS_WITH(r.fail("y", "bad y"), "t.yaml:2:6: bad y");
  CHECK_THROWS_WITH(r.fail("nope", "bad nope"), "t.yaml:1:1: bad nope");
  CHECK_THROWS_WITH(r.fail_here("here"), "t.yaml:1:1: here");
}

TEST_CASE("listen addresses", "[config]") {
  auto a = core::parse_listen_address("127.0.0.1:9102");
  REQUIRE(a);
  CHECK(a->address == "127.0.0.1");
  CHECK(a->port == 9102);
  auto b = core::parse_listen_address("[::1]:0");
  REQUIRE(b);
  CHECK(b->address == "::1");
  CHECK_FALSE(core::parse_listen_address("::1:9102"));
  CHECK_FALSE(core::parse_listen_address("localhost:9102"));
  CHECK_FALSE(core::parse_listen_address("127.0.0.1:65536"));
  CHECK_FALSE(core::parse_listen_address("127.0.0.1"));
  CHECK_FALSE(core::parse_listen_address("127.0.0.1:"));
}
