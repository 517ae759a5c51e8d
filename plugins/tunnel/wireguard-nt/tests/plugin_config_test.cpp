// SPDX-License-Identifier: Apache-2.0
// The plugin's JSON configuration: defaults, every key, and the errors a
// mistyped YAML file produces.
#include <catch2/catch.hpp>

#include <trellis/plugin.hpp>

#include "core/plugin_config.hpp"

using namespace trellis::wgnt;

namespace {

std::string error_of(const std::string &json) {
  try {
    (void)parse_plugin_config(json);
  } catch (const trellis::sdk::Error &e) {
    CHECK(e.status() == TRELLIS_E_INVALID);
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("plugin_config: defaults", "[config]") {
  for (const char *json : {"{}", " { } ", "\n{\"dll_path\": null}\n"}) {
    PluginConfig c = parse_plugin_config(json);
    CHECK(c.adapter_pool == "Trellis");
    CHECK_FALSE(c.dll_path);
    CHECK_FALSE(c.guid);
    CHECK_FALSE(c.driver_log);
    CHECK(c.poll_interval_ms == 1000);
  }
}

TEST_CASE("plugin_config: every key", "[config]") {
  PluginConfig c = parse_plugin_config(R"({
    "adapter_pool": "Mesh \u00e9t\u00e9",
    "dll_path": "C:\\Program Files\\WireGuard\\wireguard.dll",
    "guid": "{01234567-89ab-CDEF-0123-456789abcdef}",
    "driver_log": true,
    "poll_interval_ms": 0
  })");
  CHECK(c.adapter_pool == "Mesh \xc3\xa9t\xc3\xa9");
  CHECK(c.dll_path == std::string("C:\\Program Files\\WireGuard\\wireguard.dll"));
  REQUIRE(c.guid);
  CHECK(c.guid->data1 == 0x01234567u);
  CHECK(c.guid->data3 == 0xcdef);
  CHECK(c.driver_log);
  CHECK(c.poll_interval_ms == 0);
  CHECK(parse_plugin_config(R"({"poll_interval_ms": 3600000})").poll_interval_ms == 3600000);
  CHECK(parse_plugin_config(R"({"adapter_pool": "\ud83d\ude00"})").adapter_pool == "\xf0\x9f\x98\x80");
}

TEST_CASE("plugin_config: errors name the key", "[config]") {
  CHECK_THAT(error_of(R"({"adapter-pool": "x"})"), Catch::Contains("unknown key \"adapter-pool\""));
  CHECK_THAT(error_of(R"({"driver_log": "yes"})"), Catch::Contains("driver_log: expected true or false"));
  CHECK_THAT(error_of(R"({"poll_interval_ms": 3600001})"), Catch::Contains("poll_interval_ms: at most"));
  CHECK_THAT(error_of(R"({"poll_interval_ms": -1})"), Catch::Contains("must not be negative"));
  CHECK_THAT(error_of(R"({"poll_interval_ms": 1.5})"), Catch::Contains("expected an integer"));
  CHECK_THAT(error_of(R"({"poll_interval_ms": 99999999999999999999999})"), Catch::Contains("at most"));
  CHECK_THAT(error_of(R"({"adapter_pool": ""})"), Catch::Contains("adapter_pool: empty"));
  CHECK_THAT(error_of(R"({"adapter_pool": 5})"), Catch::Contains("adapter_pool: expected a string"));
  CHECK_THAT(error_of("{\"adapter_pool\": \"" + std::string(128, 'a') + "\"}"),
             Catch::Contains("longer than 127"));
  CHECK(error_of("{\"adapter_pool\": \"" + std::string(127, 'a') + "\"}").empty());
  CHECK_THAT(error_of(R"({"guid": "0123"})"), Catch::Contains("guid: expected"));
  CHECK_THAT(error_of(R"({"dll_path": "a", "dll_path": "b"})"), Catch::Contains("duplicate key"));
  CHECK_THAT(error_of(R"({"dll_path": ["a"]})"), Catch::Contains("not a list"));
  CHECK_THAT(error_of(R"({"dll_path": {"a": 1}})"), Catch::Contains("not an object"));
}

TEST_CASE("plugin_config: malformed JSON", "[config]") {
  for (const char *json : {"", "[]", "{", "{\"a\"}", "{\"dll_path\": \"x\",}", "{} {}",
                           "{\"dll_path\": \"x\" \"guid\": 1}", "{\"dll_path\": \"\\q\"}",
                           "{\"dll_path\": \"\\u12\"}", "{\"dll_path\": \"unterminated}",
                           "{\"poll_interval_ms\": 01}", "{\"poll_interval_ms\": -}",
                           "{\"driver_log\": tru}", "{\"dll_path\": \"a\x01\"}",
                           "{\"dll_path\": \"\xff\"}"}) {
    INFO(json);
    CHECK_FALSE(error_of(json).empty());
  }
}
