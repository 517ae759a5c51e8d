// SPDX-License-Identifier: Apache-2.0
// The kernel tunnel's configuration: defaults, every key, and refusals that
// name the key.
#include <catch2/catch.hpp>

#include "core/config.hpp"

namespace trellis::tunnel_kernel {
namespace {

TEST_CASE("empty configuration gives the defaults", "[config]") {
  for (const char *text : {static_cast<const char *>(nullptr), "", "{}"}) {
    Config c;
    c.message_size = 1;
    REQUIRE(parse_config(text, c));
    CHECK(c.message_size == 4096);
    CHECK(c.poll_interval_ms == 1000);
    CHECK(c.route_table == 254);
    CHECK(c.route_protocol == 4);
    CHECK(c.route_metric == 0);
  }
}

TEST_CASE("every key is read", "[config]") {
  Config c;
  REQUIRE(parse_config(R"({"message_size": 8192, "poll_interval_ms": 0, "route_table": 1000,
                           "route_protocol": 200, "route_metric": 50})",
                       c));
  CHECK(c.message_size == 8192);
  CHECK(c.poll_interval_ms == 0);
  CHECK(c.route_table == 1000);
  CHECK(c.route_protocol == 200);
  CHECK(c.route_metric == 50);
}

TEST_CASE("bad configuration is refused with the key's name", "[config]") {
  const std::vector<std::pair<const char *, const char *>> cases = {
      {"[1]", "must be a mapping"},
      {"{", "not valid JSON"},
      {R"({"message_size": 100})", "message_size must be an integer between 512 and 65536"},
      {R"({"message_size": "4096"})", "message_size must be an integer"},
      {R"({"message_size": 4096.5})", "message_size must be an integer"},
      {R"({"poll_interval_ms": -1})", "poll_interval_ms must be"},
      {R"({"route_protocol": 2})", "route_protocol must be an integer between 3 and 255"},
      {R"({"route_table": 255})", "route_table must not be"},
      {R"({"route_table": 18446744073709551615})", "route_table must be an integer"},
      {R"({"mesage_size": 4096})", "unknown configuration key: mesage_size"},
  };
  for (const auto &[text, want] : cases) {
    INFO(text);
    Config c;
    const Status s = parse_config(text, c);
    CHECK_FALSE(s);
    CHECK_THAT(s.message(), Catch::Contains(want));
    CHECK(c.message_size == 4096);  // unchanged
  }
}

}  // namespace
}  // namespace trellis::tunnel_kernel
