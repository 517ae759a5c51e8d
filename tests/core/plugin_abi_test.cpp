// SPDX-License-Identifier: Apache-2.0
// check_descriptor without dlopen: the refusals the fixtures do not reach
// (descriptor too small, unknown kind, bad names, no vtable, capability bits
// without their member, auth with neither side) and the zero-extension rule.
#include <catch2/catch.hpp>

#include <cstring>

#include <trellis/plugin.hpp>

#include "core/plugin_abi.hpp"

namespace core = trellis::core;

namespace {

trellis_status t_create(const trellis_create_params *, trellis_tunnel_event_fn, void *, void **, char **) {
  return TRELLIS_OK;
}
void t_destroy(void *) {}
trellis_status t_up(void *, const char *, const trellis_tunnel_interface *, char **) { return 0; }
trellis_status t_set_if(void *, const trellis_tunnel_interface *, char **) { return 0; }
trellis_status t_down(void *, char **) { return 0; }
trellis_status t_set_peer(void *, const trellis_tunnel_peer *, char **) { return 0; }
trellis_status t_remove_peer(void *, const uint8_t *, char **) { return 0; }
trellis_status t_stats(void *, trellis_tunnel_peer_stats *, size_t, size_t *) { return 0; }

trellis_tunnel_vtable full_tunnel() {
  auto vt = trellis::sdk::sized<trellis_tunnel_vtable>();
  vt.create = t_create;
  vt.destroy = t_destroy;
  vt.up = t_up;
  vt.set_interface = t_set_if;
  vt.down = t_down;
  vt.set_peer = t_set_peer;
  vt.remove_peer = t_remove_peer;
  vt.get_stats = t_stats;
  return vt;
}

trellis_plugin_descriptor descriptor(const void *vtable, trellis_plugin_kind kind = TRELLIS_KIND_TUNNEL) {
  return trellis_plugin_descriptor{sizeof(trellis_plugin_descriptor), TRELLIS_ABI_MAJOR, TRELLIS_ABI_MINOR,
                                   kind, "unit", "1.0.0", "d", vtable};
}

}  // namespace

TEST_CASE("check_descriptor accepts a complete tunnel", "[abi]") {
  auto vt = full_tunnel();
  auto d = descriptor(&vt);
  auto v = core::check_descriptor(&d);
  REQUIRE(v.ok);
  CHECK(v.name == "unit");
  CHECK(std::get<trellis_tunnel_vtable>(v.vtable).get_stats == t_stats);
}

TEST_CASE("check_descriptor refusals", "[abi]") {
  auto vt = full_tunnel();
  struct Case {
    const char *what;
    trellis_plugin_descriptor d;
    const char *reason;
  };
  auto small = descriptor(&vt);
  small.struct_size = 6;
  auto short_desc = descriptor(&vt);
  short_desc.struct_size = offsetof(trellis_plugin_descriptor, vtable);
  auto kind = descriptor(&vt, static_cast<trellis_plugin_kind>(7));
  auto name = descriptor(&vt);
  name.name = "Not_Valid";
  auto no_version = descriptor(&vt);
  no_version.version = nullptr;
  auto no_vtable = descriptor(nullptr);
  auto caps_vt = full_tunnel();
  caps_vt.capabilities = TRELLIS_TUNNEL_CAP_ROUTES;
  auto caps = descriptor(&caps_vt);
  auto auth_vt = trellis::sdk::sized<trellis_auth_vtable>();
  auth_vt.create = [](const trellis_create_params *, void **, char **) -> trellis_status { return 0; };
  auth_vt.destroy = [](void *) {};
  auto auth = descriptor(&auth_vt, TRELLIS_KIND_AUTH);
  const Case cases[] = {
      {"size", small, "descriptor struct_size 6 is too small to hold an ABI version"},
      {"short", short_desc, "descriptor struct_size"},
      {"kind", kind, "unknown plugin kind 7"},
      {"name", name, "invalid plugin name 'Not_Valid'"},
      {"version", no_version, "missing or overlong version string"},
      {"vtable", no_vtable, "descriptor has no vtable"},
      {"caps", caps, "declares TRELLIS_TUNNEL_CAP_ROUTES but 'set_routes' is NULL"},
      {"auth", auth, "neither 'authenticate' nor 'obtain_credential' is set"},
  };
  for (const auto &c : cases) {
    INFO(c.what);
    auto v = core::check_descriptor(&c.d);
    CHECK_FALSE(v.ok);
    CHECK_THAT(v.reason, Catch::StartsWith(c.reason));
  }
  CHECK_FALSE(core::check_descriptor(&small).abi_known);
  CHECK(core::check_descriptor(&kind).abi_known);
}

TEST_CASE("a shorter vtable is zero-extended; bytes beyond struct_size are never read", "[abi]") {
  // A buffer whose bytes after the declared size are garbage: a correct reader
  // must not look at them.
  alignas(trellis_tunnel_vtable) unsigned char raw[sizeof(trellis_tunnel_vtable)];
  std::memset(raw, 0xAB, sizeof raw);
  auto vt = full_tunnel();
  vt.struct_size = offsetof(trellis_tunnel_vtable, set_peer_path);
  std::memcpy(raw, &vt, vt.struct_size);
  auto d = descriptor(raw);
  auto v = core::check_descriptor(&d);
  REQUIRE(v.ok);
  const auto &copy = std::get<trellis_tunnel_vtable>(v.vtable);
  CHECK(copy.struct_size == sizeof(trellis_tunnel_vtable));
  CHECK(copy.set_peer_path == nullptr);
  CHECK(copy.set_firewall == nullptr);
  CHECK(copy.set_routes == nullptr);
}

TEST_CASE("kind names and status names", "[abi]") {
  CHECK(core::parse_kind("storage") == TRELLIS_KIND_STORAGE);
  CHECK_FALSE(core::parse_kind("Storage"));
  CHECK(std::string(core::kind_name(TRELLIS_KIND_TRANSPORT)) == "transport");
  CHECK(std::string(core::status_name(TRELLIS_E_CONFLICT)) == "TRELLIS_E_CONFLICT");
  CHECK(core::refusal_line("/p.so", "built for ABI 2", "why") ==
        "plugin /p.so: built for ABI 2, host is ABI 1.0: refused: why");
}
